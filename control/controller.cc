// Controller lifecycle, the change pipeline (validate, compile, push, record,
// activate), resynchronisation, confirm timeouts and the features' calls (see
// controller.h).
#include "control/controller.h"

#include <prometheus/exposer.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "control/metrics_collector.h"
#include "control/protocol/protocol.h"
#include "dataplane/api/stats_reader.h"
#include "dataplane/api/wire.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

namespace bulwark::control {
namespace fs = std::filesystem;
using protocol::Error;
using protocol::reply_error;

uint64_t unix_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

namespace {

// A rule file name as stored: a plain file name, nothing that walks directories.
bool valid_rule_file_name(const std::string& n) {
  return !n.empty() && n.size() < 128 && n[0] != '.' &&
         n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string::npos;
}

}  // namespace

Controller::Controller() = default;
Controller::~Controller() { stop(); }

ControlConfig Controller::config() const {
  std::lock_guard<std::mutex> lock(cfg_mu_);
  return cfg_;
}

bool Controller::start(const ControllerOptions& o, std::string& error) {
  opts_ = o;
  started_unix_ms_ = unix_ms();
  if (!make_features(error) || !store_.open(o.state_dir, error)) return false;
  collector_ = std::make_shared<MetricsCollector>(
      [this](ControlMetrics& m, std::string& shm, uint32_t& top) {
        const ControlConfig c = config();
        shm = c.stats_shm;
        top = c.top_rules;
        m.control_version = opts_.version;
        m.active_version = store_.active();
        if (auto meta = store_.meta(m.active_version)) m.bundle_sha256 = meta->bundle_sha256;
        m.confirm_pending = store_.pending().has_value();
        m.dataplane_connected = link_.connected();
        m.commits = commits_;
        m.rollbacks = rollbacks_;
        m.auto_rollbacks = auto_rollbacks_;
        m.pushes = pushes_;
        m.push_failures = push_failures_;
        m.events_written = events_.written();
        m.event_rotations = events_.rotations();
        m.last_push_seconds = static_cast<double>(last_push_ns_.load()) / 1e9;
        for (const auto& f : features_) f->metrics(m.features);
      });

  bool recovered = false;
  if (store_.active() == 0 && !store_.versions().empty()) {
    // Versions but no readable 'active' (a damaged state directory): the newest version
    // is the best guess; say so rather than start over from the initial files.
    if (!store_.activate(store_.versions().back().number, error)) return false;
    recovered = true;
  }
  if (store_.active() == 0) {
    // A fresh appliance: version 1 from the given files (or the defaults, no rules).
    Snapshot s;
    s.config = default_config_yaml();
    if (!o.initial_config.empty()) {
      auto t = read_file(o.initial_config);
      if (!t) {
        error = "cannot read " + o.initial_config;
        return false;
      }
      s.config = *t;
    }
    for (const auto& f : o.initial_rules) {
      auto t = read_file(f);
      if (!t) {
        error = "cannot read " + f;
        return false;
      }
      s.rules[fs::path(f).filename().string()] = *t;
    }
    auto cfg = parse_control_config(s.config, "config.yaml", error);
    if (!cfg) return false;
    json summary;
    auto bundle = compile(s, *cfg, 1, summary, error);
    if (!bundle) return false;
    VersionMeta meta;
    meta.kind = "initial";
    meta.user = "bulwark-control";
    meta.comment = "first version";
    meta.bundle_sha256 = summary.value("sha256", "");
    const uint64_t n = store_.add(s, *bundle, meta, error);
    if (!n || !store_.activate(n, error)) return false;
  }
  const uint64_t active = store_.active();
  auto snap = store_.read(active);
  if (!snap) {
    error = "active version " + std::to_string(active) + " is missing under " + o.state_dir;
    return false;
  }
  auto cfg = parse_control_config(snap->config,
                                  "version " + std::to_string(active) + " config.yaml", error);
  PreparedConfig prepared;
  if (!cfg || !prepare_config(*cfg, prepared, error)) return false;
  // The core's part first (the event log is open when the features load their state and
  // may report it damaged), then the features load, then their part takes effect.
  use_core_config(prepared);
  for (const auto& f : features_)
    if (!f->start(prepared.cfg, error)) return false;
  for (auto& use : prepared.feature_uses) use();
  link_.start(cfg->dataplane_socket, [this](const std::string& line) {
    for (const auto& f : features_)
      if (f->claim_line(line)) return;
    events_.append(line);
  });
  events_.control_event("control_started", {{"version", active}, {"pid", getpid()}});
  if (recovered)
    events_.control_event("active_version_recovered",
                          {{"version", active},
                           {"reason",
                            "the 'active' file was missing or unreadable; the newest "
                            "version was made active"}});
  supervisor_ = std::thread([this] { supervise(); });
  return true;
}

void Controller::stop() {
  stop_ = true;
  if (supervisor_.joinable()) supervisor_.join();
  link_.stop();
  for (const auto& f : features_) f->stop();
  std::unique_ptr<prometheus::Exposer> old;
  {
    std::lock_guard<std::mutex> lock(cfg_mu_);
    old = std::move(exposer_);
  }
  old.reset();  // outside cfg_mu_ (see use_config)
}

bool Controller::prepare_config(const ControlConfig& cfg, PreparedConfig& out, std::string& error) {
  out.cfg = cfg;
  {
    std::lock_guard<std::mutex> lock(cfg_mu_);
    out.new_listener = cfg.metrics_listen != exposer_listen_;
  }
  if (out.new_listener && !cfg.metrics_listen.empty()) {
    try {
      out.exposer = std::make_unique<prometheus::Exposer>(cfg.metrics_listen, 2);
    } catch (const std::exception& e) {
      error = "cannot serve metrics on " + cfg.metrics_listen + ": " + e.what() +
              " (address in use or not on this machine?)";
      return false;
    }
    out.exposer->RegisterCollectable(collector_);
  }
  if (!EventLog::can_open(cfg.events_file, error)) return false;
  for (const auto& f : features_) {
    std::function<void()> use;
    if (!f->prepare_config(cfg, use, error)) return false;
    if (use) out.feature_uses.push_back(std::move(use));
  }
  return true;
}

void Controller::use_config(PreparedConfig&& p) {
  use_core_config(p);
  for (auto& use : p.feature_uses) use();
}

void Controller::use_core_config(PreparedConfig& p) {
  std::string error;
  if (!events_.configure(p.cfg.events_file, p.cfg.events_rotate_bytes, p.cfg.events_keep, error))
    events_.control_event("events_file_error", {{"error", error}});  // the old file stays
  std::unique_ptr<prometheus::Exposer> old;
  {
    std::lock_guard<std::mutex> lock(cfg_mu_);
    if (p.new_listener) {
      old = std::move(exposer_);
      exposer_ = std::move(p.exposer);
      exposer_listen_ = p.cfg.metrics_listen;
    }
    cfg_ = p.cfg;
  }
  // The old listener is destroyed outside cfg_mu_: destroying it waits for a scrape in
  // progress, and that scrape's collector takes cfg_mu_.
  old.reset();
  link_.set_path(p.cfg.dataplane_socket);
}

std::optional<std::vector<uint8_t>> Controller::compile(const Snapshot& s, const ControlConfig& cfg,
                                                        uint64_t version, json& summary,
                                                        std::string& error) {
  // The rule loader reads files (and names them in errors): give it this snapshot's
  // files in a private directory, then speak of them by their own names.
  char tmpl[] = "/tmp/bulwark-rules-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) {
    error = "cannot create a temporary directory";
    return std::nullopt;
  }
  std::vector<std::string> paths;
  bool ok = true;
  for (const auto& [name, text] : s.rules) {
    if (!valid_rule_file_name(name)) {
      error = "rule file name '" + name + "' is not a plain file name";
      ok = false;
      break;
    }
    paths.push_back(std::string(dir) + "/" + name);
    ok = write_file_atomic(paths.back(), text, error);
    if (!ok) break;
  }
  std::optional<rules::RuleSet> set;
  if (ok) set = rules::load_rule_files(paths, error);
  std::error_code ec;
  fs::remove_all(dir, ec);
  const std::string prefix = std::string(dir) + "/";
  for (size_t p; (p = error.find(prefix)) != std::string::npos;) error.erase(p, prefix.size());
  if (!ok || !set) return std::nullopt;
  if (cfg.rules_monitor_only)
    for (auto& r : set->rules) r.mode = rules::Mode::monitor;
  rules::CompileStats st;
  auto bytes = rules::compile_bundle(*set, version, error, &st);
  if (!bytes) return std::nullopt;
  json warnings = json::array();
  for (auto w : set->warnings) {
    for (size_t p; (p = w.find(prefix)) != std::string::npos;) w.erase(p, prefix.size());
    warnings.push_back(w);
  }
  summary = {{"rules", st.rules},        {"tests", st.leaves},  {"databases", st.databases},
             {"bytes", st.bundle_bytes}, {"sha256", st.sha256}, {"warnings", warnings}};
  return bytes;
}

