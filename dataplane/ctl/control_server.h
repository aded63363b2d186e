// The dataplane's control socket. A plain thread (started from the main lcore, so it
// runs on the main core, never on a worker's) accepts bulwark-control, answers `hello`
// with who this dataplane is and which bundle it runs, loads pushed bundles through the
// InspectionRuntime (off the workers; RCU swap) and answers with the version now
// active or a precise error, and forwards event lines. One peer at a time: a new
// connection replaces the old one (a restarted bulwark-control). Nothing here touches
// the packet path; if control never connects, the dataplane runs on as configured.
//
// Messages (dataplane/api/wire.h frames), control -> dataplane, each with an `id` that
// the reply repeats:
//   {op: "hello", id}                  -> {op: "reply", id, ok, pid, start_unix_ns,
//                                          workers, stats_shm, inspecting,
//                                          rules: {generation, version, sha256, count},
//                                          blocklist: {sha256, entries}}
//   {op: "load", id, bundle: bytes}    -> {op: "reply", id, ok, version, sha256, rules,
//                                          prepare_ns, swap_ns} or {.., ok: false, error}
//   {op: "blocklist", id, sha256,      -> {op: "reply", id, ok, blocklist} or error
//    entries: [...]} (block_set.h)
// dataplane -> control, unasked:
//   {op: "events", lines: [json text, ...]}
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "dataplane/api/stats_layout.h"
#include "dataplane/api/wire.h"

namespace bulwark::inspect {
class InspectionRuntime;
}  // namespace bulwark::inspect

namespace bulwark::dp {

class ControlServer {
 public:
  struct Identity {
    uint32_t pid = 0;
    uint64_t start_unix_ns = 0;
    unsigned workers = 0;
    std::string stats_shm;
  };
  ~ControlServer();
  // Listens on `path` and starts the thread. false and `error` if it cannot listen.
  bool start(const std::string& path, const std::string& group, const Identity& id,
             inspect::InspectionRuntime& runtime, api::Segment& seg, std::string& error);
  // Queues an event line for bulwark-control (main lcore). Bounded: when full the line
  // is dropped and counted.
  void offer_event(std::string&& line);
  void stop();

  static constexpr size_t kMaxQueuedEvents = 65536;

 private:
  void run();
  void close_peer();
  void handle(const api::json& msg);
  void flush_events();

  std::string path_;
  Identity id_;
  inspect::InspectionRuntime* runtime_ = nullptr;
  api::Segment* seg_ = nullptr;
  int listen_fd_ = -1;
  int peer_fd_ = -1;  // control thread only
  api::FrameReader reader_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;  // guards queue_ (main lcore pushes, control thread pops)
  std::deque<std::string> queue_;
};

}  // namespace bulwark::dp
