// Inspection set-up, rule loading with RCU retirement, event draining (see
// inspection_runtime.h).
#include "dataplane/inspect/inspection_runtime.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace bulwark {
namespace {

uint64_t unix_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

constexpr unsigned kEventRing = 8192;
constexpr unsigned kLimitRing = 65536;  // rate-limit reports in flight per worker and direction

}  // namespace

InspectionRuntime::~InspectionRuntime() { stop(); }

bool InspectionRuntime::start(const DataplaneConfig& cfg, unsigned workers, rte_mempool* mbufs,
                              stats::Segment& seg, std::string& error) {
  cfg_ = cfg;
  workers_ = workers;
  seg_ = &seg;
  if (cfg.http_ports.empty() && cfg.tls_ports.empty()) return true;  // inspection off
  const size_t qsize = rte_rcu_qsbr_get_memsize(workers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("rules_qsbr", qsize, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, workers) != 0) {
    error = "cannot set up RCU state for rule swaps";
    return false;
  }
  events_ = rte_ring_create("events", kEventRing, static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
  event_pool_ =
      rte_mempool_create("event_records", kEventRing - 1, sizeof(EventRecord), 64, 0, nullptr,
                         nullptr, nullptr, nullptr, static_cast<int>(rte_socket_id()), 0);
  if (events_ == nullptr || event_pool_ == nullptr) {
    error = std::string("cannot create the event ring: ") + rte_strerror(rte_errno);
    return false;
  }
  writer_.start_clock(rte_get_tsc_hz());
  if (!cfg.events_file.empty() && !writer_.open(cfg.events_file, error)) return false;
  // Global rate limits: one ring up from each worker, one down to each (elements are
  // LimitReports), merged by merge_limit_reports() on the main lcore.
  if (cfg.limit_keys > 0 && workers > 1) {
    for (unsigned w = 0; w < workers; ++w)
      for (const char* dir : {"up", "down"}) {
        const std::string name = std::string("limit_") + dir + "_" + std::to_string(w);
        rte_ring* r =
            rte_ring_create_elem(name.c_str(), sizeof(behave::LimitReport), kLimitRing,
                                 static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r == nullptr) {
          error = "cannot create rate-limit ring " + name + ": " + rte_strerror(rte_errno);
          return false;
        }
        (dir[0] == 'u' ? limit_up_ : limit_down_).push_back(r);
      }
    merge_batch_.resize(256);
  }
  InspectShared shared;
  shared.rules = &rules_;
  shared.blocks = &blocks_;
  if (!limit_up_.empty()) {
    shared.limit_up = limit_up_.data();
    shared.limit_down = limit_down_.data();
  }
  shared.events = events_;
  shared.event_pool = event_pool_;
  shared.mbufs = mbufs;
  for (unsigned w = 0; w < workers; ++w) {
    auto in = Inspector::create(cfg, w, shared, &seg.workers[w], static_cast<int>(rte_socket_id()),
                                error);
    if (!in) return false;
    inspectors_.push_back(std::move(in));
  }
  return true;
}

bool InspectionRuntime::swap_in(const Prepare& prepare, LoadReport& report, std::string& error) {
  std::lock_guard<std::mutex> lock(load_mu_);
  const auto t0 = std::chrono::steady_clock::now();
  // One body stream per concurrent request with a body, up to 4096 per worker.
  const unsigned streams = std::min<uint32_t>(cfg_.http_sessions, 4096);
  auto fresh = prepare(generation_ + 1, streams, error);
  if (!fresh) {
    ++seg_->rules.reload_failures;
    return false;
  }
  const auto t1 = std::chrono::steady_clock::now();
  ++generation_;
  detect::ActiveRules* old = rules_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    // Workers may still be evaluating with the old set: wait until each has passed a
    // quiescent point (end of a poll iteration), then free it.
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    delete old;
    ++seg_->rules.reloads;
  }
  const auto t2 = std::chrono::steady_clock::now();
  const detect::ActiveRules& a = *rules_.load();
  stats::RulesInfo& ri = seg_->rules;
  ri.version = a.bundle->version;
  ri.rule_count = static_cast<uint32_t>(a.bundle->rules.size());
  std::memset(ri.sha256, 0, sizeof ri.sha256);
  std::memcpy(ri.sha256, a.bundle->sha256.data(),
              std::min(a.bundle->sha256.size(), sizeof ri.sha256 - 1));
  for (size_t r = 0; r < a.bundle->rules.size() && r < stats::kMaxRuleSlots; ++r)
    ri.rule_ids[r] = a.bundle->rules[r].id;
  ri.limit_count = 0;
  for (const auto& r : a.bundle->rules)
    if (r.is_limit && r.limit_index < stats::kMaxLimitSlots) {
      ri.limit_ids[r.limit_index] = r.id;
      ri.limit_count = std::max(ri.limit_count, r.limit_index + 1);
    }
  ri.loaded_unix_ns = unix_now_ns();
  const auto ns = [](auto d) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  };
  ri.load_duration_ns = ns(t2 - t0);
  ri.generation.store(generation_, std::memory_order_release);
  report.version = ri.version;
  report.sha256 = a.bundle->sha256;
  report.rules = ri.rule_count;
  report.prepare_ns = ns(t1 - t0);
  report.swap_ns = ns(t2 - t1);
  return true;
}

