// bulwarkctl's connection to bulwark-control: one request, one reply (and, for events
// --follow, a stream). It connects on first use, so a command line that is wrong on its
// own (a file that cannot be read, a bad duration) is refused before bulwark-control is
// asked anything.
#pragma once

#include <functional>
#include <string>

#include "control/protocol/channel.h"
#include "dataplane/api/wire.h"

namespace bulwark::cli {

class Client : public control::protocol::CommandChannel {
 public:
  Client(std::string socket_path, int timeout_ms)
      : path_(std::move(socket_path)), timeout_ms_(timeout_ms) {}
  ~Client() override;
  bool call(const std::string& cmd, const api::json& args, api::json& reply,
            std::string& error) override;
  bool follow(const std::function<void(const api::json& frame)>& on_frame,
              std::string& error) override;

 private:
  bool connect(std::string& error);
  bool exchange(const std::string& cmd, const api::json& args, api::json& reply, int timeout_ms,
                std::string& error);
  std::string path_;
  int timeout_ms_;
  int fd_ = -1;
  api::FrameReader reader_;
};

}  // namespace bulwark::cli
