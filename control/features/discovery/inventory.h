// bulwark-control's API inventory: every HTTP endpoint the dataplane has seen (host,
// method, path template) with what it serves (status classes, media types, sizes, query
// parameters, credentials, sensitive data), built from the dataplane's per-second
// api_observations batches. Learns high-cardinality path positions by itself, stays
// bounded (collapse and count), persists across restarts, exports OpenAPI and diffs
// against the organisation's spec. Not thread-safe: the caller holds a mutex.
//
// Reply shapes (what bulwarkctl renders; `--json` prints them as they are):
//   list(host) -> {"endpoints":[{"host","method","path","count","first_seen","last_seen",
//                   "status":{"1xx","2xx","3xx","4xx","5xx","none"},
//                   "sensitive":{class:records},"auth":{"authorization","api_key",
//                   "session","none"},"shadow":bool (only while a spec is set)}],
//                 "hosts":N,"overflow_requests":N,"since":unix (0: nothing seen yet),
//                 "unconfirmed_requests":N (calls of no known endpoint answered 404 or
//                 not at all: they make none), "dropped":N (calls the dataplane could
//                 not batch)}
//                 sorted by host, path, method.
//   show(...)  -> {"host","method","path","count","first_seen","last_seen","status":{..},
//                   "content_types":{type:n},"request_bytes":{"min","max","sum","mean"},
//                   "response_bytes":{..},"query":[names],"auth":{..},
//                   "sensitive":{class:{"records","responses"}},"unscanned":N,
//                   "shadow":bool (only while a spec is set)}
//   export_openapi(...) -> an OpenAPI 3.0.3 document (see openapi_export.cc).
//   diff(...)  -> {"shadow":[{"host","method","path"}],
//                  "zombie":[{"method","path","last_seen":unix|null}],
//                  "undocumented_parameters":[{"method","path","in":"query","name"}]}
//                 (zombie and undocumented paths are the spec's paths as written).
//   totals()   -> {"endpoints","hosts","shadow_endpoints","overflow_requests",
//                  "sensitive_records":{class:n} (monotonic, kept across restarts),
//                  "endpoints_by_sensitive_class":{class:n},"batches","dropped"}
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "control/features/discovery/spec.h"

namespace bulwark::control::discovery {

struct Limits {
  size_t max_endpoints = 10000;
  size_t max_hosts = 256;
  // Distinct literal values at one path position (same host, same parent prefix) beyond
  // which that position becomes {id}.
  size_t collapse_threshold = 50;
};

struct Sizes {
  uint64_t min = 0, max = 0, sum = 0;
  bool seen = false;
};

struct Sensitive {
  uint64_t records = 0, responses = 0;
};

struct Endpoint {
  std::string host, method, path;
  uint64_t first_seen = 0, last_seen = 0, count = 0;
  std::array<uint64_t, 6> status{};  // 1xx..5xx, none
  std::map<std::string, uint64_t> content_types;
  Sizes request_bytes, response_bytes;
  std::set<std::string> query;
  std::array<uint64_t, 4> auth{};  // authorization, api_key, session, none
  std::map<std::string, Sensitive> sensitive;
  uint64_t unscanned = 0;
  bool shadow = false;  // not in the configured spec (meaningful only with a spec)
};

class Inventory {
 public:
  static constexpr size_t kMaxContentTypes = 16, kMaxQueryNames = 64, kMaxClasses = 16;
  static constexpr size_t kMaxEventsPerIngest = 100;
  static constexpr size_t kMaxTotalClasses = 64;  // names in the sensitive-record totals

  explicit Inventory(Limits limits = {});
  ~Inventory();
  Inventory(Inventory&&) noexcept;
  Inventory& operator=(Inventory&&) noexcept;

  // Merges one api_observations batch (untrusted: bad entries are skipped, nothing
  // throws). Returns events to log: api_endpoint_sensitive (first time an endpoint serves
  // a class), api_shadow_endpoint (a new endpoint the spec lacks), at most
  // kMaxEventsPerIngest and then one api_events_suppressed {"count"}.
  std::vector<nlohmann::json> ingest(const nlohmann::json& batch, uint64_t now_unix);

  // New bounds (a configuration change): they apply to what comes next; endpoints and
  // hosts already known stay.
  void set_limits(Limits limits) { limits_ = limits; }

  // The spec new endpoints are compared with (copied; nullptr: none). Re-marks shadows.
  void set_spec(const Spec* spec);
  const Spec* spec() const { return spec_ ? &*spec_ : nullptr; }

  nlohmann::json list(const std::string& host_filter = "") const;
  // `path` is a template or a concrete path (templated like the dataplane does, then
  // with the learned positions).
  std::optional<nlohmann::json> show(const std::string& host, const std::string& method,
                                     const std::string& path) const;
  nlohmann::json export_openapi(const std::string& host_filter, const std::string& title,
                                const std::string& version) const;
  nlohmann::json diff(const Spec& spec, uint64_t zombie_after_s, uint64_t now) const;
  nlohmann::json totals() const;

  // JSON file, written to a temporary file, fsynced and renamed over `path`.
  bool save(const std::string& path, std::string& error) const;
  // The same in two steps, so a caller can write the file without holding its lock.
  std::string snapshot() const;
  static bool write_snapshot(const std::string& path, const std::string& text, std::string& error);
  // A missing file leaves the inventory empty and is fine; a damaged one is an error and
  // also leaves it empty (never half loaded).
  bool load(const std::string& path, std::string& error);

  size_t endpoint_count() const { return endpoint_count_; }
  size_t host_count() const { return hosts_.size(); }
  uint64_t since() const { return since_; }

  // Host and template normalisation as ingest applies them (exposed for the controller
  // and tests): lower case, no trailing dot, no default port; empty if unusable.
  static std::string normalise_host(const std::string& host);

  // Defined in inventory_internal.h (the segment trie and per-host store).
  struct Node;
  struct Host;

 private:
  Host* host_for(const std::string& host, bool create);
  std::string learn(Host& h, const std::string& path, bool insert);
  void recanonicalise(Host& h);
  std::string canonical(const Host& h, const std::string& path) const;
  bool mark_shadow(Endpoint& e) const;
  nlohmann::json to_json(const Endpoint& e, bool full) const;

  Limits limits_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
  std::optional<Spec> spec_;
  size_t endpoint_count_ = 0;
  size_t trie_nodes_ = 0;
  uint64_t since_ = 0;
  uint64_t overflow_requests_ = 0;  // observations of hosts beyond max_hosts
  uint64_t batches_ = 0, dropped_ = 0;
  uint64_t unconfirmed_requests_ = 0;  // calls of no endpoint, answered 404 or not at all
  std::map<std::string, uint64_t> sensitive_records_;  // monotonic totals by class
};

// Shared by the inventory's source files.
nlohmann::json endpoint_json(const Endpoint& e, bool full, bool with_shadow);
bool endpoint_from_json(const nlohmann::json& j, Endpoint& e, std::string& error);
void merge_endpoint(Endpoint& into, const Endpoint& from);

}  // namespace bulwark::control::discovery