uint64_t Controller::apply(const Snapshot& s, VersionMeta meta, json& report, CommandError& err,
                           double confirm_minutes) {
  std::string error;
  auto cfg = parse_control_config(s.config, "config.yaml", error);
  if (!cfg) {
    err = {Error::invalid, error};
    return 0;
  }
  uint64_t next = 1;
  for (const auto& v : store_.versions()) next = std::max(next, v.number + 1);
  json summary;
  auto bundle = compile(s, *cfg, next, summary, error);
  if (!bundle) {
    err = {Error::invalid, error};
    return 0;
  }
  // Everything that can fail is tried before anything changes: the new listener is
  // bound and the events file opened (not yet used), then the dataplane loads the
  // bundle, then the version is recorded; only then does the new configuration replace
  // the old in this process.
  PreparedConfig prepared;
  if (!prepare_config(*cfg, prepared, error)) {
    err = {Error::invalid, error};
    return 0;
  }
  const uint64_t previous = store_.active();
  json pushed = nullptr;
  if (link_.connected()) {
    const auto t0 = std::chrono::steady_clock::now();
    json reply;
    if (!link_.push(*bundle, reply, error)) {
      ++push_failures_;
      err = {Error::invalid, "the dataplane refused the bundle: " + error +
                                 " (nothing changed; version " + std::to_string(previous) +
                                 " stays active)"};
      events_.control_event("push_refused", {{"version", next}, {"error", error}});
      return 0;
    }
    ++pushes_;
    last_push_ns_ = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    pushed = {{"version", api::get_u64(reply, "version")},
              {"prepare_ns", api::get_u64(reply, "prepare_ns")},
              {"swap_ns", api::get_u64(reply, "swap_ns")},
              {"round_trip_ns", last_push_ns_.load()}};
  }
  meta.based_on = previous;
  meta.bundle_sha256 = summary.value("sha256", "");
  // A commit that must be confirmed gets its deadline before it becomes active, so it is
  // never active without one.
  PendingConfirm pending{next, previous,
                         unix_ms() + static_cast<uint64_t>(std::llround(confirm_minutes * 60000))};
  bool ok = confirm_minutes <= 0 || store_.set_pending(pending, error);
  const uint64_t n = ok ? store_.add(s, *bundle, meta, error) : 0;
  ok = ok && n == next && store_.activate(n, error);
  if (!ok) {
    if (confirm_minutes > 0) store_.clear_pending();
    // The dataplane may already run the new bundle: put the recorded one back.
    if (auto old = read_file(store_.bundle_path(previous)); old && !pushed.is_null()) {
      json reply;
      std::string e2;
      link_.push(std::vector<uint8_t>(old->begin(), old->end()), reply, e2);
    }
    err = {Error::invalid, "cannot record the new version: " + error};
    return 0;
  }
  use_config(std::move(prepared));
  report = {{"version", n},
            {"previous", previous},
            {"bundle", summary},
            {"dataplane", pushed.is_null() ? json("not connected: it gets this version when it "
                                                  "connects")
                                           : pushed}};
  if (confirm_minutes > 0) report["confirm_by_unix_ms"] = pending.deadline_unix_ms;
  events_.control_event("config_applied", {{"version", n},
                                           {"previous", previous},
                                           {"kind", meta.kind},
                                           {"user", meta.user},
                                           {"rules", summary.value("rules", 0)},
                                           {"pushed", !pushed.is_null()}});
  return n;
}

