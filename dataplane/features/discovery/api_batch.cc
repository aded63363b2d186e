// Folding API calls into inventory batches (see api_batch.h).
#include "dataplane/features/discovery/api_batch.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace bulwark::discovery {

namespace {

std::string field(const char* s, size_t cap) { return std::string(s, strnlen(s, cap)); }

}  // namespace

void ApiBatch::Size::add(uint64_t v) {
  min = v < min ? v : min;
  max = v > max ? v : max;
  sum += v;
}

void ApiBatch::set_classes(const std::vector<std::string>& names, uint64_t generation) {
  classes_ = names;
  generation_ = static_cast<uint32_t>(generation);
}

void ApiBatch::add(const ApiRecord& r) {
  std::string host = field(r.host, sizeof r.host), method = field(r.method, sizeof r.method),
              path = field(r.path, sizeof r.path);
  std::string key = host + ' ' + method + ' ' + path;
  auto it = lines_.find(key);
  if (it == lines_.end()) {
    if (lines_.size() >= kMaxEndpoints) {
      ++overflow_;
      return;
    }
    it = lines_.emplace(std::move(key), Line()).first;
    it->second.host = std::move(host);
    it->second.method = std::move(method);
    it->second.path = std::move(path);
    it->second.first = r.unix_s;
  }
  Line& l = it->second;
  ++l.count;
  l.last = r.unix_s;
  ++l.status[r.status_class <= 5 ? r.status_class : 0];
  if (r.status == 404) ++l.not_found;
  if (r.status_class) {
    const std::string type = field(r.content_type, sizeof r.content_type);
    if (!type.empty()) {
      if (l.types.count(type) || l.types.size() < kMaxTypes)
        ++l.types[type];
      else
        ++l.types["other"];
    }
    l.response.add(r.response_bytes);
  }
  l.request.add(r.request_bytes);
  const std::string_view q(r.query, strnlen(r.query, sizeof r.query));
  for (size_t at = 0; at < q.size() && l.query.size() < kMaxParams;) {
    const size_t end = std::min(q.find('&', at), q.size());
    if (end > at) l.query.emplace(q.substr(at, end - at));
    at = end + 1;
  }
  if (r.auth & kAuthAuthorization) ++l.auth[0];
  if (r.auth & kAuthApiKey) ++l.auth[1];
  if (r.auth & kAuthSession) ++l.auth[2];
  if (!r.auth) ++l.auth[3];
  const bool counted = r.scanned && r.generation == generation_;
  if (r.unscanned || (r.status_class && !counted)) ++l.unscanned;
  if (!counted) return;
  for (size_t c = 0; c < kMaxClasses && c < classes_.size(); ++c)
    if (r.sensitive[c]) {
      l.records[c] += r.sensitive[c];
      ++l.responses[c];
    }
}

std::string ApiBatch::take(uint64_t now) {
  using json = nlohmann::json;
  json endpoints = json::array();
  static constexpr const char* kStatus[] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (auto& [key, l] : lines_) {
    json status = json::object(), sensitive = json::object(), responses = json::object();
    for (size_t i = 0; i < 6; ++i)
      if (l.status[i]) status[kStatus[i]] = l.status[i];
    for (size_t c = 0; c < kMaxClasses && c < classes_.size(); ++c)
      if (l.records[c]) {
        sensitive[classes_[c]] = l.records[c];
        responses[classes_[c]] = l.responses[c];
      }
    auto size = [](const Size& s) {
      return json{{"min", s.min == UINT64_MAX ? 0 : s.min}, {"max", s.max}, {"sum", s.sum}};
    };
    endpoints.push_back({{"host", l.host},
                         {"method", l.method},
                         {"path", l.path},
                         {"count", l.count},
                         {"not_found", l.not_found},
                         {"first", l.first},
                         {"last", l.last},
                         {"status", status},
                         {"content_types", l.types},
                         {"request_bytes", size(l.request)},
                         {"response_bytes", size(l.response)},
                         {"query", l.query},
                         {"auth",
                          {{"authorization", l.auth[0]},
                           {"api_key", l.auth[1]},
                           {"session", l.auth[2]},
                           {"none", l.auth[3]}}},
                         {"sensitive", sensitive},
                         {"sensitive_responses", responses},
                         {"unscanned", l.unscanned}});
  }
  // "type" first: bulwark-control tells batches from event lines by their first bytes.
  nlohmann::ordered_json batch;
  batch["type"] = "api_observations";
  batch["unix"] = now;
  batch["dropped"] = overflow_;  // calls folded into no line (the table was full)
  batch["endpoints"] = std::move(endpoints);
  lines_.clear();
  overflow_ = 0;
  // Hosts and paths come from clients: invalid UTF-8 is replaced, not thrown on.
  return batch.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace bulwark::discovery
