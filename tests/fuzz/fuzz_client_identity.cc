// libFuzzer target: client identity from hostile request headers (X-Forwarded-For,
// Forwarded, API keys, bearer tokens, cookies, fingerprint headers). The first byte
// picks the policy (which forwarding header, which peers are trusted); the rest is
// header lines "Name: value". Whatever they hold, the walk must stop within its bound,
// never read out of bounds, and leave a 4- or 16-byte address whose prefix is a
// masked copy of it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "dataplane/identity/client_identity.h"
#include "tests/fuzz/fuzz_head.h"

using namespace bulwark;
using namespace bulwark::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static rules::IdentityPolicy policies[4];
  static bool init = false;
  if (!init) {
    for (unsigned i = 0; i < 4; ++i) {
      auto& p = policies[i];
      p.forwarded = i & 1;
      p.session_cookie = "sid";
      p.fingerprint_header = "x-ja4";
      if (i & 2) {  // everything trusted: the walk goes as deep as the input lets it
        p.trusted_proxies.push_back({std::vector<uint8_t>(4, 0), 0});
        p.trusted_proxies.push_back({std::vector<uint8_t>(16, 0), 0});
      } else {
        p.trusted_proxies.push_back({{10, 0, 0, 0}, 8});
      }
    }
    init = true;
  }
  const rules::IdentityPolicy& policy = policies[data[0] & 3];
  HttpHead head{};
  fuzz::fill_head(head, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  const uint8_t peer4[4] = {10, 1, 2, 3};
  bulwark::identity::ClientIdentity id;
  bulwark::identity::resolve_identity(policy, head, peer4, 4, {}, 0xff, id);
  if (id.ip_len != 4 && id.ip_len != 16) __builtin_trap();
  uint8_t masked[16];
  std::memcpy(masked, id.ip, 16);
  for (unsigned b = id.prefix_bits; b < 128; ++b)
    masked[b / 8] &= static_cast<uint8_t>(~(0x80u >> (b % 8)));
  if (std::memcmp(masked, id.prefix, id.ip_len) != 0) __builtin_trap();
  uint8_t ip[16];
  uint8_t len = 0;
  if (bulwark::identity::parse_hop(
          std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), ip, len) &&
      len != 4 && len != 16)
    __builtin_trap();
  return 0;
}
