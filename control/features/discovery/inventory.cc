// The API inventory store: ingest of the dataplane's batches, learned templating, bounds
// and the list/show/totals queries (see inventory.h).
#include "control/features/discovery/inventory.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "control/features/discovery/inventory_internal.h"
#include "dataplane/api/path_template.h"

namespace bulwark::control::discovery {

using json = nlohmann::json;

const char* const kStatusKeys[6] = {"1xx", "2xx", "3xx", "4xx", "5xx", "none"};
const char* const kAuthKeys[4] = {"authorization", "api_key", "session", "none"};

namespace {

constexpr size_t kMaxHostLen = 255, kMaxMethodLen = 16, kMaxPathLen = 8192;
constexpr size_t kTemplateCap = 1024;
constexpr size_t kMaxEntriesPerBatch = 100000;
// Trie nodes allowed per allowed endpoint: paths beyond it are kept as they are (and
// counted as overflow once the endpoints are full) instead of growing the trie.
constexpr size_t kNodesPerEndpoint = 8;

size_t count_nodes(const Inventory::Node& n);

bool valid_method(const std::string& m) {
  if (m.empty() || m.size() > kMaxMethodLen) return false;
  for (char c : m)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

bool valid_class(const std::string& c) {
  if (c.empty() || c.size() > 32) return false;
  for (char x : c)
    if (!((x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '_' || x == '-')) return false;
  return true;
}

// Folds every literal child of `n` into its "{id}" child (recursively merging subtrees).
void collapse(Inventory::Node& n);

void merge_into(Inventory::Node& dst, std::unique_ptr<Inventory::Node> src) {
  for (auto& [key, child] : src->children) {
    const std::string k = dst.collapsed ? std::string(kParam) : key;
    auto it = dst.children.find(k);
    if (it == dst.children.end())
      dst.children.emplace(k, std::move(child));
    else
      merge_into(*it->second, std::move(child));
  }
  if (src->collapsed && !dst.collapsed) collapse(dst);
}

void collapse(Inventory::Node& n) {
  n.collapsed = true;
  std::unique_ptr<Inventory::Node> param;
  std::vector<std::unique_ptr<Inventory::Node>> literals;
  for (auto& [key, child] : n.children)
    (key == kParam ? param : literals.emplace_back()) = std::move(child);
  n.children.clear();
  if (!param) param = std::make_unique<Inventory::Node>();
  for (auto& l : literals) merge_into(*param, std::move(l));
  n.children.emplace(kParam, std::move(param));
}

size_t count_nodes(const Inventory::Node& n) {
  size_t c = 1;
  for (const auto& [k, child] : n.children) c += count_nodes(*child);
  return c;
}

std::string join(const std::vector<std::string>& segs) {
  std::string out;
  for (size_t i = 0; i < segs.size(); ++i) out += (i ? "/" : "") + segs[i];
  return out;
}

Sizes sizes_from(const json& j) {
  Sizes s;
  if (!j.is_object()) return s;
  s.min = get_u64(j, "min");
  s.max = get_u64(j, "max");
  s.sum = get_u64(j, "sum");
  s.seen = j.contains("min") || j.contains("max") || j.contains("sum");
  if (s.min > s.max) std::swap(s.min, s.max);
  return s;
}

void add_sizes(Sizes& into, const Sizes& from) {
  if (!from.seen) return;
  if (!into.seen) {
    into = from;
    return;
  }
  into.min = std::min(into.min, from.min);
  into.max = std::max(into.max, from.max);
  into.sum = sat_add(into.sum, from.sum);
}

// One batch entry as an endpoint delta (host, method and path set by the caller).
Endpoint delta_from(const json& e, uint64_t now) {
  Endpoint d;
  d.count = get_u64(e, "count");
  d.first_seen = get_u64(e, "first");
  d.last_seen = get_u64(e, "last");
  if (d.first_seen == 0) d.first_seen = d.last_seen ? d.last_seen : now;
  if (d.last_seen < d.first_seen) d.last_seen = d.first_seen;
  if (const auto it = e.find("status"); it != e.end() && it->is_object())
    for (size_t i = 0; i < 6; ++i) d.status[i] = get_u64(*it, kStatusKeys[i]);
  if (const auto it = e.find("content_types"); it != e.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      if (valid_name(k, 128) && v.is_number())
        d.content_types[k] = sat_add(d.content_types[k], u64_value(v));
  if (const auto it = e.find("request_bytes"); it != e.end()) d.request_bytes = sizes_from(*it);
  if (const auto it = e.find("response_bytes"); it != e.end()) d.response_bytes = sizes_from(*it);
  if (const auto it = e.find("query"); it != e.end() && it->is_array())
    for (const auto& q : *it) {
      if (d.query.size() >= Inventory::kMaxQueryNames) break;
      if (q.is_string() && valid_name(q.get<std::string>(), 128))
        d.query.insert(q.get<std::string>());
    }
  if (const auto it = e.find("auth"); it != e.end() && it->is_object())
    for (size_t i = 0; i < 4; ++i) d.auth[i] = get_u64(*it, kAuthKeys[i]);
  for (const char* field : {"sensitive", "sensitive_responses"}) {
    const auto it = e.find(field);
    if (it == e.end() || !it->is_object()) continue;
    for (const auto& [k, v] : it->items()) {
      if (!valid_class(k) || !v.is_number()) continue;
      if (!d.sensitive.count(k) && d.sensitive.size() >= Inventory::kMaxClasses) continue;
      auto& s = d.sensitive[k];
      (std::strcmp(field, "sensitive") == 0 ? s.records : s.responses) = u64_value(v);
    }
  }
  d.unscanned = get_u64(e, "unscanned");
  return d;
}

}  // namespace

uint64_t u64_value(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    return v > 0 ? static_cast<uint64_t>(v) : 0;
  }
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v) || v <= 0) return 0;
    return v >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(v);
  }
  return 0;
}

