// Inspection set-up, rule loading with RCU retirement, event draining (see
// inspection_runtime.h).
#include "dataplane/inspect/inspection_runtime.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
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
#include <fstream>
#include <iterator>

namespace bulwark::inspect {
namespace {

uint64_t unix_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

constexpr unsigned kEventRing = 8192;
constexpr unsigned kLimitRing = 65536;   // rate-limit reports in flight per worker and direction
constexpr unsigned kLoginRing = 16384;   // login outcomes in flight per worker
constexpr unsigned kObjectRing = 65536;  // object reads in flight per worker
constexpr unsigned kApiRing = 8192;      // observed API calls in flight per worker (~4.6 MiB)

uint64_t unix_seconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

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
  // Global rate limits: one ring up from each worker, one down to each (elements are
  // LimitReports), merged by merge_limit_reports() on the main lcore.
  if (cfg.limit_keys > 0 && workers > 1) {
    for (unsigned w = 0; w < workers; ++w)
      for (const char* dir : {"up", "down"}) {
        const std::string name = std::string("limit_") + dir + "_" + std::to_string(w);
        rte_ring* r =
            rte_ring_create_elem(name.c_str(), sizeof(ratelimit::LimitReport), kLimitRing,
                                 static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r == nullptr) {
          error = "cannot create rate-limit ring " + name + ": " + rte_strerror(rte_errno);
          return false;
        }
        (dir[0] == 'u' ? limit_up_ : limit_down_).push_back(r);
      }
    merge_batch_.resize(256);
  }
  // Per worker, records up to the main lcore: one producer (the worker), one consumer.
  const auto up_ring = [&](const char* what, unsigned w, size_t elem, unsigned count,
                           std::vector<rte_ring*>& into) {
    const std::string name = std::string(what) + "_" + std::to_string(w);
    rte_ring* r =
        rte_ring_create_elem(name.c_str(), static_cast<unsigned>(elem), count,
                             static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr) {
      error = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
      return false;
    }
    into.push_back(r);
    return true;
  };
  for (unsigned w = 0; w < workers; ++w)
    if (!up_ring("logins", w, sizeof(login_guard::LoginRecord), kLoginRing, login_rings_) ||
        !up_ring("objects", w, sizeof(enumeration::ObjectRecord), kObjectRing, object_rings_) ||
        !up_ring("api", w, sizeof(discovery::ApiRecord), kApiRing, api_rings_))
      return false;
  // The clearance secret: the configured file's bytes, or random bytes for this run.
  if (!cfg.challenge_secret_file.empty()) {
    std::ifstream in(cfg.challenge_secret_file, std::ios::binary);
    secret_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && !in.good()) secret_.clear();
    if (secret_.size() < 32) {
      error = "inspect.challenge.secret_file " + cfg.challenge_secret_file +
              ": cannot be read or holds fewer than 32 bytes";
      return false;
    }
  } else {
    secret_.resize(32);
    if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
      error = "cannot draw a random challenge secret";
      return false;
    }
  }
  if (!rotate_keys(unix_seconds() / cfg.challenge_rotate_s, error)) return false;
  InspectShared shared;
  shared.rules = &rules_;
  shared.blocks = &blocks_;
  shared.keys = &keys_;
  unix_s_.store(unix_seconds(), std::memory_order_relaxed);
  shared.unix_s = &unix_s_;
  shared.logins = login_rings_.data();
  shared.objects = object_rings_.data();
  shared.api = api_rings_.data();
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

// The block list workers read: the operator's entries and the detector's decisions.
bool InspectionRuntime::rebuild_blocks_locked(std::string& error) {
  nlohmann::json msg = manual_blocks_.is_object() ? manual_blocks_ : nlohmann::json::object();
  if (!msg.contains("entries") || !msg["entries"].is_array())
    msg["entries"] = nlohmann::json::array();
  for (const auto& e : decision_blocks_) msg["entries"].push_back(e);
  msg.erase("login_guard");  // only the detector opens one
  if (!login_guard_.is_null()) msg["login_guard"] = login_guard_;
  auto fresh = blocklist::BlockSet::build(msg, ++block_generation_, unix_seconds(), rte_rdtsc(),
                                          rte_get_tsc_hz(), error);
  if (!fresh) return false;
  seg_->header.blocklist_entries.set(fresh->size());
  blocklist::BlockSet* old = blocks_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);  // no worker still reads it
    delete old;
  }
  seg_->header.blocklist_loads.add(1);
  return true;
}

