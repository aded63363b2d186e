// Saving and loading the API inventory (see inventory.h): one JSON document with the
// endpoints, the learned parameter positions and the monotonic totals, so a restart of
// bulwark-control keeps what was discovered.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "control/features/discovery/inventory.h"
#include "control/features/discovery/inventory_internal.h"

namespace bulwark::control::discovery {

using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "bulwark-api-inventory";
constexpr size_t kMaxFileBytes = 512u << 20;

// Routes (segment lists from the root) of the collapsed nodes.
void collapsed_routes(const Inventory::Node& n, std::vector<std::string>& route, json& out) {
  if (n.collapsed) out.push_back(route);
  for (const auto& [key, child] : n.children) {
    route.push_back(key);
    collapsed_routes(*child, route, out);
    route.pop_back();
  }
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool endpoint_from_json(const json& j, Endpoint& e, std::string& error) {
  if (!j.is_object() || !j.contains("method") || !j["method"].is_string() || !j.contains("path") ||
      !j["path"].is_string() || !j.contains("count") || !j["count"].is_number_unsigned()) {
    error = "an endpoint lacks method, path or count";
    return false;
  }
  e.method = j["method"].get<std::string>();
  e.path = j["path"].get<std::string>();
  e.count = get_u64(j, "count");
  e.first_seen = get_u64(j, "first_seen");
  e.last_seen = get_u64(j, "last_seen");
  const json none = json::object();
  const json& st = j.contains("status") ? j["status"] : none;
  for (size_t i = 0; i < 6; ++i) e.status[i] = get_u64(st, kStatusKeys[i]);
  const json& au = j.contains("auth") ? j["auth"] : none;
  for (size_t i = 0; i < 4; ++i) e.auth[i] = get_u64(au, kAuthKeys[i]);
  if (j.contains("content_types") && j["content_types"].is_object())
    for (const auto& [k, v] : j["content_types"].items())
      if (valid_name(k, 128) && e.content_types.size() < Inventory::kMaxContentTypes)
        e.content_types[k] = u64_value(v);
  for (const char* f : {"request_bytes", "response_bytes"}) {
    if (!j.contains(f) || !j[f].is_object()) continue;
    Sizes& s = std::strcmp(f, "request_bytes") == 0 ? e.request_bytes : e.response_bytes;
    s.min = get_u64(j[f], "min");
    s.max = get_u64(j[f], "max");
    s.sum = get_u64(j[f], "sum");
    s.seen = s.max > 0 || s.sum > 0 || s.min > 0;
  }
  if (j.contains("query") && j["query"].is_array())
    for (const auto& q : j["query"])
      if (q.is_string() && valid_name(q.get<std::string>(), 128) &&
          e.query.size() < Inventory::kMaxQueryNames)
        e.query.insert(q.get<std::string>());
  if (j.contains("sensitive") && j["sensitive"].is_object())
    for (const auto& [k, v] : j["sensitive"].items())
      if (valid_name(k, 32) && e.sensitive.size() < Inventory::kMaxClasses)
        e.sensitive[k] = {get_u64(v, "records"), get_u64(v, "responses")};
  e.unscanned = get_u64(j, "unscanned");
  return true;
}

std::string Inventory::snapshot() const {
  json hosts = json::array();
  for (const auto& [name, h] : hosts_) {
    json eps = json::array(), routes = json::array();
    for (const auto& [key, e] : h->endpoints) eps.push_back(endpoint_json(e, true, false));
    std::vector<std::string> route;
    collapsed_routes(h->root, route, routes);
    hosts.push_back({{"host", name},
                     {"overflow_requests", h->overflow_requests},
                     {"collapsed", std::move(routes)},
                     {"endpoints", std::move(eps)}});
  }
  const json doc = {
      {"format", kFormat},
      {"version", 1},
      {"since", since_},
      {"overflow_requests", overflow_requests_},
      {"batches", batches_},
      {"dropped", dropped_},
      {"unconfirmed_requests", unconfirmed_requests_},
      {"sensitive_records", sensitive_records_.empty() ? json::object() : json(sensitive_records_)},
      {"hosts", std::move(hosts)}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool Inventory::write_snapshot(const std::string& path, const std::string& text,
                               std::string& error) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = write_all(fd, text) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(ok ? errno : err);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool Inventory::save(const std::string& path, std::string& error) const {
  return write_snapshot(path, snapshot(), error);
}

bool Inventory::load(const std::string& path, std::string& error) {
  const Limits limits = limits_;
  std::optional<Spec> spec = std::move(spec_);
  *this = Inventory(limits);  // empty whatever happens below
  spec_ = std::move(spec);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return true;  // nothing discovered yet
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto fail = [&](const std::string& why) {
    error = path + ": " + why;
    std::optional<Spec> keep = std::move(spec_);
    *this = Inventory(limits);
    spec_ = std::move(keep);
    return false;
  };
  if (text.size() > kMaxFileBytes) return fail("too large");
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("damaged (not JSON)");
  if (doc.value("format", "") != kFormat || !doc.contains("hosts") || !doc["hosts"].is_array())
    return fail("not an API inventory file");
  Inventory next(limits);
  next.since_ = get_u64(doc, "since");
  next.overflow_requests_ = get_u64(doc, "overflow_requests");
  next.batches_ = get_u64(doc, "batches");
  next.dropped_ = get_u64(doc, "dropped");
  next.unconfirmed_requests_ = get_u64(doc, "unconfirmed_requests");
  if (doc.contains("sensitive_records") && doc["sensitive_records"].is_object())
    for (const auto& [k, v] : doc["sensitive_records"].items())
      if (valid_name(k, 32) && next.sensitive_records_.size() < kMaxTotalClasses)
        next.sensitive_records_[k] = u64_value(v);
  for (const auto& hj : doc["hosts"]) {
    if (!hj.is_object() || !hj.contains("host") || !hj["host"].is_string() ||
        !hj.contains("endpoints") || !hj["endpoints"].is_array())
      return fail("a host entry is damaged");
    const std::string name = hj["host"].get<std::string>();
    Host* h = next.host_for(name, true);
    if (!h) {
      next.overflow_requests_ = sat_add(next.overflow_requests_, get_u64(hj, "overflow_requests"));
      continue;
    }
    h->overflow_requests = get_u64(hj, "overflow_requests");
    // Learned positions first, so endpoints land on their templates.
    if (hj.contains("collapsed") && hj["collapsed"].is_array())
      for (const auto& route : hj["collapsed"]) {
        if (!route.is_array() || route.size() > 64) return fail("a learned position is damaged");
        Node* n = &h->root;
        for (const auto& seg : route) {
          if (!seg.is_string()) return fail("a learned position is damaged");
          auto& child = n->children[seg.get<std::string>()];
          if (!child) {
            child = std::make_unique<Node>();
            ++h->nodes;
            ++next.trie_nodes_;
          }
          n = child.get();
        }
        n->collapsed = true;
      }
    for (const auto& ej : hj["endpoints"]) {
      Endpoint e;
      std::string why;
      if (!endpoint_from_json(ej, e, why)) return fail(why);
      e.host = name;
      e.path = next.learn(*h, e.path, true);
      auto it = h->endpoints.find({e.path, e.method});
      if (it != h->endpoints.end()) {
        merge_endpoint(it->second, e);
      } else if (next.endpoint_count_ >= limits.max_endpoints) {
        h->overflow_requests = sat_add(h->overflow_requests, e.count);
      } else {
        h->endpoints.emplace(std::make_pair(e.path, e.method), std::move(e));
        ++next.endpoint_count_;
      }
    }
  }
  next.spec_ = std::move(spec_);
  *this = std::move(next);
  for (auto& [name, h] : hosts_)
    for (auto& [key, e] : h->endpoints) mark_shadow(e);
  return true;
}

}  // namespace bulwark::control::discovery