uint64_t get_u64(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it == j.end() ? 0 : u64_value(*it);
}

std::string get_str(const json& j, const char* key, size_t max) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  const auto& s = it->get_ref<const std::string&>();
  return s.size() <= max ? s : std::string();
}

bool valid_name(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return valid_utf8(s);
}

void merge_endpoint(Endpoint& into, const Endpoint& from) {
  into.count = sat_add(into.count, from.count);
  if (from.first_seen && (!into.first_seen || from.first_seen < into.first_seen))
    into.first_seen = from.first_seen;
  into.last_seen = std::max(into.last_seen, from.last_seen);
  for (size_t i = 0; i < 6; ++i) into.status[i] = sat_add(into.status[i], from.status[i]);
  for (const auto& [k, v] : from.content_types) {
    const bool room = into.content_types.count(k) ||
                      into.content_types.size() < Inventory::kMaxContentTypes - 1 || k == "other";
    auto& slot = into.content_types[room ? k : std::string("other")];
    slot = sat_add(slot, v);
  }
  add_sizes(into.request_bytes, from.request_bytes);
  add_sizes(into.response_bytes, from.response_bytes);
  for (const auto& q : from.query) {
    if (into.query.size() >= Inventory::kMaxQueryNames) break;
    into.query.insert(q);
  }
  for (size_t i = 0; i < 4; ++i) into.auth[i] = sat_add(into.auth[i], from.auth[i]);
  for (const auto& [k, v] : from.sensitive) {
    if (!into.sensitive.count(k) && into.sensitive.size() >= Inventory::kMaxClasses) continue;
    auto& s = into.sensitive[k];
    s.records = sat_add(s.records, v.records);
    s.responses = sat_add(s.responses, v.responses);
  }
  into.unscanned = sat_add(into.unscanned, from.unscanned);
  into.shadow = into.shadow || from.shadow;
}