nlohmann::json InspectionRuntime::blocklist_identity() {
  std::lock_guard<std::mutex> lock(load_mu_);
  const blocklist::BlockSet* b = blocks_.load();
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
        return inspect::ActiveRules::load(cfg_.rules_bundle, workers_, streams, generation, err);
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
        return inspect::ActiveRules::load(bytes.data(), bytes.size(), "pushed bundle", workers_,
                                          streams, generation, err);
      },
      report, error);
}

bool InspectionRuntime::rotate_keys(uint64_t epoch, std::string& error) {
  auto fresh = challenge::ClearanceKeys::derive(secret_.data(), secret_.size(), epoch);
  if (!fresh) {
    error = "cannot derive the challenge clearance keys";
    return false;
  }
  challenge::ClearanceKeys* old = keys_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    delete old;
  }
  key_epoch_ = epoch;
  return true;
}

void InspectionRuntime::poll() {
  if (events_) writer_.drain(events_, event_pool_, sink_);
  const uint64_t now_s = unix_seconds();
  // Written only when it changes: workers read this line on every challenged request.
  if (unix_s_.load(std::memory_order_relaxed) != now_s)
    unix_s_.store(now_s, std::memory_order_relaxed);
  if (const uint64_t epoch = now_s / cfg_.challenge_rotate_s;
      !secret_.empty() && epoch != key_epoch_) {
    std::string error;
    if (!rotate_keys(epoch, error)) key_epoch_ = epoch;  // the old keys stay until the next period
  }
  merge_limit_reports();
  poll_logins();
}

// Login outcomes from every worker into the detector; its decisions into the block list.
void InspectionRuntime::poll_logins() {
  if (login_rings_.empty()) return;
  {
    // A new rule set brings a new policy. try_lock: a load in progress is not waited
    // for (outcomes wait in the rings meanwhile).
    std::unique_lock<std::mutex> lock(load_mu_, std::try_to_lock);
    const inspect::ActiveRules* a = lock.owns_lock() ? rules_.load() : nullptr;
    if (a && a->generation != detector_generation_) {
      detector_generation_ = a->generation;
      std::vector<std::string> names;
      for (const auto& l : a->bundle->logins) names.push_back(l.name);
      detector_.configure(a->bundle->stuffing, std::move(names));
      enumeration_.configure(a->bundle->objects, a->generation);
      extraction_.configure(a->bundle->discovery.extraction, a->generation);
      api_batch_.set_classes(a->bundle->discovery.class_names, a->generation);
    }
  }
  const uint64_t now = unix_seconds();
  std::vector<nlohmann::json> events;
  login_guard::LoginRecord batch[64];
  for (rte_ring* r : login_rings_) {
    unsigned n;
    while ((n = rte_ring_sc_dequeue_burst_elem(r, batch, sizeof batch[0], 64, nullptr)) > 0)
      for (unsigned i = 0; i < n; ++i) detector_.add(batch[i], now, events);
  }
  enumeration::ObjectRecord reads[64];
  for (rte_ring* r : object_rings_) {
    unsigned n;
    while ((n = rte_ring_sc_dequeue_burst_elem(r, reads, sizeof reads[0], 64, nullptr)) > 0)
      for (unsigned i = 0; i < n; ++i) enumeration_.add(reads[i], now, events);
  }
  poll_api(now, events);
  enumeration_.decisions().expire(now);
  extraction_.decisions().expire(now);
  detector_.decisions().expire(now);
  for (auto& e : events) writer_.write(std::move(e), sink_);
  // Both are taken (each resets its flag): no short-circuit.
  const bool decisions_changed = detector_.decisions().take_changed();
  const bool guard_changed = detector_.take_guard_changed(now);
  const bool stuffing_changed = decisions_changed || guard_changed;
  // Each resets its flag: both are taken, no short-circuit.
  const bool enumeration_changed = enumeration_.decisions().take_changed();
  const bool extraction_changed = extraction_.decisions().take_changed();
  const bool others_changed = enumeration_changed || extraction_changed;
  rebuild_pending_ = others_changed || stuffing_changed || rebuild_pending_;
  // Decisions reach the workers' block list at most every 100 ms (a rebuild copies the
  // whole list), and never by waiting for a rule load in progress.
  const auto t = std::chrono::steady_clock::now();
  if (rebuild_pending_ && t - last_rebuild_ >= std::chrono::milliseconds(100)) {
    std::unique_lock<std::mutex> lock(load_mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      decision_blocks_ = detector_.decisions().block_entries();
      login_guard_ = detector_.guard_json(now);
      for (auto& e : enumeration_.decisions().block_entries())
        decision_blocks_.push_back(std::move(e));
      for (auto& e : extraction_.decisions().block_entries())
        decision_blocks_.push_back(std::move(e));
      std::string error;
      const bool ok = rebuild_blocks_locked(error);
      lock.unlock();
      if (!ok) writer_.write({{"type", "decision_error"}, {"error", error}}, sink_);
      rebuild_pending_ = false;
      last_rebuild_ = t;
    }
  }
  const login_guard::StuffingCounters& c = detector_.counters();
  api::Header& h = seg_->header;
  h.login_attempts.set(c.attempts);
  h.login_failures.set(c.failures);
  h.login_successes.set(c.successes);
  h.login_unknown.set(c.unknown);
  h.decisions_total.set(c.decisions + enumeration_.decisions().made() +
                        extraction_.decisions().made());
  h.decisions_active.set(detector_.decisions().active() + enumeration_.decisions().active() +
                         extraction_.decisions().active());
  h.extraction_untracked.set(extraction_.untracked());
  h.enumeration_reads.set(enumeration_.reads());
  h.enumeration_untracked.set(enumeration_.untracked());
  h.login_attack_windows.set(c.attack_windows);
  h.login_untracked.set(c.untracked);
  h.login_failure_ratio_milli.set(static_cast<uint64_t>(c.window_ratio * 1000));
  h.login_baseline_milli.set(static_cast<uint64_t>(c.baseline * 1000));
}