uint64_t Controller::rollback_locked(uint64_t to, const std::string& kind, const std::string& user,
                                     const std::string& comment, json& report, CommandError& err) {
  auto s = store_.read(to);
  if (!s) {
    err = {Error::not_found, "there is no version " + std::to_string(to) +
                                 " (bulwarkctl config versions lists them)"};
    return 0;
  }
  const auto meta = VersionMeta::of(
      kind, user, comment.empty() ? "rollback to version " + std::to_string(to) : comment);
  const uint64_t n = apply(*s, meta, report, err);
  if (n) {
    report["rolled_back_to"] = to;
    store_.clear_pending();
  }
  return n;
}

void Controller::resync() {
  const uint64_t session = link_.session();
  if (session == synced_session_ || !link_.connected()) return;
  if (unix_ms() < next_resync_ms_) return;
  std::lock_guard<std::mutex> lock(apply_mu_);
  const json hello = link_.hello();
  const uint64_t active = store_.active();
  const auto meta = store_.meta(active);
  const auto r = hello.find("rules");
  const json rules = r != hello.end() && r->is_object() ? *r : json::object();
  const bool same = meta && api::get_u64(rules, "version") == active &&
                    api::get_string(rules, "sha256") == meta->bundle_sha256;
  const uint64_t pid = api::get_u64(hello, "pid");
  if (same || !api::get_bool(hello, "inspecting")) {
    synced_session_ = session;
    events_.control_event("dataplane_connected",
                          {{"pid", pid}, {"version", active}, {"pushed", false}});
    return;
  }
  const auto bytes = read_file(store_.bundle_path(active));
  json reply;
  std::string error = "bundle file of version " + std::to_string(active) + " is missing";
  if (bytes && link_.push(std::vector<uint8_t>(bytes->begin(), bytes->end()), reply, error)) {
    ++pushes_;
    synced_session_ = session;
    events_.control_event("dataplane_connected",
                          {{"pid", pid}, {"version", active}, {"pushed", true}});
  } else {
    ++push_failures_;
    next_resync_ms_ = unix_ms() + 5000;  // try again, not in a tight loop
    events_.control_event("push_refused", {{"version", active}, {"error", error}});
  }
}

