// The management socket bulwarkctl talks to (unix socket, mode 0660, owned by the admin
// group). One thread accepts; each client gets a thread (at most kMaxClients at once)
// that reads requests and writes
// replies (control/api/wire.h frames; request {cmd, args}). `events.follow` turns the
// connection into a stream of {event: line} frames until the client goes away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace bulwark::control {

class Controller;

class MgmtServer {
 public:
  static constexpr unsigned kMaxClients = 64;
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
  // Client threads are detached; stop() waits until the count is back to zero (each
  // client notices stop_ within half a second).
  std::mutex mu_;
  std::condition_variable done_;
  unsigned clients_ = 0;
};

}  // namespace bulwark::control
