// libFuzzer target: rule files. Any text either parses into rules that compile into a
// bundle that loads and evaluates a request, or is refused with a "file:line: reason"
// message; nothing else (no crash, no exception escaping, no bundle that fails to load).
#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/features/signatures/request_eval.h"
#include "rules/features/method_allowlist/method_allowlist_section.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  if (size > 4096) return 0;  // bounded: Hyperscan compile time grows with the patterns
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto set = rules::parse_rules_yaml(text, "f.yaml", error);
  if (!set) {
    if (error.rfind("f.yaml:", 0) != 0) __builtin_trap();  // errors always say where
    return 0;
  }
  auto bytes = rules::compile_bundle(*set, 1, error);
  if (!bytes) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  auto b = rules::Bundle::load(bytes->data(), bytes->size(), error);
  if (!b || b->rules.size() != set->rules.size()) __builtin_trap();  // our own output loads
  bulwark::signatures::Matcher m(*b);
  const uint8_t ip[4] = {198, 18, 0, 1};
  bulwark::signatures::evaluate_requests(
      m,
      "POST /a/../b?x=1&y=%41 HTTP/1.1\r\nHost: h:1\r\nUser-Agent: u\r\n"
      "Cookie: s=1\r\nContent-Length: 4\r\n\r\nbody",
      ip, 4);
  // A feature section survives its bundle and matches paths without failing.
  namespace ma = rules::method_allowlist;
  const auto* in = set->sections.get<ma::MethodAllowlist>(ma::kSection);
  const auto* out = b->sections.get<ma::MethodAllowlist>(ma::kSection);
  if ((in == nullptr) != (out == nullptr)) __builtin_trap();
  if (out != nullptr) {
    if (out->endpoints.size() != in->endpoints.size()) __builtin_trap();
    for (const char* path : {"/", "/api/v1/customers/42/", "/a;b/c", "//", "/API/v1/ORDERS"})
      if (const ma::Endpoint* e = out->match(path)) ma::MethodAllowlist::allows(*e, "GET");
  }
  return 0;
}