json Controller::pending_conflict() const {
  const auto p = store_.pending();
  if (!p) return nullptr;
  return reply_error(Error::conflict, "version " + std::to_string(p->version) +
                                          " awaits confirmation: bulwarkctl config confirm (or "
                                          "rollback) first");
}

void Controller::supervise() {
  while (!stop_.load()) {
    try {
      supervise_once();
    } catch (const std::exception& e) {
      events_.control_event("supervisor_error", {{"error", e.what()}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void Controller::supervise_once() {
  {
    collector_->sample(config().stats_shm);
    resync();
    for (const auto& f : features_) f->tick();
    if (auto p = store_.pending(); p && unix_ms() >= p->deadline_unix_ms) {
      std::lock_guard<std::mutex> lock(apply_mu_);
      if (auto again = store_.pending(); again && unix_ms() >= again->deadline_unix_ms) {
        json report;
        CommandError err;
        const std::string why = "version " + std::to_string(again->version) +
                                " was not confirmed in time: back to version " +
                                std::to_string(again->previous);
        if (rollback_locked(again->previous, "auto-rollback", "bulwark-control", why, report,
                            err)) {
          ++auto_rollbacks_;
          events_.control_event("confirm_timeout", {{"unconfirmed", again->version},
                                                    {"restored", again->previous},
                                                    {"version", report.value("version", 0)}});
        } else {
          events_.control_event("confirm_timeout_failed", {{"error", err.message}});
          store_.clear_pending();  // do not retry forever; the operator sees the event
        }
      }
    }
  }
}

std::optional<json> Controller::stats_json(std::string& error) const {
  api::StatsReader r;
  if (!r.open(config().stats_shm, error)) return std::nullopt;
  return api::stats_to_json(r.segment());
}

json Controller::handle(const json& request, const std::string& user) {
  return dispatch_.handle(request, user);
}

}  // namespace bulwark::control
