// Reply shapes of management requests (see controller.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::control {

inline nlohmann::json reply_ok(nlohmann::json result) {
  return {{"ok", true}, {"result", std::move(result)}};
}
inline nlohmann::json reply_error(const std::string& code, const std::string& message) {
  return {{"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

}  // namespace bulwark::control
