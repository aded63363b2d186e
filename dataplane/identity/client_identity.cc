// Client identity (see client_identity.h). SHA-256 through OpenSSL's low-level context
// functions: no fetch, no lock, no allocation (unlike EVP and, in OpenSSL 3, SHA256()).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "dataplane/identity/client_identity.h"

#include <arpa/inet.h>
#include <openssl/sha.h>

#include <cstring>

#include "rules/lang/ip_prefix.h"

namespace bulwark::identity {
namespace {

constexpr unsigned kMaxHops = 64;  // forwarding hops looked at, right to left
constexpr unsigned kMaxForwardingHeaders = 16;

// SHA-256 with a context on the stack: OpenSSL 3's one-shot SHA256() fetches the
// algorithm (taking a lock) and allocates a context on every call.
void sha256_prefix(const void* data, size_t len, Digest& out) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data, len);
  SHA256_Final(md, &c);
  std::memcpy(out, md, sizeof(Digest));
}

void digest_of(std::string_view v, Digest& out) { sha256_prefix(v.data(), v.size(), out); }

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool trusted(const rules::IdentityPolicy& p, const uint8_t* ip, uint8_t len) {
  for (const auto& [net, bits] : p.trusted_proxies)
    if (rules::in_prefix(ip, len, net, bits)) return true;
  return false;
}

// The packet's sender (still in `out`) is a trusted proxy.
bool peer_trusted(const rules::IdentityPolicy& p, const ClientIdentity& out) {
  return !p.trusted_proxies.empty() && trusted(p, out.ip, out.ip_len);
}

// The `for=` value of one Forwarded element ("for=1.2.3.4;proto=https"), or empty.
std::string_view forwarded_for(std::string_view element) {
  while (!element.empty()) {
    const size_t semi = element.find(';');
    std::string_view pair = trim(element.substr(0, semi));
    element.remove_prefix(semi == std::string_view::npos ? element.size() : semi + 1);
    if (pair.size() > 4 && proto::iequals(pair.substr(0, 4), "for=")) return trim(pair.substr(4));
  }
  return {};
}

// Walks the hops of the forwarding headers from the right. Returns the status and
// leaves the chosen client in `out`.
ForwardedStatus walk_hops(const rules::IdentityPolicy& p, const proto::HttpHead& head,
                          ClientIdentity& out) {
  const std::string_view name = p.forwarded ? "forwarded" : "x-forwarded-for";
  // The last lines count (proxies append theirs): keep the latest kMaxForwardingHeaders.
  std::string_view values[kMaxForwardingHeaders];
  unsigned n = 0;
  for (unsigned i = 0; i < head.header_count; ++i)
    if (proto::iequals(head.headers[i].name, name))
      values[n++ % kMaxForwardingHeaders] = head.headers[i].value;
  if (n == 0) return ForwardedStatus::none;
  if (!peer_trusted(p, out)) return ForwardedStatus::untrusted_peer;
  unsigned hops = 0;
  const unsigned kept = n < kMaxForwardingHeaders ? n : kMaxForwardingHeaders;
  for (unsigned k = 0; k < kept; ++k) {
    std::string_view v = values[(n - 1 - k) % kMaxForwardingHeaders];
    while (!v.empty()) {
      if (++hops > kMaxHops) return ForwardedStatus::malformed;
      const size_t comma = v.rfind(',');
      std::string_view hop = trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
      v = comma == std::string_view::npos ? std::string_view() : v.substr(0, comma);
      if (p.forwarded) hop = forwarded_for(hop);
      uint8_t ip[16] = {};  // an IPv4 hop fills 4 bytes: the rest must be zero (keys use 16)
      uint8_t len = 0;
      if (!parse_hop(hop, ip, len)) return ForwardedStatus::malformed;
      std::memcpy(out.ip, ip, 16);
      out.ip_len = len;
      if (!trusted(p, ip, len)) return ForwardedStatus::used;
    }
  }
  // Every hop trusted: the left-most is the client (no hop at all: as if no header);
  // more lines than were kept: the rest is unknown, stop at the last trusted hop.
  if (n > kMaxForwardingHeaders) return ForwardedStatus::malformed;
  return hops ? ForwardedStatus::used : ForwardedStatus::none;
}

// ::ffff:a.b.c.d (dual-stack proxies write IPv4 clients so) is the IPv4 address: its
// prefix, trusted-proxy and rule tests are the IPv4 ones. Always true.
bool unmap_v4(uint8_t* ip, uint8_t& len) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (len == 16 && std::memcmp(ip, kMapped, 12) == 0) {
    std::memmove(ip, ip + 12, 4);
    std::memset(ip + 4, 0, 12);
    len = 4;
  }
  return true;
}

}  // namespace

