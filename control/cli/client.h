// bulwarkctl's connection to bulwark-control: one request, one reply (and, for events
// --follow, a stream).
#pragma once

#include <functional>
#include <string>

#include "dataplane/api/wire.h"

namespace bulwark::cli {

// Exit codes of bulwarkctl (also in its --help and the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // the change or request was refused (invalid, conflict)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitNoControl = 3;    // cannot reach bulwark-control
inline constexpr int kExitNotFound = 4;     // no such version, rule, candidate...
inline constexpr int kExitUnavailable = 5;  // the dataplane is not running
inline constexpr int kExitDrift = 6;        // api diff: the traffic drifted from the spec

class Client {
 public:
  ~Client();
  bool connect(const std::string& path, std::string& error);
  // Sends {cmd, args}; false and `error` if the exchange failed (not a refusal).
  bool call(const std::string& cmd, const api::json& args, api::json& reply, int timeout_ms,
            std::string& error);
  // Streams events to `on_line` until the connection ends; false and `error` on failure.
  bool follow(const std::function<void(const api::json& frame)>& on_frame, std::string& error);

 private:
  int fd_ = -1;
  api::FrameReader reader_;
};

// bulwark-control's error code -> exit code.
int exit_code_for(const std::string& error_code);

}  // namespace bulwark::cli
