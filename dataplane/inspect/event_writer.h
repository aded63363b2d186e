// Main-lcore side of the events: drains the event ring and appends one JSON object per
// line to the events file (creating its directory) and hands each line to a sink (the
// control socket, which forwards it to bulwark-control). Runs off the packet path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

struct rte_ring;
struct rte_mempool;

namespace bulwark::inspect {

struct EventRecord;

class EventWriter {
 public:
  // Ties TSC timestamps of records to wall-clock time; before any drain().
  void start_clock(uint64_t tsc_hz);
  // Opens `path` for appending; `error` and false on failure.
  bool open(const std::string& path, std::string& error);
  ~EventWriter();
  // Writes every queued record (to the file if one is open, and to `sink` if set) and
  // returns them to `pool`. Returns how many.
  unsigned drain(rte_ring* ring, rte_mempool* pool,
                 const std::function<void(std::string&&)>& sink = {});
  static std::string to_json(const EventRecord& e, uint64_t unix_ns);
  // An event made on the main lcore (decisions): stamped with the time now, written like
  // the workers' ones.
  void write(nlohmann::json event, const std::function<void(std::string&&)>& sink = {});

 private:
  std::FILE* f_ = nullptr;
  uint64_t tsc_hz_ = 1;
  uint64_t base_tsc_ = 0, base_unix_ns_ = 0;
};

}  // namespace bulwark::inspect
