// Management socket server (see mgmt_server.h).
#include "control/mgmt_server.h"

#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "control/controller.h"
#include "control/protocol/protocol.h"
#include "dataplane/api/unix_socket.h"

namespace bulwark::control {

using protocol::Error;
using protocol::reply_error;
using protocol::reply_ok;

namespace {

std::string user_name(long uid) {
  if (uid < 0) return "unknown";
  passwd pw{};
  passwd* res = nullptr;
  char buf[1024];
  if (getpwuid_r(static_cast<uid_t>(uid), &pw, buf, sizeof buf, &res) == 0 && res)
    return res->pw_name;
  return "uid " + std::to_string(uid);
}

}  // namespace

MgmtServer::~MgmtServer() { stop(); }

bool MgmtServer::start(const std::string& path, const std::string& group, Controller& c,
                       std::string& error) {
  listen_fd_ = api::listen_unix(path, 0660, group, error);
  if (listen_fd_ < 0) return false;
  path_ = path;
  ctl_ = &c;
  acceptor_ = std::thread([this] { accept_loop(); });
  return true;
}

void MgmtServer::stop() {
  if (!acceptor_.joinable()) return;
  stop_ = true;
  acceptor_.join();
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return clients_ == 0; });
  }
  close(listen_fd_);
  unlink(path_.c_str());
}

void MgmtServer::accept_loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (clients_ >= kMaxClients) {
        std::string error;
        api::send_message(fd,
                          reply_error(Error::conflict, "too many bulwarkctl sessions; try again"),
                          1000, error);
        close(fd);
        continue;
      }
      ++clients_;
    }
    std::thread([this, fd] {
      serve(fd);
      std::lock_guard<std::mutex> lock(mu_);
      --clients_;
      done_.notify_all();
    }).detach();
  }
}

void MgmtServer::serve(int fd) {
  const std::string user = user_name(api::peer_uid(fd));
  api::FrameReader reader;
  while (!stop_.load()) {
    api::json req;
    std::string error;
    if (!api::recv_message(fd, reader, req, 500, error)) {
      if (error == "timeout") continue;
      if (error.rfind("connection closed", 0) != 0) {
        // A broken frame: say why, then hang up (the stream cannot be resynchronised).
        api::send_message(fd, reply_error(Error::usage, "bad message: " + error), 1000, error);
      }
      break;
    }
    if (api::get_string(req, "cmd") == protocol::kFollowEvents) {
      follow(fd);
      break;
    }
    const api::json reply = ctl_->handle(req, user);
    if (!api::send_message(fd, reply, 10000, error)) break;
  }
  close(fd);
}

void MgmtServer::follow(int fd) {
  auto f = ctl_->events().follow();
  std::string error;
  if (api::send_message(fd, reply_ok({{"following", true}}), 5000, error)) {
    uint64_t reported_drops = 0;
    while (!stop_.load()) {
      std::deque<std::string> lines;
      uint64_t dropped = 0;
      {
        std::unique_lock<std::mutex> lock(f->mu);
        f->cv.wait_for(lock, std::chrono::milliseconds(500),
                       [&] { return !f->lines.empty() || f->closed; });
        lines.swap(f->lines);
        dropped = f->dropped;
        if (f->closed) break;
      }
      // A client that went away shows up as a readable socket with nothing to read.
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        char c;
        if (recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) break;
      }
      bool ok = true;
      if (dropped != reported_drops) {
        ok = api::send_message(fd, {{"dropped", dropped - reported_drops}}, 5000, error);
        reported_drops = dropped;
      }
      for (auto& l : lines) {
        if (!ok) break;
        ok = api::send_message(fd, {{"event", std::move(l)}}, 5000, error);
      }
      if (!ok) break;
    }
  }
  ctl_->events().unfollow(f);
}

}  // namespace bulwark::control
