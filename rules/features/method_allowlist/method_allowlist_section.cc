// The method allow-list section (see method_allowlist_section.h): parsed from rule
// files, merged across them, and written to and read back from bundles with the same
// checks (a bundle is input from another process).
#include "rules/features/method_allowlist/method_allowlist_section.h"

#include <algorithm>
#include <set>

#include "rules/lang/section_parse.h"

namespace bulwark::rules::method_allowlist {
namespace {

bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// An HTTP method as RFC 9110 has it (a token); the reason if it is not one.
std::string method_problem(const std::string& m) {
  if (m.empty() || m.size() > 16) return "a method is 1 to 16 characters";
  if (!std::all_of(m.begin(), m.end(), token_char)) return "'" + m + "' is not an HTTP method";
  return {};
}

// A {name} segment in Endpoint::segments (a text segment never holds braces).
constexpr std::string_view kParam = "{}";

// Splits a path template into its segments (kParam for {name}); the reason if it is not
// one.
std::string split_path(const std::string& path, std::vector<std::string>& segments) {
  segments.clear();
  if (path.empty() || path[0] != '/') return "'path' must start with /";
  if (path.size() > kMaxPathBytes)
    return "'path' is longer than " + std::to_string(kMaxPathBytes) + " bytes";
  if (path.find_first_of("?#% \t\r\n") != std::string::npos)
    return "'path' is a normalised path: no query, fragment, escapes or blanks";
  size_t at = 1;
  while (true) {
    const size_t slash = path.find('/', at);
    const std::string seg =
        path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      const std::string name = seg.substr(1, seg.size() - 2);
      if (name.empty() ||
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
        return "'{" + name + "}' is not a parameter: {name} with a-z, 0-9, _";
      segments.emplace_back(kParam);
    } else {
      if (seg.find_first_of("{}") != std::string::npos)
        return "a segment is either text or a whole {name}: '" + seg + "'";
      if (seg == "." || seg == "..") return "a normalised path has no '.' or '..' segments";
      if (seg.empty() && slash != std::string::npos)
        return "a normalised path has no empty segments (//)";
      if (seg.empty() && at > 1) return "no trailing slash: '/a/b' matches '/a/b/' as well";
      if (seg.find(';') != std::string::npos)
        return "no ';' in a segment: path parameters (;name=value) are ignored when matching";
      segments.push_back(seg);
    }
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  return {};
}

// Fills the derived fields of `e` from its path and methods; the reason if they are
// not valid.
std::string complete(Endpoint& e) {
  if (std::string p = split_path(e.path, e.segments); !p.empty()) return p;
  if (e.methods.empty()) return "'methods' lists no method";
  if (e.methods.size() > kMaxMethods)
    return "at most " + std::to_string(kMaxMethods) + " methods per endpoint";
  std::set<std::string> seen;
  for (const auto& m : e.methods) {
    if (std::string p = method_problem(m); !p.empty()) return p;
    if (!seen.insert(m).second) return "method " + m + " is listed twice";
  }
  std::vector<std::string> allow = e.methods;
  if (seen.count("GET") && !seen.count("HEAD")) allow.insert(allow.begin() + 1, "HEAD");
  e.allow.clear();
  for (const auto& m : allow) e.allow += (e.allow.empty() ? "" : ", ") + m;
  return {};
}

std::unique_ptr<Section> parse(const YAML::Node& n, const std::string& origin) {
  require_map(n, "method_allowlist", {"mode", "endpoints"});
  auto s = std::make_unique<MethodAllowlist>();
  s->origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["mode"]) {
    s->mode = mode_of(n["mode"]);
    s->mode_origin = s->origin;
  }
  const YAML::Node list = n["endpoints"];
  if (!list || !list.IsSequence() || list.size() == 0)
    throw ConfigError(n, "'method_allowlist' needs 'endpoints': a list of {path, methods}");
  std::set<std::string> paths;
  for (const auto& item : list) {
    require_map(item, "method_allowlist.endpoints[]", {"path", "methods"});
    Endpoint e;
    e.origin = origin + ":" + std::to_string(item.Mark().line + 1);
    if (!item["path"]) throw ConfigError(item, "an endpoint needs a 'path'");
    e.path = string_of(item["path"], "path");
    const YAML::Node methods = item["methods"];
    if (!methods || !methods.IsSequence())
      throw ConfigError(item,
                        "endpoint " + e.path + " needs 'methods': a list such as [GET, POST]");
    for (const auto& m : methods) e.methods.push_back(string_of(m, "methods[]"));
    if (std::string p = complete(e); !p.empty()) throw ConfigError(item, p);
    if (!paths.insert(e.path).second)
      throw ConfigError(item, "path " + e.path + " is listed twice");
    s->endpoints.push_back(std::move(e));
  }
  if (s->endpoints.size() > kMaxEndpoints)
    throw ConfigError(list, "at most " + std::to_string(kMaxEndpoints) + " endpoints");
  return s;
}

bool merge(Section& into_s, Section& from_s, std::string& error) {
  auto& into = static_cast<MethodAllowlist&>(into_s);
  auto& from = static_cast<MethodAllowlist&>(from_s);
  if (!from.mode_origin.empty()) {
    if (!into.mode_origin.empty() && into.mode != from.mode) {
      error = from.mode_origin + ": method_allowlist 'mode' is " + mode_name(from.mode) +
              " here but " + mode_name(into.mode) + " at " + into.mode_origin;
      return false;
    }
    into.mode = from.mode;
    into.mode_origin = from.mode_origin;
  }
  for (auto& e : from.endpoints) {
    for (const auto& have : into.endpoints)
      if (have.path == e.path) {
        error = e.origin + ": path " + e.path + " is listed twice (also at " + have.origin + ")";
        return false;
      }
    into.endpoints.push_back(std::move(e));
  }
  if (into.endpoints.size() > kMaxEndpoints) {
    error = from.origin + ": at most " + std::to_string(kMaxEndpoints) +
            " method_allowlist endpoints in all files";
    return false;
  }
  return true;
}

nlohmann::json compile(const Section& s_) {
  const auto& s = static_cast<const MethodAllowlist&>(s_);
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : s.endpoints)
    endpoints.push_back({{"path", e.path}, {"methods", e.methods}, {"origin", e.origin}});
  return {{"mode", s.mode == Mode::monitor ? 1 : 0}, {"endpoints", endpoints}};
}

std::unique_ptr<Section> load(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("mode") || !j["mode"].is_number_unsigned() ||
      j["mode"].get<uint64_t>() > 1 || !j.contains("endpoints") || !j["endpoints"].is_array() ||
      j["endpoints"].size() > kMaxEndpoints)
    throw SectionError("malformed");
  auto s = std::make_unique<MethodAllowlist>();
  s->mode = j["mode"].get<uint64_t>() ? Mode::monitor : Mode::enforce;
  for (const auto& item : j["endpoints"]) {
    if (!item.is_object() || !item.contains("path") || !item["path"].is_string() ||
        !item.contains("methods") || !item["methods"].is_array())
      throw SectionError("malformed endpoint");
    Endpoint e;
    e.path = item["path"].get<std::string>();
    if (item.contains("origin")) {
      if (!item["origin"].is_string() || item["origin"].get_ref<const std::string&>().size() > 4096)
        throw SectionError("malformed endpoint origin");
      e.origin = item["origin"].get<std::string>();
    }
    for (const auto& m : item["methods"]) {
      if (!m.is_string() || e.methods.size() >= kMaxMethods)
        throw SectionError("malformed methods");
      e.methods.push_back(m.get<std::string>());
    }
    if (std::string p = complete(e); !p.empty()) throw SectionError(e.path + ": " + p);
    for (const auto& have : s->endpoints)
      if (have.path == e.path) throw SectionError(e.path + ": listed twice");
    s->endpoints.push_back(std::move(e));
  }
  return s;
}

}  // namespace

