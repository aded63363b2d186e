// Parsing the organisation's OpenAPI / Swagger document (see spec.h). yaml-cpp reads both
// YAML and JSON; the document is first turned into JSON with bounded depth and size so
// aliases ("billion laughs") and deep nesting cannot exhaust memory or the stack.
#include "control/features/discovery/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bulwark::control::discovery {
namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 500000;

bool to_json(const YAML::Node& n, json& out, int depth, size_t& budget, std::string& error) {
  if (depth > kMaxDepth || budget == 0) {
    error = depth > kMaxDepth ? "the document is nested too deeply"
                              : "the document is too large (after expanding aliases)";
    return false;
  }
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out = json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) continue;  // complex keys mean nothing in OpenAPI
        json v;
        if (!to_json(kv.second, v, depth + 1, budget, error)) return false;
        out[kv.first.Scalar()] = std::move(v);
      }
      return true;
    case YAML::NodeType::Sequence:
      out = json::array();
      for (const auto& e : n) {
        json v;
        if (!to_json(e, v, depth + 1, budget, error)) return false;
        out.push_back(std::move(v));
      }
      return true;
    case YAML::NodeType::Scalar: out = n.Scalar(); return true;
    default: out = nullptr; return true;
  }
}

// A local "$ref": "#/a/b" resolved in the document (one level; anything else: as is).
const json& deref(const json& doc, const json& v) {
  if (!v.is_object()) return v;
  const auto it = v.find("$ref");
  if (it == v.end() || !it->is_string()) return v;
  const std::string ref = it->get<std::string>();
  if (ref.rfind("#/", 0) != 0) return v;
  try {
    const json& r = doc.at(json::json_pointer(ref.substr(1)));
    return r;
  } catch (const std::exception&) {
    return v;
  }
}

void query_params(const json& doc, const json& params, std::set<std::string>& out) {
  if (!params.is_array()) return;
  for (const auto& p0 : params) {
    const json& p = deref(doc, p0);
    if (!p.is_object()) continue;
    const auto in = p.find("in"), name = p.find("name");
    if (in != p.end() && name != p.end() && in->is_string() && name->is_string() && *in == "query")
      out.insert(name->get<std::string>());
  }
}

// The path part of a server URL: "https://h:8443/api/v1/" -> "/api/v1"; "/api" -> "/api".
std::string url_path(std::string url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const size_t slash = url.find('/', scheme + 3);
    url = slash == std::string::npos ? "" : url.substr(slash);
  } else if (url.empty() || url[0] != '/') {
    return "";  // relative server URL: paths are relative to wherever the spec is served
  }
  const size_t q = url.find_first_of("?#");
  if (q != std::string::npos) url.resize(q);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool is_param_segment(const std::string& seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// RFC 3629, as nlohmann-json's dump checks it: no overlong forms, no surrogates,
// nothing past U+10FFFF.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7fu >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto t = static_cast<unsigned char>(s[i + k]);
      if ((t & 0xc0) != 0x80) return false;
      cp = cp << 6 | (t & 0x3fu);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    const size_t slash = path.find('/', pos);
    out.push_back(path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

Spec::Match Spec::match(const std::string& method, const std::string& path) const {
  const std::vector<std::string> segs = split_path(path);
  const std::vector<std::string> none{""};
  for (const auto& prefix : prefixes.empty() ? none : prefixes) {
    const std::vector<std::string> pre =
        prefix.empty() ? std::vector<std::string>{} : split_path(prefix);
    // The prefix's segments, then the spec path's without its leading "".
    if (segs.size() < pre.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < pre.size() && ok; ++i)
      ok = segs[i] == pre[i] || is_param_segment(segs[i]) || is_param_segment(pre[i]);
    if (!ok) continue;
    const size_t skip = pre.empty() ? 0 : pre.size() - 1;  // both start with ""
    for (const auto& sp : paths) {
      if (sp.segments.size() + skip != segs.size()) continue;
      bool same = true;
      for (size_t i = pre.empty() ? 0 : 1; i < sp.segments.size() && same; ++i) {
        const std::string& a = sp.segments[i];
        const std::string& b = segs[i + skip];
        same = a == b || is_param_segment(a) || is_param_segment(b);
      }
      if (!same) continue;
      for (const auto& op : sp.operations)
        if (op.method == method) return {&sp, &op};
    }
  }
  return {};
}

std::optional<Spec> parse_spec(const std::string& text, std::string& error) {
  json doc;
  try {
    const YAML::Node root = YAML::Load(text);
    size_t budget = kMaxNodes;
    if (!to_json(root, doc, 0, budget, error)) return std::nullopt;
  } catch (const YAML::Exception& e) {
    error = "not YAML or JSON: " + std::string(e.what());
    return std::nullopt;
  } catch (const std::exception& e) {
    error = "cannot read the spec: " + std::string(e.what());
    return std::nullopt;
  }
  if (!doc.is_object() || !doc.contains("paths") || !doc["paths"].is_object()) {
    error = "no `paths` map: not an OpenAPI 3 or Swagger 2 document";
    return std::nullopt;
  }
  Spec spec;
  if (doc.contains("basePath") && doc["basePath"].is_string()) {
    spec.prefixes.push_back(url_path(doc["basePath"].get<std::string>()));
  } else if (doc.contains("servers") && doc["servers"].is_array()) {
    for (const auto& s : doc["servers"])
      if (s.is_object() && s.contains("url") && s["url"].is_string()) {
        const std::string p = url_path(s["url"].get<std::string>());
        if (std::find(spec.prefixes.begin(), spec.prefixes.end(), p) == spec.prefixes.end())
          spec.prefixes.push_back(p);
      }
  }
  static const char* kMethods[] = {"get",  "put",     "post",  "delete",
                                   "head", "options", "patch", "trace"};
  for (const auto& [path, item0] : doc["paths"].items()) {
    const json& item = deref(doc, item0);
    if (path.empty() || path[0] != '/' || !valid_utf8(path) || !item.is_object()) continue;
    SpecPath sp;
    sp.path = path;
    sp.segments = split_path(path);
    std::set<std::string> common;
    if (item.contains("parameters")) query_params(doc, item["parameters"], common);
    for (const char* m : kMethods) {
      const auto it = item.find(m);
      if (it == item.end() || !it->is_object()) continue;
      SpecOperation op;
      for (const char* c = m; *c; ++c) op.method += static_cast<char>(*c - 32);
      op.query = common;
      if (it->contains("parameters")) query_params(doc, (*it)["parameters"], op.query);
      sp.operations.push_back(std::move(op));
    }
    spec.paths.push_back(std::move(sp));
  }
  return spec;
}

}  // namespace bulwark::control::discovery
