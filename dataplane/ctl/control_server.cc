// Control socket thread (see control_server.h).
#include "dataplane/ctl/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "dataplane/api/unix_socket.h"
#include "dataplane/inspect/inspection_runtime.h"

namespace bulwark::dp {
namespace {

constexpr int kPollMs = 20;
constexpr int kSendTimeoutMs = 2000;  // a peer that does not read for this long is dropped
constexpr size_t kEventsPerMessage = 512;

}  // namespace

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(const std::string& path, const std::string& group, const Identity& id,
                          inspect::InspectionRuntime& runtime, api::Segment& seg,
                          std::string& error) {
  listen_fd_ = api::listen_unix(path, group.empty() ? 0600 : 0660, group, error);
  if (listen_fd_ < 0) return false;
  path_ = path;
  id_ = id;
  runtime_ = &runtime;
  seg_ = &seg;
  thread_ = std::thread([this] { run(); });
  return true;
}

void ControlServer::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  if (peer_fd_ >= 0) flush_events();  // what the last drain queued, best effort
  close_peer();
  close(listen_fd_);
  listen_fd_ = -1;
  unlink(path_.c_str());
}

void ControlServer::offer_event(std::string&& line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= kMaxQueuedEvents) {
    seg_->control.events_dropped.add(1);
    return;
  }
  queue_.push_back(std::move(line));
}

void ControlServer::close_peer() {
  if (peer_fd_ < 0) return;
  close(peer_fd_);
  peer_fd_ = -1;
  reader_ = api::FrameReader();
  seg_->control.connected.set(0);
}

void ControlServer::run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {peer_fd_, POLLIN, 0}};
    const int n = poll(p, peer_fd_ >= 0 ? 2 : 1, kPollMs);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && (p[0].revents & POLLIN)) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        close_peer();  // a new bulwark-control replaces the old one
        peer_fd_ = fd;
        seg_->control.connected.set(1);
        seg_->control.connections.add(1);
      }
    }
    if (n > 0 && peer_fd_ >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      uint8_t buf[65536];
      const ssize_t got = recv(peer_fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        close_peer();
      } else if (got > 0) {
        reader_.feed(buf, static_cast<size_t>(got));
        api::json msg;
        std::string error;
        int r;
        while (peer_fd_ >= 0 && (r = reader_.next(msg, error)) != 0) {
          if (r < 0) {
            seg_->control.bad_messages.add(1);
            std::fprintf(stderr, "bulwark-dataplane: control socket: %s; connection closed\n",
                         error.c_str());
            close_peer();
            break;
          }
          handle(msg);
        }
      }
    }
    if (peer_fd_ >= 0) flush_events();
  }
}

void ControlServer::handle(const api::json& msg) {
  const std::string op = api::get_string(msg, "op");
  api::json reply = {{"op", "reply"}, {"id", api::get_u64(msg, "id")}, {"ok", true}};
  if (op == "hello") {
    const inspect::RulesIdentity ri = runtime_->rules_identity();
    reply["pid"] = id_.pid;
    reply["start_unix_ns"] = id_.start_unix_ns;
    reply["workers"] = id_.workers;
    reply["stats_shm"] = id_.stats_shm;
    reply["inspecting"] = runtime_->enabled();
    reply["rules"] = {{"generation", ri.generation},
                      {"version", ri.version},
                      {"sha256", ri.sha256},
                      {"count", ri.count}};
    reply["blocklist"] = runtime_->blocklist_identity();
  } else if (op == "load") {
    const auto it = msg.find("bundle");
    std::string error;
    inspect::LoadReport rep;
    if (it == msg.end() || !it->is_binary()) {
      error = "load: 'bundle' missing or not a byte string";
    } else if (runtime_->load_bytes(it->get_binary(), rep, error)) {
      seg_->control.pushes.add(1);
      reply.update({{"version", rep.version},
                    {"sha256", rep.sha256},
                    {"rules", rep.rules},
                    {"prepare_ns", rep.prepare_ns},
                    {"swap_ns", rep.swap_ns}});
      std::fprintf(stdout,
                   "bulwark-dataplane: rules pushed by bulwark-control: version %llu, %u rules\n",
                   static_cast<unsigned long long>(rep.version), rep.rules);
      std::fflush(stdout);
    }
    if (!error.empty()) {
      seg_->control.push_failures.add(1);
      reply["ok"] = false;
      reply["error"] = error;
    }
  } else if (op == "blocklist") {
    std::string error;
    if (runtime_->load_blocklist(msg, error)) {
      reply["blocklist"] = runtime_->blocklist_identity();
    } else {
      reply["ok"] = false;
      reply["error"] = error;
    }
  } else {
    seg_->control.bad_messages.add(1);
    reply["ok"] = false;
    reply["error"] = "unknown op '" + op + "' (this dataplane knows hello, load, blocklist)";
  }
  std::string error;
  if (!api::send_message(peer_fd_, reply, kSendTimeoutMs, error)) close_peer();
}

void ControlServer::flush_events() {
  // A few batches per turn, then back to poll(): a steady stream of events must not
  // keep requests (hello, load) waiting.
  for (int batch = 0; batch < 8 && peer_fd_ >= 0; ++batch) {
    std::vector<std::string> lines;
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (!queue_.empty() && lines.size() < kEventsPerMessage) {
        lines.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (lines.empty()) return;
    std::string error;
    const size_t count = lines.size();
    if (!api::send_message(peer_fd_, {{"op", "events"}, {"lines", std::move(lines)}},
                           kSendTimeoutMs, error)) {
      {
        std::lock_guard<std::mutex> lock(mu_);  // events_dropped: written under mu_ only
        seg_->control.events_dropped.add(count);
      }
      close_peer();
      return;
    }
    seg_->control.events_sent.add(count);
  }
}

}  // namespace bulwark::dp
