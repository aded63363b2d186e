// The client end of the management protocol as a row's CLI step sees it. bulwarkctl's
// Client implements it; a step may ask bulwark-control something before its own request
// goes out (config edit starts from the staged or active configuration) or turn the
// connection into the event stream (events --follow).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::control::protocol {

class CommandChannel {
 public:
  virtual ~CommandChannel() = default;
  // Sends {cmd, args}; false and `error` if the exchange failed (not a refusal, which is
  // a reply).
  virtual bool call(const std::string& cmd, const nlohmann::json& args, nlohmann::json& reply,
                    std::string& error) = 0;
  // Streams event frames to `on_frame` until the connection ends; false and `error`.
  virtual bool follow(const std::function<void(const nlohmann::json& frame)>& on_frame,
                      std::string& error) = 0;
};

}  // namespace bulwark::control::protocol
