// Event formatting and file output (see event_writer.h), with nlohmann-json.
#include "dataplane/inspect/event_writer.h"

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dataplane/api/counter_labels.h"
#include "dataplane/api/integrity_policy.h"
#include "dataplane/inspect/event.h"
#include "dataplane/proto/http_message.h"
#include "rules/lang/rule_model.h"

namespace bulwark::inspect {
namespace {

std::string ip_text(const uint8_t* ip, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, buf, sizeof buf);
  return buf;
}

std::string field(const char* s, size_t cap) { return std::string(s, strnlen(s, cap)); }

std::string iso_time(uint64_t unix_ns) {
  const std::time_t secs = static_cast<std::time_t>(unix_ns / 1000000000ull);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06uZ",
                static_cast<unsigned>(unix_ns % 1000000000ull / 1000));
  return buf;
}

const char* type_name(EventType t) {
  switch (t) {
    case EventType::rule: return "rule";
    case EventType::smuggling: return "smuggling";
    case EventType::overlap_conflict: return "overlap_conflict";
    case EventType::integrity: return "integrity";
    case EventType::tls_client_hello: return "tls_client_hello";
    case EventType::rate_limit: return "rate_limit";
    case EventType::blocked: return "blocked";
    case EventType::challenge: return "challenge";
    case EventType::consistency: return "consistency";
    case EventType::feature: return "feature";  // named by the record's kind
  }
  return "unknown";
}

}  // namespace

void EventWriter::start_clock(uint64_t tsc_hz) {
  tsc_hz_ = tsc_hz ? tsc_hz : 1;
  base_tsc_ = rte_rdtsc();
  base_unix_ns_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
}

