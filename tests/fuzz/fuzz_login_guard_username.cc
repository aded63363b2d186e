// libFuzzer target: usernames from login request bodies (JSON and form), the first 4 KiB
// of which an attacker controls completely. Whatever the bytes, the scanners stop within
// the body and a value they return fits its buffer; a JSON body that nlohmann-json reads
// as an object with a string field gives that same string.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "dataplane/features/login_guard/login_username.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  char out[256];
  size_t n = 0;
  if (bulwark::login_guard::username_from_form(body, "username", out, sizeof out, n) &&
      n > sizeof out)
    __builtin_trap();
  n = 0;
  const bool found = bulwark::login_guard::username_from_json(body, "username", out, sizeof out, n);
  if (found && n > sizeof out) __builtin_trap();
  // Differential: where a real JSON parser sees {"username": "..."} (duplicates: the
  // last, as parsers and servers read them; escaped keys decoded), the scanner agrees.
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("username") && j["username"].is_string()) {
    const std::string want = j["username"];
    if (want.size() <= sizeof out && (!found || std::string_view(out, n) != want)) __builtin_trap();
  }
  return 0;
}
