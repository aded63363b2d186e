// The management socket bulwarkctl talks to (unix socket, mode 0660, owned by the admin
// group). One thread accepts; each client gets a thread that reads requests and writes
// replies (control/api/wire.h frames; request {cmd, args}). `events.follow` turns the
// connection into a stream of {event: line} frames until the client goes away.
#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace bulwark::control {

class Controller;

class MgmtServer {
 public:
  ~MgmtServer();
  bool start(const std::string& path, const std::string& group, Controller& c, std::string& error);
  void stop();

 private:
  void accept_loop();
  void serve(int fd);
  void follow(int fd);

  Controller* ctl_ = nullptr;
  std::string path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<std::thread> clients_;
};

}  // namespace bulwark::control