bool EventWriter::open(const std::string& path, std::string& error) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  f_ = std::fopen(path.c_str(), "a");
  if (f_ == nullptr) {
    error = "cannot open events file " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

EventWriter::~EventWriter() {
  if (f_) std::fclose(f_);
}

std::string EventWriter::to_json(const EventRecord& e, uint64_t unix_ns) {
  using json = nlohmann::json;
  const char* proto = "tcp";
  json j = {{"time", iso_time(unix_ns)},
            {"type", e.type == EventType::feature ? field(e.kind, sizeof e.kind)
                                                  : std::string(type_name(e.type))},
            {"worker", e.worker},
            {"flow",
             {{"proto", proto},
              {"client_ip", ip_text(e.client_ip, e.family)},
              {"client_port", e.client_port},
              {"server_ip", ip_text(e.server_ip, e.family)},
              {"server_port", e.server_port}}},
            {"client_ip", e.real_client_family ? ip_text(e.real_client_ip, e.real_client_family)
                                               : ip_text(e.client_ip, e.family)},
            {"bundle_version", e.bundle_version}};
  if (e.real_client_family) j["forwarded"] = true;  // client_ip from a trusted proxy's header
  if (e.type == EventType::rule || e.type == EventType::smuggling ||
      e.type == EventType::rate_limit || e.type == EventType::blocked ||
      e.type == EventType::challenge || e.type == EventType::consistency ||
      e.type == EventType::feature) {
    j["method"] = field(e.method, sizeof e.method);
    j["host"] = field(e.host, sizeof e.host);
    j["path"] = field(e.path, sizeof e.path);
    j["user_agent"] = field(e.user_agent, sizeof e.user_agent);
    j["action"] = rules::action_name(static_cast<rules::Action>(e.action));
    j["mode"] = e.mode == static_cast<uint8_t>(rules::Mode::monitor) ? "monitor" : "enforce";
    j["enforced"] = e.enforced != 0;
  }
  if (e.type == EventType::rule) {
    j["rule"] = {{"id", e.rule_id}, {"name", field(e.rule_name, sizeof e.rule_name)}};
    if (e.action == static_cast<uint8_t>(rules::Action::respond) ||
        e.action == static_cast<uint8_t>(rules::Action::decoy))
      j["status"] = e.status;
  }
  if (e.type == EventType::blocked ||
      (e.type == EventType::challenge && e.cause == ChallengeCause::block_list)) {
    static const char* kKinds[] = {"address", "fingerprint", "api_key", "user_agent", "session"};
    j["block"] = {{"id", e.block_id}, {"matched", e.block_kind < 5 ? kKinds[e.block_kind] : "?"}};
    if (e.block_id >= (uint64_t{1} << 40)) j["block"]["source"] = "decision";
    j["stopped"] = e.limit_denied;  // by this entry on this worker since its previous event
    if (e.action == static_cast<uint8_t>(rules::Action::respond) ||
        e.action == static_cast<uint8_t>(rules::Action::decoy))
      j["status"] = e.status;
  }
  if (e.type == EventType::rate_limit) {
    j["limit"] = {{"id", e.rule_id}, {"name", field(e.rule_name, sizeof e.rule_name)}};
    j["key"] = field(e.limit_key, sizeof e.limit_key);
    j["retry_after"] = e.retry_after_s;
    j["denied"] = e.limit_denied;
    if (e.action == static_cast<uint8_t>(rules::Action::respond)) j["status"] = e.status;
  }
  if (e.type == EventType::challenge || e.type == EventType::consistency) {
    if (e.signals || e.score) {
      json sig = json::array();
      for (unsigned s = 0; s < static_cast<unsigned>(rules::Signal::count_); ++s)
        if (e.signals & (1u << s)) sig.push_back(rules::signal_name(static_cast<rules::Signal>(s)));
      j["score"] = e.score;
      j["signals"] = sig;
    }
    if (e.status) j["status"] = e.status;
  }
  if (e.type == EventType::challenge) {
    static const char* kCauses[] = {"rule", "rate_limit", "consistency", "block_list",
                                    "login_guard"};
    const unsigned c = static_cast<unsigned>(e.cause);
    j["cause"] = c < 5 ? kCauses[c] : "?";
    if (e.cause == ChallengeCause::login_guard) j["challenged"] = e.limit_denied;
    if (e.cause == ChallengeCause::rule || e.cause == ChallengeCause::limit)
      j["rule"] = {{"id", e.rule_id}, {"name", field(e.rule_name, sizeof e.rule_name)}};
    j["answer"] = e.page ? "page" : "api";
    if (e.cause == ChallengeCause::limit) {  // what the rate_limit event would have said
      j["key"] = field(e.limit_key, sizeof e.limit_key);
      j["retry_after"] = e.retry_after_s;
      j["denied"] = e.limit_denied;
    }
    j["clearance"] = api::label_name(api::kClearanceCheckNames, e.clearance);
  }
  if (e.type == EventType::integrity) {
    j["cause"] = field(e.kind, sizeof e.kind);
    j["action"] = api::kIntegrityActionNames[e.action < 3 ? e.action : 0];
    j["enforced"] = e.enforced != 0;
  }
  if (e.type == EventType::feature) {
    if (e.status) j["status"] = e.status;
    // A feature's own fields, written by its stage (never keys above: those stay).
    const json extra = json::parse(field(e.extra, sizeof e.extra), nullptr, false);
    if (extra.is_object())
      for (const auto& [k, v] : extra.items())
        if (!j.contains(k)) j[k] = v;
  }
  if (e.ja4[0] != '\0') {  // a TLS connection's event (hello, or a fingerprint rule)
    j["sni"] = field(e.host, sizeof e.host);
    j["ja3"] = field(e.ja3, sizeof e.ja3);
    j["ja4"] = field(e.ja4, sizeof e.ja4);
  }
  if (e.anomalies) {
    json a = json::array();
    for (unsigned bit = 0; bit < proto::kHttpAnomalyCount; ++bit)
      if (e.anomalies & (1u << bit)) a.push_back(proto::http_anomaly_name(bit));
    j["anomalies"] = a;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void EventWriter::write(nlohmann::json event, const std::function<void(std::string&&)>& sink) {
  const auto now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  nlohmann::json j = {{"time", iso_time(now)}};
  j.update(event);
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (f_) {
    std::fprintf(f_, "%s\n", line.c_str());
    std::fflush(f_);
  }
  if (sink) sink(std::move(line));
}

unsigned EventWriter::drain(rte_ring* ring, rte_mempool* pool,
                            const std::function<void(std::string&&)>& sink) {
  void* batch[64];
  unsigned total = 0, n;
  while ((n = rte_ring_sc_dequeue_burst(ring, batch, 64, nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      const auto& e = *static_cast<const EventRecord*>(batch[i]);
      const int64_t dt = static_cast<int64_t>(e.tsc - base_tsc_);
      const uint64_t ns =
          base_unix_ns_ + static_cast<uint64_t>(dt / static_cast<int64_t>(tsc_hz_) * 1000000000ll +
                                                dt % static_cast<int64_t>(tsc_hz_) * 1000000000ll /
                                                    static_cast<int64_t>(tsc_hz_));
      if (!f_ && !sink) continue;
      std::string line = to_json(e, ns);
      if (f_) std::fprintf(f_, "%s\n", line.c_str());
      if (sink) sink(std::move(line));
    }
    rte_mempool_put_bulk(pool, batch, n);
    total += n;
  }
  if (total && f_) std::fflush(f_);
  return total;
}

}  // namespace bulwark::inspect
