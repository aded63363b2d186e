// Connection to the dataplane's control socket (see dataplane_link.h).
#include "control/dataplane_link.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "dataplane/api/unix_socket.h"

namespace bulwark::control {
namespace {
constexpr int kRetryMs = 300;
constexpr int kHelloTimeoutMs = 5000;
constexpr int kLoadTimeoutMs = 60000;  // a large bundle: deserialise, scratch, RCU grace
}  // namespace

DataplaneLink::~DataplaneLink() { stop(); }

void DataplaneLink::start(const std::string& socket_path, EventSink sink) {
  path_ = socket_path;
  sink_ = std::move(sink);
  thread_ = std::thread([this] { run(); });
}

void DataplaneLink::set_path(const std::string& socket_path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (socket_path == path_) return;
  path_ = socket_path;
  reconnect_ = true;
}

void DataplaneLink::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  close_fd();
}

api::json DataplaneLink::hello() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hello_;
}

void DataplaneLink::close_fd() {
  {
    std::lock_guard<std::mutex> lock(fd_mu_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  reader_ = api::FrameReader();
  if (connected_.exchange(false)) {
    std::lock_guard<std::mutex> lock(mu_);
    reply_failed_ = true;  // a request in flight gets no answer now
    cv_.notify_all();
  }
}

void DataplaneLink::dispatch(const api::json& msg) {
  const std::string op = api::get_string(msg, "op");
  if (op == "events") {
    const auto it = msg.find("lines");
    if (it == msg.end() || !it->is_array()) return;
    for (const auto& l : *it)
      if (l.is_string() && sink_) sink_(l.get<std::string>());
  } else if (op == "reply") {
    std::lock_guard<std::mutex> lock(mu_);
    if (api::get_u64(msg, "id") == waiting_id_ && waiting_id_ != 0) {
      reply_ = msg;
      cv_.notify_all();
    }
  }
}

void DataplaneLink::run() {
  while (!stop_.load()) {
    if (fd_ < 0) {
      std::string path, error;
      {
        std::lock_guard<std::mutex> lock(mu_);
        path = path_;
      }
      reconnect_ = false;
      const int fd = api::connect_unix(path, error);
      if (fd < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kRetryMs));
        continue;
      }
      // Hello on this thread, before anyone else may send: events that arrive first
      // are passed on.
      api::json hello = {{"op", "hello"}, {"id", 0}};
      bool ok = api::send_message(fd, hello, kHelloTimeoutMs, error);
      api::json msg;
      while (ok) {
        ok = api::recv_message(fd, reader_, msg, kHelloTimeoutMs, error);
        if (!ok) break;
        if (api::get_string(msg, "op") == "reply") break;
        dispatch(msg);
      }
      if (!ok || !api::get_bool(msg, "ok")) {
        close(fd);
        reader_ = api::FrameReader();
        std::this_thread::sleep_for(std::chrono::milliseconds(kRetryMs));
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        hello_ = msg;
      }
      {
        std::lock_guard<std::mutex> lock(fd_mu_);
        fd_ = fd;
      }
      connected_ = true;
      ++session_;
      continue;
    }
    if (reconnect_.load()) {
      close_fd();
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    const int n = poll(&p, 1, 100);
    if (n < 0 && errno != EINTR) {
      close_fd();
      continue;
    }
    if (n <= 0) continue;
    uint8_t buf[65536];
    const ssize_t got = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      close_fd();
      continue;
    }
    if (got < 0) continue;
    reader_.feed(buf, static_cast<size_t>(got));
    api::json msg;
    std::string error;
    int r;
    while ((r = reader_.next(msg, error)) == 1) dispatch(msg);
    if (r < 0) close_fd();
  }
}

bool DataplaneLink::request(api::json msg, api::json& reply, int timeout_ms, std::string& error) {
  std::lock_guard<std::mutex> one(req_mu_);
  if (!connected_.load()) {
    error = "the dataplane is not connected";
    return false;
  }
  const uint64_t id = next_id_++;
  msg["id"] = id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_id_ = id;
    reply_.reset();
    reply_failed_ = false;
  }
  {
    std::lock_guard<std::mutex> lock(fd_mu_);
    if (fd_ < 0 || !api::send_message(fd_, msg, timeout_ms, error)) {
      if (error.empty()) error = "the dataplane is not connected";
      reconnect_ = true;  // a frame may be half sent: start a fresh connection
      std::lock_guard<std::mutex> l2(mu_);
      waiting_id_ = 0;
      return false;
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  const bool got = cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                [&] { return reply_.has_value() || reply_failed_; });
  waiting_id_ = 0;
  if (!got) reconnect_ = true;  // the answer may still come: the new session resyncs
  if (!got || !reply_) {
    error = got ? "the dataplane closed the connection before answering"
                : "the dataplane did not answer within " + std::to_string(timeout_ms / 1000) + " s";
    return false;
  }
  reply = std::move(*reply_);
  reply_.reset();
  return true;
}

bool DataplaneLink::push_blocklist(const api::json& msg, std::string& error) {
  api::json reply;
  if (!request(msg, reply, kLoadTimeoutMs, error)) return false;
  if (!api::get_bool(reply, "ok")) {
    error = api::get_string(reply, "error", "refused without a reason");
    return false;
  }
  return true;
}

bool DataplaneLink::push(const std::vector<uint8_t>& bundle, api::json& reply, std::string& error) {
  api::json msg = {{"op", "load"}, {"bundle", api::json::binary(bundle)}};
  if (!request(std::move(msg), reply, kLoadTimeoutMs, error)) return false;
  if (!api::get_bool(reply, "ok")) {
    error = api::get_string(reply, "error", "refused without a reason");
    return false;
  }
  return true;
}

}  // namespace bulwark::control
