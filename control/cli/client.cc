// bulwarkctl's socket client (see client.h).
#include "control/cli/client.h"

#include <unistd.h>

#include "dataplane/api/unix_socket.h"

namespace bulwark::cli {

Client::~Client() {
  if (fd_ >= 0) close(fd_);
}

bool Client::connect(const std::string& path, std::string& error) {
  fd_ = api::connect_unix(path, error);
  if (fd_ < 0) error += " (start it with: systemctl start bulwark-control, or pass --socket)";
  return fd_ >= 0;
}

bool Client::call(const std::string& cmd, const api::json& args, api::json& reply, int timeout_ms,
                  std::string& error) {
  if (!api::send_message(fd_, {{"cmd", cmd}, {"args", args}}, timeout_ms, error)) return false;
  if (!api::recv_message(fd_, reader_, reply, timeout_ms, error)) {
    if (error == "timeout") error = "bulwark-control did not answer in time";
    return false;
  }
  return true;
}

bool Client::follow(const std::function<void(const api::json&)>& on_frame, std::string& error) {
  api::json first;
  if (!call("events.follow", api::json::object(), first, 5000, error)) return false;
  if (!api::get_bool(first, "ok")) {
    error = first.dump();
    return false;
  }
  for (;;) {
    api::json frame;
    if (!api::recv_message(fd_, reader_, frame, -1, error)) return false;
    on_frame(frame);
  }
}

int exit_code_for(const std::string& code) {
  if (code == "usage") return kExitUsage;
  if (code == "not_found") return kExitNotFound;
  if (code == "unavailable") return kExitUnavailable;
  return kExitRefused;
}

}  // namespace bulwark::cli