json endpoint_json(const Endpoint& e, bool full, bool with_shadow) {
  json j = {{"host", e.host},   {"method", e.method},         {"path", e.path},
            {"count", e.count}, {"first_seen", e.first_seen}, {"last_seen", e.last_seen}};
  json status = json::object(), auth = json::object(), sens = json::object();
  for (size_t i = 0; i < 6; ++i) status[kStatusKeys[i]] = e.status[i];
  for (size_t i = 0; i < 4; ++i) auth[kAuthKeys[i]] = e.auth[i];
  j["status"] = status;
  j["auth"] = auth;
  if (!full) {
    for (const auto& [k, s] : e.sensitive) sens[k] = s.records;
    j["sensitive"] = sens;
  } else {
    for (const auto& [k, s] : e.sensitive)
      sens[k] = {{"records", s.records}, {"responses", s.responses}};
    j["sensitive"] = sens;
    j["content_types"] = e.content_types.empty() ? json::object() : json(e.content_types);
    auto sizes = [&](const Sizes& s) {
      return json{{"min", s.min},
                  {"max", s.max},
                  {"sum", s.sum},
                  {"mean", e.count ? static_cast<double>(s.sum) / e.count : 0.0}};
    };
    j["request_bytes"] = sizes(e.request_bytes);
    j["response_bytes"] = sizes(e.response_bytes);
    j["query"] = e.query;
    j["unscanned"] = e.unscanned;
  }
  if (with_shadow) j["shadow"] = e.shadow;
  return j;
}

Inventory::Inventory(Limits limits) : limits_(limits) {}
Inventory::~Inventory() = default;
Inventory::Inventory(Inventory&&) noexcept = default;
Inventory& Inventory::operator=(Inventory&&) noexcept = default;

std::string Inventory::normalise_host(const std::string& host) {
  if (host.empty() || host.size() > kMaxHostLen) return "";
  std::string h;
  for (char c : host) {
    const char l = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '-' || l == '_' ||
          l == ':' || l == '[' || l == ']'))
      return "";
    h += l;
  }
  for (const char* port : {":80", ":443"})
    if (h.size() > std::strlen(port) &&
        h.compare(h.size() - std::strlen(port), std::string::npos, port) == 0 &&
        h[h.size() - std::strlen(port) - 1] != ':') {
      h.resize(h.size() - std::strlen(port));
      break;
    }
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

Inventory::Host* Inventory::host_for(const std::string& host, bool create) {
  const auto it = hosts_.find(host);
  if (it != hosts_.end()) return it->second.get();
  if (!create || hosts_.size() >= limits_.max_hosts) return nullptr;
  auto& h = hosts_[host];
  h = std::make_unique<Host>();
  h->nodes = 1;
  ++trie_nodes_;
  return h.get();
}

std::string Inventory::canonical(const Host& h, const std::string& path) const {
  std::vector<std::string> out;
  const Node* n = &h.root;
  for (auto& seg : split_path(path)) {
    std::string key = n && (n->collapsed || seg == kParam) ? std::string(kParam) : seg;
    if (n) {
      const auto it = n->children.find(key);
      n = it == n->children.end() ? nullptr : it->second.get();
    }
    out.push_back(std::move(key));
  }
  return join(out);
}

// Records `path` in the host's trie (collapsing a position that exceeds the threshold)
// and returns its canonical form.
std::string Inventory::learn(Host& h, const std::string& path, bool insert) {
  if (!insert) return canonical(h, path);
  const size_t node_budget = std::max<size_t>(1024, limits_.max_endpoints * kNodesPerEndpoint);
  bool collapsed = false;
  Node* n = &h.root;
  for (const auto& seg : split_path(path)) {
    if (!n) break;
    std::string key = n->collapsed || seg == kParam ? std::string(kParam) : seg;
    auto it = n->children.find(key);
    if (it == n->children.end()) {
      const size_t literals = n->children.size() - n->children.count(kParam);
      if (key != kParam && literals >= std::max<size_t>(1, limits_.collapse_threshold)) {
        collapse(*n);
        collapsed = true;
        key = kParam;
        it = n->children.find(key);
      }
    }
    if (it == n->children.end()) {
      if (trie_nodes_ >= node_budget) break;  // bounded: the rest is kept as it is
      it = n->children.emplace(key, std::make_unique<Node>()).first;
      ++trie_nodes_;
      ++h.nodes;
    }
    n = it->second.get();
  }
  if (collapsed) {
    const size_t now_nodes = count_nodes(h.root);
    trie_nodes_ = trie_nodes_ - h.nodes + now_nodes;
    h.nodes = now_nodes;
    recanonicalise(h);
  }
  return canonical(h, path);
}

