// bulwarkctl's socket client (see client.h).
#include "control/cli/client.h"

#include <unistd.h>

#include "control/protocol/protocol.h"
#include "dataplane/api/unix_socket.h"

namespace bulwark::cli {

Client::~Client() {
  if (fd_ >= 0) close(fd_);
}

bool Client::connect(std::string& error) {
  if (fd_ >= 0) return true;
  fd_ = api::connect_unix(path_, error);
  if (fd_ < 0) error += " (start it with: systemctl start bulwark-control, or pass --socket)";
  return fd_ >= 0;
}

bool Client::exchange(const std::string& cmd, const api::json& args, api::json& reply,
                      int timeout_ms, std::string& error) {
  if (!connect(error)) return false;
  if (!api::send_message(fd_, {{"cmd", cmd}, {"args", args}}, timeout_ms, error)) return false;
  if (!api::recv_message(fd_, reader_, reply, timeout_ms, error)) {
    if (error == "timeout") error = "bulwark-control did not answer in time";
    return false;
  }
  return true;
}

bool Client::call(const std::string& cmd, const api::json& args, api::json& reply,
                  std::string& error) {
  return exchange(cmd, args, reply, timeout_ms_, error);
}

bool Client::follow(const std::function<void(const api::json&)>& on_frame, std::string& error) {
  api::json first;
  if (!exchange(control::protocol::kFollowEvents, api::json::object(), first, 5000, error))
    return false;
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

}  // namespace bulwark::cli
