// Main-lcore side of the events: drains the event ring and appends one JSON object per
// line to the events file (creating its directory). Runs off the packet path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

struct rte_ring;
struct rte_mempool;

namespace bulwark {

struct EventRecord;

class EventWriter {
 public:
  // Opens `path` for appending; `error` and false on failure.
  bool open(const std::string& path, uint64_t tsc_hz, std::string& error);
  ~EventWriter();
  // Writes every queued record and returns them to `pool`. Returns how many.
  unsigned drain(rte_ring* ring, rte_mempool* pool);
  static std::string to_json(const EventRecord& e, uint64_t unix_ns);

 private:
  std::FILE* f_ = nullptr;
  uint64_t tsc_hz_ = 1;
  uint64_t base_tsc_ = 0, base_unix_ns_ = 0;
};

}  // namespace bulwark
