// bulwark-control's side of the dataplane's control socket (protocol in
// dataplane/control/control_server.h). A thread keeps trying to connect (the two
// processes start in any order and restart independently), says hello on each new
// connection, forwards the dataplane's event lines to a sink, and delivers replies to
// whoever asked. session() changes with every new connection so the controller can
// resynchronise (push the active bundle) after a dataplane restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/api/wire.h"

namespace bulwark::control {

class DataplaneLink {
 public:
  using EventSink = std::function<void(const std::string& line)>;
  ~DataplaneLink();
  void start(const std::string& socket_path, EventSink sink);
  // A different socket (configuration change): reconnects there.
  void set_path(const std::string& socket_path);
  void stop();

  bool connected() const { return connected_.load(); }
  uint64_t session() const { return session_.load(); }
  // The dataplane's answer to the last hello (empty object if none).
  api::json hello() const;
  // Pushes bundle bytes; true with the dataplane's reply if it loaded them. false and
  // `error` (not connected, timeout, or the dataplane's own reason) otherwise.
  bool push(const std::vector<uint8_t>& bundle, api::json& reply, std::string& error);
  // Sends a whole block list (BlockList::message()); true if the dataplane applied it.
  bool push_blocklist(const api::json& msg, std::string& error);

 private:
  void run();
  bool request(api::json msg, api::json& reply, int timeout_ms, std::string& error);
  void close_fd();
  void dispatch(const api::json& msg);

  EventSink sink_;
  mutable std::mutex mu_;  // path_, hello_, reply state
  std::condition_variable cv_;
  std::string path_;
  api::json hello_ = api::json::object();
  uint64_t waiting_id_ = 0;
  std::optional<api::json> reply_;
  bool reply_failed_ = false;
  std::mutex req_mu_;  // one request at a time
  std::mutex fd_mu_;   // fd_ changes (link thread) vs sends (requesters)
  int fd_ = -1;
  uint64_t next_id_ = 1;
  api::FrameReader reader_;
  std::atomic<bool> connected_{false}, stop_{false}, reconnect_{false};
  std::atomic<uint64_t> session_{0};
  std::thread thread_;
};

}  // namespace bulwark::control
