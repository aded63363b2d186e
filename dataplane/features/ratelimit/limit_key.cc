// The rate-limit key of a client for one limit (see limit_key.h).
#include "dataplane/features/ratelimit/limit_key.h"

#include <cstring>
#include <utility>

#include "rules/lang/rule_model.h"

namespace bulwark::ratelimit {

bool make_limit_key(uint32_t rule_id, uint8_t parts, const identity::ClientIdentity& id,
                    LimitKey& key) {
  using rules::KeyPart;
  if ((id.has & parts) != parts) return false;
  key.rule_id = rule_id;
  key.parts = parts;
  // IPv4 addresses and prefixes as IPv4-mapped IPv6, so no IPv6 value collides.
  auto address = [&](const uint8_t* a, uint8_t* out) {
    if (id.ip_len == 16) {
      std::memcpy(out, a, 16);
      return;
    }
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, a, 4);
  };
  auto bit = [](KeyPart k) { return 1u << static_cast<unsigned>(k); };
  const std::pair<KeyPart, const uint8_t*> digests[] = {{KeyPart::fingerprint, id.fingerprint},
                                                        {KeyPart::api_key, id.api_key},
                                                        {KeyPart::session, id.session},
                                                        {KeyPart::user_agent, id.user_agent}};
  if (__builtin_popcount(parts) == 1) {
    if (parts & bit(KeyPart::client_ip)) {
      address(id.ip, key.digest);
    } else if (parts & bit(KeyPart::prefix)) {
      address(id.prefix, key.digest);
    } else {
      for (const auto& [part, d] : digests)
        if (parts & bit(part)) std::memcpy(key.digest, d, 16);
    }
    return true;
  }
  uint8_t material[16 * static_cast<unsigned>(KeyPart::count_)];  // several parts: hashed
  size_t n = 0;
  if (parts & bit(KeyPart::client_ip)) address(id.ip, material + n), n += 16;
  if (parts & bit(KeyPart::prefix)) address(id.prefix, material + n), n += 16;
  for (const auto& [part, d] : digests)
    if (parts & bit(part)) std::memcpy(material + n, d, 16), n += 16;
  identity::digest_bytes(material, n, key.digest);
  return true;
}

}  // namespace bulwark::ratelimit
