// OpenAPI 3.0.3 export of the API inventory (see inventory.h): what the traffic shows,
// in the form API gateways, scanners and documentation tools take. The document must
// validate (swagger-parser): unique parameter names per path, every path parameter
// declared, unique operationIds, valid response keys.
#include <algorithm>
#include <cctype>
#include <set>

#include "control/features/discovery/inventory.h"
#include "control/features/discovery/inventory_internal.h"

namespace bulwark::control::discovery {

using json = nlohmann::json;

namespace {

std::string identifier(const std::string& s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  while (out.find("__") != std::string::npos) out.erase(out.find("__"), 1);
  while (!out.empty() && out.back() == '_') out.pop_back();
  while (!out.empty() && out.front() == '_') out.erase(0, 1);
  return out.substr(0, 48);
}

// The OpenAPI path for a template, its path parameter names in order. "{id}" takes the
// name of the literal segment before it ("/users/{id}" -> "/users/{users_id}"), made
// unique within the path; braces anywhere else are percent-encoded so they are not
// taken for parameters.
std::string openapi_path(const std::string& tpl, std::vector<std::string>& params) {
  std::string out;
  std::set<std::string> used;
  std::string prev;
  const auto segs = split_path(tpl);
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    if (i) out += '/';
    if (seg == kParam || seg == "{rest}") {
      std::string base = seg == "{rest}" ? "rest" : prev.empty() ? "id" : prev + "_id";
      std::string name = base;
      for (int n = 2; used.count(name); ++n) name = base + std::to_string(n);
      used.insert(name);
      params.push_back(name);
      out += "{" + name + "}";
      prev.clear();
      continue;
    }
    for (char c : seg) out += c == '{' ? "%7B" : c == '}' ? "%7D" : std::string(1, c);
    prev = identifier(seg);
  }
  return out;
}

}  // namespace

json Inventory::export_openapi(const std::string& host_filter, const std::string& title,
                               const std::string& version) const {
  const std::string filter = host_filter.empty() ? "" : normalise_host(host_filter);
  // The same template and method on several hosts is one operation.
  std::map<std::pair<std::string, std::string>, Endpoint> ops;
  json servers = json::array();
  for (const auto& [name, h] : hosts_) {
    if (!filter.empty() && name != filter) continue;
    if (name != "(none)") servers.push_back({{"url", "https://" + name}});
    for (const auto& [key, e] : h->endpoints) {
      if (e.path.empty() || e.path[0] != '/') continue;  // "*" and the like: no OpenAPI path
      auto it = ops.find({e.path, e.method});
      if (it == ops.end())
        ops.emplace(std::make_pair(e.path, e.method), e);
      else
        merge_endpoint(it->second, e);
    }
  }
  static const std::set<std::string> kMethods = {"GET",  "PUT",     "POST",  "DELETE",
                                                 "HEAD", "OPTIONS", "PATCH", "TRACE"};
  json paths = json::object();
  std::set<std::string> op_ids;
  bool bearer = false, api_key = false, cookie = false;
  for (const auto& [key, e] : ops) {
    if (!kMethods.count(e.method)) continue;  // OpenAPI 3.0 knows no other methods
    std::vector<std::string> names;
    const std::string p = openapi_path(e.path, names);
    json op = json::object();
    std::string base = identifier(e.method + "_" + e.path);
    if (base.empty()) base = "operation";
    std::string id = base;
    for (int n = 2; op_ids.count(id); ++n) id = base + "_" + std::to_string(n);
    op_ids.insert(id);
    op["operationId"] = id;
    op["summary"] = e.method + " " + e.path;
    json params = json::array();
    for (const auto& n : names)
      params.push_back(
          {{"name", n}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    for (const auto& q : e.query)
      params.push_back(
          {{"name", q}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = std::move(params);
    json content = json::object();
    for (const auto& [ct, n] : e.content_types)
      content[ct == "other" ? "*/*" : ct] = json::object();
    json responses = json::object();
    static const char* kRange[5] = {"1XX", "2XX", "3XX", "4XX", "5XX"};
    for (size_t i = 0; i < 5; ++i) {
      if (!e.status[i]) continue;
      json r = {{"description", std::to_string(e.status[i]) + " responses seen"}};
      if (i == 1 && !content.empty()) r["content"] = content;
      responses[kRange[i]] = std::move(r);
    }
    if (responses.empty()) responses["default"] = {{"description", "no response seen"}};
    op["responses"] = std::move(responses);
    json security = json::array();
    if (e.auth[0]) security.push_back({{"bearerAuth", json::array()}});
    if (e.auth[1]) security.push_back({{"apiKeyAuth", json::array()}});
    if (e.auth[2]) security.push_back({{"sessionCookie", json::array()}});
    bearer = bearer || e.auth[0];
    api_key = api_key || e.auth[1];
    cookie = cookie || e.auth[2];
    if (!security.empty()) {
      if (e.auth[3]) security.push_back(json::object());  // also seen without credentials
      op["security"] = std::move(security);
    }
    json sens = json::object();
    for (const auto& [cls, s] : e.sensitive)
      sens[cls] = {{"records", s.records}, {"responses", s.responses}};
    op["x-bulwark-sensitive-data"] = std::move(sens);
    op["x-bulwark-first-seen"] = e.first_seen;
    op["x-bulwark-last-seen"] = e.last_seen;
    op["x-bulwark-requests"] = e.count;
    std::string m = e.method;
    std::transform(m.begin(), m.end(), m.begin(), [](char c) { return std::tolower(c); });
    paths[p][m] = std::move(op);
  }
  json doc = {{"openapi", "3.0.3"},
              {"info",
               {{"title", title.empty() ? "Discovered API" : title},
                {"version", version.empty() ? "discovered" : version},
                {"description", "Generated by Bulwark API discovery from observed traffic."}}},
              {"paths", std::move(paths)}};
  if (!servers.empty()) doc["servers"] = std::move(servers);
  json schemes = json::object();
  if (bearer) schemes["bearerAuth"] = {{"type", "http"}, {"scheme", "bearer"}};
  if (api_key)
    schemes["apiKeyAuth"] = {{"type", "apiKey"},
                             {"in", "header"},
                             {"name", "X-API-Key"},
                             {"description", "an API key (the header name is not recorded)"}};
  if (cookie)
    schemes["sessionCookie"] = {{"type", "apiKey"}, {"in", "cookie"}, {"name", "session"}};
  if (!schemes.empty()) doc["components"] = {{"securitySchemes", std::move(schemes)}};
  return doc;
}

}  // namespace bulwark::control::discovery
