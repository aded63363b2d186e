// libFuzzer target: rule bundle loading. A bundle arrives from another process (the
// control plane, or a file an operator points at): any bytes must be refused with a
// message or load into a bundle whose indexes are all valid, which is then evaluated.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/features/signatures/request_eval.h"
#include "rules/lang/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  std::string error;
  auto b = rules::Bundle::load(data, size, error);
  if (!b) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  bulwark::signatures::Matcher m(*b);
  if (!m.ok()) return 0;
  const uint8_t ip[4] = {198, 18, 0, 1};
  bulwark::signatures::evaluate_requests(
      m,
      "POST /a?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\nCookie: s=1\r\n"
      "Content-Length: 4\r\n\r\nbody",
      ip, 4);
  return 0;
}
