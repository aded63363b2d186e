// The `method_allowlist:` section of rule files: per API endpoint, the methods it
// serves. A request to a listed endpoint with any other method is answered 405 Method
// Not Allowed with an Allow header, before it reaches the origin (enforce mode), or only
// reported (monitor mode). Endpoints not listed are not affected.
//
//   method_allowlist:
//     mode: enforce                     # or monitor: reported, the request goes on
//     endpoints:
//       - path: /api/v1/customers/{id}  # the normalised path; {name}: any one segment
//         methods: [GET, PUT, DELETE]   # HEAD is allowed where GET is
//       - path: /api/v1/orders
//         methods: [GET, POST]
//
// Every listed endpoint whose path matches must serve the method (servers route to the
// most specific one, which need not be listed first). Methods are case-sensitive;
// paths match as servers route them (see match()). The section may be split over several files (its
// endpoints are joined; a path may be listed once).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/lang/rule_model.h"
#include "rules/lang/section.h"

namespace bulwark::rules::method_allowlist {

inline constexpr size_t kMaxEndpoints = 256;
inline constexpr size_t kMaxMethods = 16;
inline constexpr size_t kMaxPathBytes = 256;

struct Endpoint {
  std::string path;                   // as written, e.g. /api/v1/customers/{id}
  std::vector<std::string> segments;  // between the slashes; "{}" for a {name} segment
  std::vector<std::string> methods;   // as written
  std::string allow;                  // the Allow header's value: "GET, HEAD, PUT"
  std::string origin;                 // file:line
};

struct MethodAllowlist : Section {
  Mode mode = Mode::enforce;
  std::string mode_origin;  // where `mode` was given ("": not given)
  std::vector<Endpoint> endpoints;

  // The first endpoint from index `from` on whose template matches `path` (nullptr if
  // none). No allocation: runs per request on the workers.
  const Endpoint* match(std::string_view path, size_t from = 0) const;
  size_t index_of(const Endpoint& e) const { return static_cast<size_t>(&e - endpoints.data()); }
  // True if `method` is one the endpoint serves (HEAD wherever GET is).
  static bool allows(const Endpoint& e, std::string_view method);
};

extern const SectionKind kSection;

}  // namespace bulwark::rules::method_allowlist