// Observed API calls from every worker: into the inventory batch (sent to
// bulwark-control about once a second, not to the events file) and the extraction
// detector.
void InspectionRuntime::poll_api(uint64_t now, std::vector<nlohmann::json>& events) {
  // A batch goes out every second, or sooner when it is full (a flood of new paths),
  // at most kApiBatchesPerSecond a second; past that, calls are counted, not placed.
  constexpr unsigned kApiBatchesPerSecond = 8;
  const auto send = [&] {
    api::Header& h = seg_->header;
    h.api_batches.add(1);
    h.api_batch_endpoints.add(api_batch_.lines());
    h.api_batch_overflow.add(api_batch_.overflow());
    std::string line = api_batch_.take(now);
    if (sink_) sink_(std::move(line));
  };
  if (now != api_second_) {
    api_second_ = now;
    api_sent_this_second_ = 0;
  }
  discovery::ApiRecord calls[32];
  for (rte_ring* r : api_rings_) {
    unsigned n;
    while ((n = rte_ring_sc_dequeue_burst_elem(r, calls, sizeof calls[0], 32, nullptr)) > 0)
      for (unsigned i = 0; i < n; ++i) {
        if (api_batch_.full() && api_sent_this_second_ < kApiBatchesPerSecond) {
          send();
          ++api_sent_this_second_;
        }
        api_batch_.add(calls[i]);
        extraction_.add(calls[i], now, events);
      }
  }
  const auto t = std::chrono::steady_clock::now();
  if (t - last_api_batch_ < std::chrono::seconds(1) || api_batch_.empty()) return;
  last_api_batch_ = t;
  send();
}

// Hands each worker's rate-limit reports to every other worker. Reports that find a
// ring full are lost (counted): the limit is then enforced less tightly for a moment.
void InspectionRuntime::merge_limit_reports() {
  for (unsigned from = 0; from < limit_up_.size(); ++from) {
    for (unsigned round = 0; round < 64; ++round) {
      const unsigned n = rte_ring_sc_dequeue_burst_elem(
          limit_up_[from], merge_batch_.data(), sizeof(ratelimit::LimitReport),
          static_cast<unsigned>(merge_batch_.size()), nullptr);
      for (unsigned to = 0; to < limit_down_.size(); ++to) {
        if (to == from || n == 0) continue;
        const unsigned sent = rte_ring_sp_enqueue_burst_elem(
            limit_down_[to], merge_batch_.data(), sizeof(ratelimit::LimitReport), n, nullptr);
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
  delete keys_.exchange(nullptr);
  OPENSSL_cleanse(secret_.data(), secret_.size());
  secret_.clear();
  if (events_) rte_ring_free(events_);
  for (rte_ring* r : limit_up_) rte_ring_free(r);
  for (rte_ring* r : login_rings_) rte_ring_free(r);
  login_rings_.clear();
  for (rte_ring* r : object_rings_) rte_ring_free(r);
  object_rings_.clear();
  for (rte_ring* r : api_rings_) rte_ring_free(r);
  api_rings_.clear();
  for (rte_ring* r : limit_down_) rte_ring_free(r);
  limit_up_.clear();
  limit_down_.clear();
  if (event_pool_) rte_mempool_free(event_pool_);
  rte_free(qsbr_);
  events_ = nullptr;
  event_pool_ = nullptr;
  qsbr_ = nullptr;
}

}  // namespace bulwark::inspect
