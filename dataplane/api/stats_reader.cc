// Maps the stats segment read-only and renders it as JSON.
#include "dataplane/api/stats_reader.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <rte_cycles.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/api/counter_labels.h"
#include "dataplane/api/counters_json.h"

namespace bulwark::api {

StatsReader::~StatsReader() {
  if (seg_) munmap(const_cast<api::Segment*>(seg_), sizeof(api::Segment));
}

bool StatsReader::open(const std::string& name, std::string& error) {
  const int fd = shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) {
    error =
        "cannot open stats segment " + name + ": " + std::strerror(errno) +
        (errno == ENOENT ? " (is bulwark-dataplane running with --stats-shm " + name + "?)" : "");
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < sizeof(api::Segment)) {
    close(fd);
    error = "stats segment " + name + " is too small: written by another version?";
    return false;
  }
  void* p = mmap(nullptr, sizeof(api::Segment), PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    error = "cannot map stats segment " + name + ": " + std::strerror(errno);
    return false;
  }
  seg_ = static_cast<const api::Segment*>(p);
  if (seg_->header.magic != api::kStatsMagic ||
      seg_->header.layout_version != api::kStatsLayoutVersion) {
    error = "stats segment " + name + " has layout version " +
            std::to_string(seg_->header.layout_version) + ", this reader knows " +
            std::to_string(api::kStatsLayoutVersion);
    return false;
  }
  return true;
}

namespace {

const char* state_name(uint32_t s) {
  switch (static_cast<api::RunState>(s)) {
    case api::RunState::starting: return "starting";
    case api::RunState::running: return "running";
    case api::RunState::stopping: return "stopping";
    case api::RunState::stopped: return "stopped";
  }
  return "unknown";
}

std::string ip_text(const uint8_t* a, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof buf);
  return buf;
}

// The worker's top talkers, read under its sequence lock (a few retries, then none).
nlohmann::json top_flows_json(const api::TopFlows& t, uint64_t tsc_hz, uint64_t now_tsc) {
  api::TopFlow copy[api::kTopFlows];
  uint32_t n = 0;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const uint64_t s0 = t.seq.load(std::memory_order_acquire);
    if (s0 & 1) continue;
    n = std::min<uint32_t>(t.count, api::kTopFlows);
    std::memcpy(copy, t.flows, sizeof(api::TopFlow) * n);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (t.seq.load(std::memory_order_relaxed) == s0) break;
    n = 0;
  }
  nlohmann::json out = nlohmann::json::array();
  for (uint32_t i = 0; i < n; ++i) {
    const api::TopFlow& f = copy[i];
    // Client: the endpoint that opened the connection (lo unless hi did).
    const bool hi_client = f.initiator == 1;
    out.push_back({{"proto", f.proto == 6    ? "tcp"
                             : f.proto == 17 ? "udp"
                                             : std::to_string(f.proto)},
                   {"client", ip_text(hi_client ? f.addr_hi : f.addr_lo, f.family)},
                   {"client_port", hi_client ? f.port_hi : f.port_lo},
                   {"server", ip_text(hi_client ? f.addr_lo : f.addr_hi, f.family)},
                   {"server_port", hi_client ? f.port_lo : f.port_hi},
                   {"vlan", f.vlan},
                   {"state", label_name(kFlowStateNames, f.state)},
                   {"bytes_from_client", hi_client ? f.bytes_hi_lo : f.bytes_lo_hi},
                   {"bytes_from_server", hi_client ? f.bytes_lo_hi : f.bytes_hi_lo},
                   {"packets", f.packets},
                   {"age_s", tsc_hz && now_tsc > f.first_seen_tsc
                                 ? static_cast<double>(now_tsc - f.first_seen_tsc) /
                                       static_cast<double>(tsc_hz)
                                 : 0.0}});
  }
  return out;
}

}  // namespace

nlohmann::json stats_to_json(const api::Segment& seg) {
  using nlohmann::json;
  const auto& h = seg.header;
  json j;
  j["state"] = state_name(h.state.load(std::memory_order_relaxed));
  j["pid"] = h.pid;
  j["workers"] = h.worker_count;
  j["tsc_hz"] = h.tsc_hz;
  j["flow_entry_bytes"] = h.flow_entry_bytes;
  j["start_unix_ns"] = h.start_unix_ns;
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    const auto& ps = seg.ports[p];
    json port = {{"role", std::string(ps.role, strnlen(ps.role, sizeof ps.role))},
                 {"device", std::string(ps.device, strnlen(ps.device, sizeof ps.device))}};
    put_port_counters(port, ps);
    j["ports"].push_back(port);
  }
  const unsigned n = std::min<unsigned>(h.worker_count, api::kMaxWorkers);
  // The per-limit arrays cover the active bundle's limits.
  const uint32_t limits =
      seg.rules.generation.load(std::memory_order_acquire) ? seg.rules.limit_count : 0;
  for (unsigned w = 0; w < n; ++w) {
    json wj = worker_counters_json(seg.workers[w], limits);
    wj["top_flows"] = top_flows_json(seg.workers[w].top_flows, h.tsc_hz, rte_rdtsc());
    j["worker"].push_back(wj);
  }
  json total = n ? total_counters_json(seg, n, limits) : json::object();
  const uint64_t busy = total.value("busy_cycles", uint64_t{0});
  const uint64_t idle = total.value("idle_cycles", uint64_t{0});
  total["busy_ratio"] =
      busy + idle ? static_cast<double>(busy) / static_cast<double>(busy + idle) : 0.0;
  j["total"] = total;
  // Header, control socket, the active rule set, per-rule hits and per-limit requests.
  put_segment_counters(j, seg, n, limits);
  const auto& ri = seg.rules;
  j["rules"]["sha256"] = std::string(ri.sha256, strnlen(ri.sha256, sizeof ri.sha256));
  return j;
}

}  // namespace bulwark::api
