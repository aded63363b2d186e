// Who sent a request: the client address (the packet's source, or the right-most
// untrusted hop of X-Forwarded-For / Forwarded when the packet comes from a trusted
// proxy), its prefix, and digests of its API key or bearer token, session cookie, TLS
// fingerprint and user agent. Secrets are kept only as SHA-256 digests (truncated to
// 128 bits): never stored or logged in clear. No allocation; runs per request on the
// worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/proto/http_message.h"
#include "rules/lang/rule_model.h"

namespace bulwark::identity {

using Digest = uint8_t[16];

// What became of a forwarding header.
enum class ForwardedStatus : uint8_t {
  none,            // no header (or no trusted proxies configured and none sent)
  used,            // the client address came from the header
  untrusted_peer,  // a header from a peer that is not a trusted proxy: ignored
  malformed,       // a trusted proxy's header had an unusable hop: stopped there
};

struct ClientIdentity {
  uint8_t ip[16] = {};  // the client
  uint8_t ip_len = 0;   // 4 or 16
  uint8_t prefix[16] = {};
  uint8_t prefix_bits = 0;
  ForwardedStatus forwarded = ForwardedStatus::none;
  uint8_t has = 0;  // bit set of rules::KeyPart present for this request
  Digest api_key = {}, session = {}, fingerprint = {}, user_agent = {};
  std::string_view fingerprint_text;  // the JA4 (connection or header), for events

  bool present(rules::KeyPart p) const { return has & (1u << static_cast<unsigned>(p)); }
};

// Fills `out` from the request head, the packet's source address (`peer`, 4 or 16
// bytes) and the connection's JA4 (empty if none). Forwarding headers (only the last 16
// lines are read; more make the chain malformed) and the fingerprint header are
// believed only when `peer` is a trusted proxy. Digests are computed only for the
// parts in `want` (a bit set of KeyPart); address parts are always filled.
void resolve_identity(const rules::IdentityPolicy& policy, const proto::HttpHead& head,
                      const uint8_t* peer, uint8_t peer_len, std::string_view conn_ja4,
                      uint8_t want, ClientIdentity& out);

// Parses one forwarding-header hop: "192.0.2.1", "192.0.2.1:80", "2001:db8::1",
// "[2001:db8::1]:443", or a quoted Forwarded value; IPv4-mapped IPv6 (::ffff:a.b.c.d)
// comes back as IPv4. false for anything else (including "unknown" and obfuscated
// "_name" identifiers).
bool parse_hop(std::string_view text, uint8_t* ip, uint8_t& len);

// The value of cookie `name` (exact name) in the request's Cookie headers, or empty.
std::string_view cookie_value(const proto::HttpHead& head, std::string_view name);

// SHA-256 of `data`, truncated to a Digest.
void digest_bytes(const uint8_t* data, size_t len, Digest& out);

// The first 8 bytes of a digest as 16 lower-case hex digits (+ NUL), for events.
void digest_hex(const Digest& d, char (&out)[17]);

}  // namespace bulwark::identity
