// The organisation's API description (OpenAPI 3.x or Swagger 2.0, YAML or JSON), reduced
// to what API discovery compares traffic with: paths, their operations and the query
// parameters each declares, and the path prefixes from `servers` / `basePath`.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bulwark::control::discovery {

struct SpecOperation {
  std::string method;           // upper case: GET, POST, ...
  std::set<std::string> query;  // declared query parameters (operation and path item)
};

struct SpecPath {
  std::string path;                   // as written in the spec, e.g. /users/{userId}
  std::vector<std::string> segments;  // split at '/', leading "" included
  std::vector<SpecOperation> operations;
};

struct Spec {
  // Path prefixes every spec path is relative to ("" when none): the path parts of the
  // OpenAPI 3 server URLs, or Swagger 2's basePath. Never ends in '/'.
  std::vector<std::string> prefixes;
  std::vector<SpecPath> paths;

  // The spec path and operation a request path (a template) of `method` belongs to, or
  // nulls. Same segment count after the prefix; each segment equal, or either side a
  // parameter ("{...}").
  struct Match {
    const SpecPath* path = nullptr;
    const SpecOperation* operation = nullptr;
  };
  Match match(const std::string& method, const std::string& path) const;
};

// Parses a spec; nullopt and `error` (one line: what is wrong) for text that is not YAML
// or JSON, is nested or aliased beyond reason, or has no `paths` map.
std::optional<Spec> parse_spec(const std::string& text, std::string& error);

// "{...}": a path parameter segment (of a spec or of a template).
bool is_param_segment(const std::string& seg);
std::vector<std::string> split_path(const std::string& path);
// Well-formed UTF-8: only such strings go into replies (nlohmann::json::dump throws on
// anything else), so untrusted strings are checked where they enter.
bool valid_utf8(const std::string& s);

}  // namespace bulwark::control::discovery
