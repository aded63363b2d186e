// Inspection set-up, rule loading with RCU retirement, the features' main-lcore parts
// and detectors, event draining (see inspection_runtime.h).
#include "dataplane/inspect/inspection_runtime.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace bulwark::inspect {
namespace {

uint64_t unix_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

constexpr unsigned kEventRing = 8192;

uint64_t unix_seconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

void MainContext::synchronize() const { rte_rcu_qsbr_synchronize(qsbr, RTE_QSBR_THRID_INVALID); }

InspectionRuntime::~InspectionRuntime() { stop(); }

bool InspectionRuntime::start(const api::DataplaneConfig& cfg, unsigned workers, rte_mempool* mbufs,
                              api::Segment& seg, std::string& error) {
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
  unix_s_.store(unix_seconds(), std::memory_order_relaxed);
  // The features: their main-lcore parts first (rings, keys), then each worker's pipeline.
  features_ = make_features();
  main_.reset(new MainContext{cfg_, workers, seg, qsbr_, {}, {}});
  main_->event = [this](nlohmann::json e) { writer_.write(std::move(e), sink_); };
  main_->to_control = [this](std::string&& line) {
    if (sink_) sink_(std::move(line));
  };
  parts_started_ = true;
  for (const auto& p : features_->parts().all())
    if (!p->start(*main_, error)) return false;
  if (!detectors_.start(features_->parts(), workers, error)) return false;
  InspectShared shared;
  shared.rules = &rules_;
  shared.blocks = &blocks_;
  shared.unix_s = &unix_s_;
  shared.events = events_;
  shared.event_pool = event_pool_;
  shared.mbufs = mbufs;
  for (unsigned w = 0; w < workers; ++w) {
    auto in = Inspector::create(cfg, w, shared, &seg.workers[w], static_cast<int>(rte_socket_id()),
                                *features_, error);
    if (!in) return false;
    inspectors_.push_back(std::move(in));
  }
  return true;
}

bool InspectionRuntime::swap_in(const Prepare& prepare, LoadReport& report, std::string& error) {
  std::lock_guard<std::mutex> lock(load_mu_);
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned streams = body_slots_per_worker(cfg_.http_sessions);
  auto fresh = prepare(generation_ + 1, streams, error);
  if (!fresh) {
    ++seg_->rules.reload_failures;
    return false;
  }
  const auto t1 = std::chrono::steady_clock::now();
  ++generation_;
  inspect::ActiveRules* old = rules_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    // Workers may still be evaluating with the old set: wait until each has passed a
    // quiescent point (end of a poll iteration), then free it.
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    delete old;
    ++seg_->rules.reloads;
  }
  const auto t2 = std::chrono::steady_clock::now();
  const inspect::ActiveRules& a = *rules_.load();
  api::RulesInfo& ri = seg_->rules;
  ri.version = a.bundle->version;
  ri.rule_count = static_cast<uint32_t>(a.bundle->rules.size());
  std::memset(ri.sha256, 0, sizeof ri.sha256);
  std::memcpy(ri.sha256, a.bundle->sha256.data(),
              std::min(a.bundle->sha256.size(), sizeof ri.sha256 - 1));
  for (size_t r = 0; r < a.bundle->rules.size() && r < api::kMaxRuleSlots; ++r)
    ri.rule_ids[r] = a.bundle->rules[r].id;
  ri.limit_count = 0;
  for (const auto& r : a.bundle->rules)
    if (r.is_limit && r.limit_index < api::kMaxLimitSlots) {
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
  const nlohmann::json previous = manual_blocks_;
  manual_blocks_ = msg;
  if (!rebuild_blocks_locked(error)) {
    manual_blocks_ = previous;
    return false;
  }
  return true;
}

// The block list workers read: the operator's entries and the detectors' part.
bool InspectionRuntime::rebuild_blocks_locked(std::string& error) {
  nlohmann::json msg = manual_blocks_.is_object() ? manual_blocks_ : nlohmann::json::object();
  if (!msg.contains("entries") || !msg["entries"].is_array())
    msg["entries"] = nlohmann::json::array();
  msg.erase("login_guard");  // only a detector opens one
  for (auto it = decision_part_.begin(); it != decision_part_.end(); ++it) {
    if (it.key() == "entries") {
      for (const auto& e : it.value()) msg["entries"].push_back(e);
    } else {
      msg[it.key()] = it.value();
    }
  }
  auto fresh = BlockSet::build(msg, ++block_generation_, unix_seconds(), rte_rdtsc(),
                               rte_get_tsc_hz(), error);
  if (!fresh) return false;
  seg_->header.blocklist_entries.set(fresh->size());
  BlockSet* old = blocks_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);  // no worker still reads it
    delete old;
  }
  seg_->header.blocklist_loads.add(1);
  return true;
}