std::string_view cookie_value(const proto::HttpHead& head, std::string_view name) {
  for (unsigned i = 0; i < head.header_count; ++i) {
    if (!proto::iequals(head.headers[i].name, "cookie")) continue;
    std::string_view v = head.headers[i].value;
    while (!v.empty()) {  // "a=1; b=2"
      const size_t semi = v.find(';');
      const std::string_view pair = trim(v.substr(0, semi));
      v.remove_prefix(semi == std::string_view::npos ? v.size() : semi + 1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    }
  }
  return {};
}

bool parse_hop(std::string_view t, uint8_t* ip, uint8_t& len) {
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  if (t.empty() || t.size() > 64) return false;
  char buf[65];
  if (t.front() == '[') {  // [v6] or [v6]:port
    const size_t close = t.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = t.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() < 2 ||
                          rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos))
      return false;
    t = t.substr(1, close - 1);
    std::memcpy(buf, t.data(), t.size());
    buf[t.size()] = '\0';
    len = 16;
    return inet_pton(AF_INET6, buf, ip) == 1 && unmap_v4(ip, len);
  }
  const size_t colon = t.find(':');
  if (colon != std::string_view::npos && t.find(':', colon + 1) == std::string_view::npos) {
    const std::string_view port = t.substr(colon + 1);  // v4:port
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    t = t.substr(0, colon);
  }
  std::memcpy(buf, t.data(), t.size());
  buf[t.size()] = '\0';
  if (inet_pton(AF_INET, buf, ip) == 1) {
    len = 4;
    return true;
  }
  len = 16;
  return inet_pton(AF_INET6, buf, ip) == 1 && unmap_v4(ip, len);
}

void resolve_identity(const rules::IdentityPolicy& p, const proto::HttpHead& head,
                      const uint8_t* peer, uint8_t peer_len, std::string_view conn_ja4,
                      uint8_t want, ClientIdentity& out) {
  using rules::KeyPart;
  auto bit = [](KeyPart k) { return static_cast<uint8_t>(1u << static_cast<unsigned>(k)); };
  ClientIdentity peer_id;  // only the sender's address, for trust tests (`peer` may be in `out`)
  std::memcpy(peer_id.ip, peer, peer_len);
  peer_id.ip_len = peer_len;
  std::memcpy(out.ip, peer_id.ip, 16);
  out.ip_len = peer_len;
  out.forwarded = walk_hops(p, head, out);
  out.prefix_bits = out.ip_len == 4 ? p.prefix_v4 : p.prefix_v6;
  rules::mask_prefix(out.ip, out.ip_len, out.prefix_bits, out.prefix);
  out.has = bit(KeyPart::client_ip) | bit(KeyPart::prefix);
  if (want & bit(KeyPart::api_key)) {
    // The bearer token first: it is the credential the origin checks, and a client
    // could otherwise add a fresh X-Api-Key to every request and be a new key each time
    // (limits, enumeration and block entries keyed by api_key would never hold).
    std::string_view key;
    if (p.bearer) {
      const std::string_view auth = trim(head.header("authorization"));
      if (auth.size() > 7 && proto::iequals(auth.substr(0, 7), "bearer "))
        key = trim(auth.substr(7));
    }
    if (key.empty() && !p.api_key_header.empty()) key = trim(head.header(p.api_key_header));
    if (!key.empty()) {
      digest_of(key, out.api_key);
      out.has |= bit(KeyPart::api_key);
    }
  }
  if ((want & bit(KeyPart::session)) && !p.session_cookie.empty()) {
    const std::string_view s = cookie_value(head, p.session_cookie);
    if (!s.empty()) {
      digest_of(s, out.session);
      out.has |= bit(KeyPart::session);
    }
  }
  out.fingerprint_text = conn_ja4;
  // A fingerprint header is believed only from a trusted proxy (the TLS terminator that
  // set it); from anyone else it is the client's own claim.
  if (out.fingerprint_text.empty() && !p.fingerprint_header.empty() && peer_trusted(p, peer_id))
    out.fingerprint_text = trim(head.header(p.fingerprint_header)).substr(0, 64);
  if ((want & bit(KeyPart::fingerprint)) && !out.fingerprint_text.empty()) {
    digest_of(out.fingerprint_text, out.fingerprint);
    out.has |= bit(KeyPart::fingerprint);
  }
  if (want & bit(KeyPart::user_agent)) {
    const std::string_view ua = head.header("user-agent");
    if (!ua.empty()) {
      digest_of(ua, out.user_agent);
      out.has |= bit(KeyPart::user_agent);
    }
  }
}

void digest_bytes(const uint8_t* data, size_t len, Digest& out) { sha256_prefix(data, len, out); }

void digest_hex(const Digest& d, char (&out)[17]) {
  static const char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < 8; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  out[16] = '\0';
}

}  // namespace bulwark::identity