// After a collapse: re-keys the host's endpoints by their new templates, merging those
// that now share one.
void Inventory::recanonicalise(Host& h) {
  decltype(h.endpoints) next;
  for (auto& [key, e] : h.endpoints) {
    std::string p = canonical(h, e.path);
    auto it = next.find({p, e.method});
    if (it == next.end()) {
      e.path = p;
      next.emplace(std::make_pair(std::move(p), e.method), std::move(e));
    } else {
      merge_endpoint(it->second, e);
      --endpoint_count_;
    }
  }
  h.endpoints = std::move(next);
  if (spec_)
    for (auto& [key, e] : h.endpoints) mark_shadow(e);
}

bool Inventory::mark_shadow(Endpoint& e) const {
  e.shadow = spec_ && !spec_->match(e.method, e.path).operation;
  return e.shadow;
}

void Inventory::set_spec(const Spec* spec) {
  spec_.reset();
  if (spec) spec_ = *spec;
  for (auto& [name, h] : hosts_)
    for (auto& [key, e] : h->endpoints) mark_shadow(e);
}

std::vector<json> Inventory::ingest(const json& batch, uint64_t now_unix) {
  std::vector<json> events;
  size_t suppressed = 0;
  auto emit = [&](json e) {
    if (events.size() < kMaxEventsPerIngest)
      events.push_back(std::move(e));
    else
      ++suppressed;
  };
  if (!batch.is_object()) return events;
  const auto list = batch.find("endpoints");
  if (list == batch.end() || !list->is_array()) return events;
  ++batches_;
  dropped_ = sat_add(dropped_, get_u64(batch, "dropped"));
  if (since_ == 0) since_ = now_unix;
  char buf[kTemplateCap];
  size_t entries = 0;
  for (const auto& entry : *list) {
    if (++entries > kMaxEntriesPerBatch) break;
    if (!entry.is_object()) continue;
    const uint64_t count = get_u64(entry, "count");
    std::string method = get_str(entry, "method", kMaxMethodLen);
    std::transform(method.begin(), method.end(), method.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    const std::string raw_path = get_str(entry, "path", kMaxPathLen);
    if (count == 0 || !valid_method(method) || raw_path.empty() || raw_path[0] != '/' ||
        !valid_utf8(raw_path))
      continue;
    const auto raw_host = entry.find("host");
    std::string host = raw_host != entry.end() && raw_host->is_string()
                           ? raw_host->get<std::string>()
                           : std::string();
    host = host.empty() ? std::string("(none)") : normalise_host(host);
    Host* h = host.empty() ? nullptr : host_for(host, true);
    if (!h) {
      overflow_requests_ = sat_add(overflow_requests_, count);
      continue;
    }
    const auto t = api::template_path(raw_path, buf, sizeof buf);
    // An endpoint is made only by a call the origin answered with something other than
    // 404: a flood of random paths (all 404, or never answered) would otherwise teach
    // every position of the host to be an {id}. Such calls count toward an endpoint that
    // exists, or as unconfirmed.
    const auto status = entry.find("status");
    const uint64_t unanswered =
        status != entry.end() && status->is_object() ? get_u64(*status, "none") : 0;
    if (sat_add(get_u64(entry, "not_found"), unanswered) >= count) {
      const auto known = h->endpoints.find({learn(*h, std::string(buf, t.len), false), method});
      if (known == h->endpoints.end()) {
        unconfirmed_requests_ = sat_add(unconfirmed_requests_, count);
        continue;
      }
    }
    const std::string path = learn(*h, std::string(buf, t.len), true);
    Endpoint d = delta_from(entry, now_unix);
    auto it = h->endpoints.find({path, method});
    if (it == h->endpoints.end()) {
      if (endpoint_count_ >= limits_.max_endpoints) {
        h->overflow_requests = sat_add(h->overflow_requests, count);
        continue;
      }
      Endpoint e;
      e.host = host;
      e.method = method;
      e.path = path;
      it = h->endpoints.emplace(std::make_pair(path, method), std::move(e)).first;
      ++endpoint_count_;
      if (mark_shadow(it->second))
        emit({{"type", "api_shadow_endpoint"}, {"host", host}, {"method", method}, {"path", path}});
    }
    Endpoint& e = it->second;
    for (const auto& [cls, s] : d.sensitive) {
      if (s.records == 0 && s.responses == 0) continue;
      // Totals by class are a metric's label set: bounded (classes renamed over many rule
      // changes fold into "other").
      const std::string total =
          sensitive_records_.count(cls) || sensitive_records_.size() < kMaxTotalClasses
              ? cls
              : std::string("other");
      sensitive_records_[total] = sat_add(sensitive_records_[total], s.records);
      const auto known = e.sensitive.find(cls);
      const bool fresh = known == e.sensitive.end() ||
                         (known->second.records == 0 && known->second.responses == 0);
      if (fresh && (e.sensitive.count(cls) || e.sensitive.size() < kMaxClasses))
        emit({{"type", "api_endpoint_sensitive"},
              {"host", host},
              {"method", method},
              {"path", path},
              {"class", cls},
              {"records", s.records}});
    }
    merge_endpoint(e, d);
  }
  if (suppressed) events.push_back({{"type", "api_events_suppressed"}, {"count", suppressed}});
  return events;
}

json Inventory::list(const std::string& host_filter) const {
  json eps = json::array();
  uint64_t overflow = overflow_requests_;
  const std::string filter = host_filter.empty() ? "" : normalise_host(host_filter);
  for (const auto& [name, h] : hosts_) {
    overflow = sat_add(overflow, h->overflow_requests);
    if (!host_filter.empty() && name != filter) continue;
    for (const auto& [key, e] : h->endpoints) eps.push_back(endpoint_json(e, false, !!spec_));
  }
  return {{"endpoints", std::move(eps)},   {"hosts", hosts_.size()},
          {"overflow_requests", overflow}, {"unconfirmed_requests", unconfirmed_requests_},
          {"dropped", dropped_},           {"since", since_}};
}

std::optional<json> Inventory::show(const std::string& host, const std::string& method,
                                    const std::string& path) const {
  std::string m = method;
  std::transform(m.begin(), m.end(), m.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  char buf[kTemplateCap];
  const auto t = api::template_path(path, buf, sizeof buf);
  const std::string templated(buf, t.len);
  const std::string want = host.empty() ? "" : normalise_host(host);
  for (const auto& [name, h] : hosts_) {
    if (!host.empty() && name != want) continue;
    for (const std::string& p : {path, canonical(*h, path), canonical(*h, templated)}) {
      const auto it = h->endpoints.find({p, m});
      if (it != h->endpoints.end()) return endpoint_json(it->second, true, !!spec_);
    }
  }
  return std::nullopt;
}

json Inventory::totals() const {
  uint64_t overflow = overflow_requests_, shadows = 0;
  std::map<std::string, uint64_t> by_class;
  for (const auto& [name, h] : hosts_) {
    overflow = sat_add(overflow, h->overflow_requests);
    for (const auto& [key, e] : h->endpoints) {
      shadows += spec_ && e.shadow;
      for (const auto& [cls, s] : e.sensitive)
        if (s.records || s.responses) ++by_class[cls];
    }
  }
  return {
      {"endpoints", endpoint_count_},
      {"hosts", hosts_.size()},
      {"shadow_endpoints", shadows},
      {"overflow_requests", overflow},
      {"sensitive_records", sensitive_records_.empty() ? json::object() : json(sensitive_records_)},
      {"endpoints_by_sensitive_class", by_class.empty() ? json::object() : json(by_class)},
      {"batches", batches_},
      {"dropped", dropped_},
      {"unconfirmed_requests", unconfirmed_requests_}};
}

}  // namespace bulwark::control::discovery