nlohmann::json InspectionRuntime::blocklist_identity() {
  std::lock_guard<std::mutex> lock(load_mu_);
  const inspect::BlockSet* b = blocks_.load();
  if (!b) return nlohmann::json::object();
  return {{"sha256", b->sha256()}, {"entries", b->size()}};
}

RulesIdentity InspectionRuntime::rules_identity() {
  std::lock_guard<std::mutex> lock(load_mu_);
  RulesIdentity id;
  const api::RulesInfo& ri = seg_->rules;
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
        return ActiveRules::load(cfg_.rules_bundle, workers_, streams, generation, err,
                                 features_.get());
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
        return ActiveRules::load(bytes.data(), bytes.size(), "pushed bundle", workers_, streams,
                                 generation, err, features_.get());
      },
      report, error);
}

void InspectionRuntime::poll() {
  if (events_) writer_.drain(events_, event_pool_, sink_);
  if (!features_) return;
  const uint64_t now_s = unix_seconds();
  // Written only when it changes: workers read this line on every challenged request.
  if (unix_s_.load(std::memory_order_relaxed) != now_s)
    unix_s_.store(now_s, std::memory_order_relaxed);
  for (const auto& p : features_->parts().all()) p->poll(now_s);
  poll_detectors(now_s);
}

void InspectionRuntime::poll_detectors(uint64_t now) {
  std::vector<nlohmann::json> events;
  {
    // A new rule set brings new policies. try_lock: a load in progress is not waited
    // for (records wait in the rings meanwhile).
    std::unique_lock<std::mutex> lock(load_mu_, std::try_to_lock);
    detectors_.poll(lock.owns_lock() ? rules_.load() : nullptr, now, events);
  }
  for (auto& e : events) writer_.write(std::move(e), sink_);
  rebuild_pending_ = detectors_.take_changed(now) || rebuild_pending_;
  // Decisions reach the workers' block list at most every 100 ms (a rebuild copies the
  // whole list), and never by waiting for a rule load in progress.
  const auto t = std::chrono::steady_clock::now();
  if (rebuild_pending_ && t - last_rebuild_ >= std::chrono::milliseconds(100)) {
    std::unique_lock<std::mutex> lock(load_mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      decision_part_ = {{"entries", nlohmann::json::array()}};
      detectors_.block_list(decision_part_, now);
      std::string error;
      const bool ok = rebuild_blocks_locked(error);
      lock.unlock();
      if (!ok) writer_.write({{"type", "decision_error"}, {"error", error}}, sink_);
      rebuild_pending_ = false;
      last_rebuild_ = t;
    }
  }
  detectors_.publish(seg_->header);
}

void InspectionRuntime::stop() {
  poll();
  inspectors_.clear();
  delete rules_.exchange(nullptr);
  delete blocks_.exchange(nullptr);
  detectors_.stop();
  if (features_ && parts_started_)
    for (const auto& p : features_->parts().all()) p->stop();
  parts_started_ = false;
  features_.reset();
  if (events_) rte_ring_free(events_);
  if (event_pool_) rte_mempool_free(event_pool_);
  rte_free(qsbr_);
  events_ = nullptr;
  event_pool_ = nullptr;
  qsbr_ = nullptr;
}

}  // namespace bulwark::inspect