const SectionKind kSection{"method_allowlist", parse, merge, compile, load};

namespace {

// A path segment as servers route it: without ";name=value" path parameters (Tomcat and
// Spring strip them before mapping).
std::string_view routed(std::string_view seg) { return seg.substr(0, seg.find(';')); }

bool same_text(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

const Endpoint* MethodAllowlist::match(std::string_view path, size_t from) const {
  if (path.empty() || path[0] != '/') return nullptr;
  std::string_view rest_all = path.substr(1);
  // One trailing slash routes to the same handler on Express and Spring (non-strict
  // routing): "/orders/" is "/orders" here, so it cannot be used to slip past.
  if (rest_all.size() > 1 && rest_all.back() == '/') rest_all.remove_suffix(1);
  for (size_t k = from; k < endpoints.size(); ++k) {
    const Endpoint& e = endpoints[k];
    std::string_view rest = rest_all;
    bool ok = true;
    for (size_t i = 0; i < e.segments.size() && ok; ++i) {
      const size_t slash = rest.find('/');
      const std::string_view seg = routed(rest.substr(0, slash));
      const bool last = i + 1 == e.segments.size();
      // A {name} segment is any one non-empty segment. Text segments compare without
      // case: Express routes case-insensitively by default, and refusing a method on a
      // path a case-sensitive server would not route costs nothing.
      ok = (e.segments[i] == kParam ? !seg.empty() : same_text(seg, e.segments[i])) &&
           (last ? slash == std::string_view::npos : slash != std::string_view::npos);
      if (!last && ok) rest = rest.substr(slash + 1);
    }
    if (ok) return &e;
  }
  return nullptr;
}

bool MethodAllowlist::allows(const Endpoint& e, std::string_view method) {
  for (const auto& m : e.methods)
    if (m == method) return true;
  if (method != "HEAD") return false;
  for (const auto& m : e.methods)
    if (m == "GET") return true;
  return false;
}

}  // namespace bulwark::rules::method_allowlist