bool InspectionRuntime::load_blocklist(const nlohmann::json& msg, std::string& error) {
  if (!enabled()) {
    error = "inspection is off in this dataplane: nothing to apply a block list to";
    return false;
  }
  std::lock_guard<std::mutex> lock(load_mu_);
  const uint64_t now_unix =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  auto fresh = behave::BlockSet::build(msg, ++block_generation_, now_unix, rte_rdtsc(),
                                       rte_get_tsc_hz(), error);
  if (!fresh) return false;
  seg_->header.blocklist_entries.set(fresh->size());
  behave::BlockSet* old = blocks_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);  // no worker still reads it
    delete old;
  }
  seg_->header.blocklist_loads.add(1);
  return true;
}

nlohmann::json InspectionRuntime::blocklist_identity() {
  std::lock_guard<std::mutex> lock(load_mu_);
  const behave::BlockSet* b = blocks_.load();
  if (!b) return nlohmann::json::object();
  return {{"sha256", b->sha256()}, {"entries", b->size()}};
}

RulesIdentity InspectionRuntime::rules_identity() {
  std::lock_guard<std::mutex> lock(load_mu_);
  RulesIdentity id;
  const stats::RulesInfo& ri = seg_->rules;
  id.generation = ri.generation.load(std::memory_order_acquire);
  if (id.generation) {
    id.version = ri.version;
    id.sha256 = ri.sha256;
    id.count = ri.rule_count;
  }
  return id;
}

bool InspectionRuntime::reload(std::string& error) {
  if (!enabled()) {
    error = "inspection is off (inspect.http_ports and inspect.tls_ports are empty)";
    return false;
  }
  if (cfg_.rules_bundle.empty()) {
    error = "no rule bundle configured (rules.bundle / --rules)";
    return false;
  }
  LoadReport report;
  return swap_in(
      [this](uint64_t generation, unsigned streams, std::string& err) {
        return detect::ActiveRules::load(cfg_.rules_bundle, workers_, streams, generation, err);
      },
      report, error);
}

bool InspectionRuntime::load_bytes(const std::vector<uint8_t>& bytes, LoadReport& report,
                                   std::string& error) {
  if (!enabled()) {
    error =
        "inspection is off in this dataplane (inspect.http_ports and inspect.tls_ports are "
        "empty)";
    return false;
  }
  return swap_in(
      [&](uint64_t generation, unsigned streams, std::string& err) {
        return detect::ActiveRules::load(bytes.data(), bytes.size(), "pushed bundle", workers_,
                                         streams, generation, err);
      },
      report, error);
}

void InspectionRuntime::poll() {
  if (events_) writer_.drain(events_, event_pool_, sink_);
  merge_limit_reports();
}

// Hands each worker's rate-limit reports to every other worker. Reports that find a
// ring full are lost (counted): the limit is then enforced less tightly for a moment.
void InspectionRuntime::merge_limit_reports() {
  for (unsigned from = 0; from < limit_up_.size(); ++from) {
    for (unsigned round = 0; round < 64; ++round) {
      const unsigned n = rte_ring_sc_dequeue_burst_elem(
          limit_up_[from], merge_batch_.data(), sizeof(behave::LimitReport),
          static_cast<unsigned>(merge_batch_.size()), nullptr);
      for (unsigned to = 0; to < limit_down_.size(); ++to) {
        if (to == from || n == 0) continue;
        const unsigned sent = rte_ring_sp_enqueue_burst_elem(
            limit_down_[to], merge_batch_.data(), sizeof(behave::LimitReport), n, nullptr);
        seg_->header.limit_merge_dropped.add(n - sent);
      }
      seg_->header.limit_merged.add(n);
      if (n < merge_batch_.size()) break;
    }
  }
}

void InspectionRuntime::stop() {
  poll();
  inspectors_.clear();
  delete rules_.exchange(nullptr);
  delete blocks_.exchange(nullptr);
  if (events_) rte_ring_free(events_);
  for (rte_ring* r : limit_up_) rte_ring_free(r);
  for (rte_ring* r : limit_down_) rte_ring_free(r);
  limit_up_.clear();
  limit_down_.clear();
  if (event_pool_) rte_mempool_free(event_pool_);
  rte_free(qsbr_);
  events_ = nullptr;
  event_pool_ = nullptr;
  qsbr_ = nullptr;
}

}  // namespace bulwark
