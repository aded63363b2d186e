// Challenge clearances. A challenged browser gets a page whose script finds a nonce such
// that SHA-256("<stamp>-<nonce>") starts with `difficulty` zero bits (the proof of work)
// and stores "<stamp>-<nonce>" in the bw_clear cookie. The stamp is
// "<key epoch>.<expiry>.<mac>", the MAC an HMAC-SHA256 over the client's address prefix,
// TLS fingerprint (or the fingerprint header), user agent, the expiry and the difficulty,
// so a cookie carried to another network, another client or past its expiry fails.
//
// Keys rotate: key(e) = HMAC-SHA256(secret, "bulwark clearance key" || e) for rotation
// period e; workers accept the previous, current and next period's key (the next: boxes
// sharing the secret whose clocks differ a little), and a stamp expires before its key
// is dropped. Keys are built off
// the workers (OpenSSL HMAC) and kept as the SHA-256 states after the inner and outer
// pads, so a MAC on the packet path is two context copies and three compressions with
// OpenSSL's low-level SHA-256 (HMAC() and EVP_MAC fetch, lock and allocate).
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "dataplane/api/counter_labels.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/proto/http_message.h"

namespace bulwark::challenge {

inline constexpr std::string_view kClearanceCookie = "bw_clear";
inline constexpr size_t kMaxClearanceBytes = 96;  // a longer cookie value is malformed

struct ClearanceKey {
  uint64_t epoch = 0;
  SHA256_CTX inner, outer;  // after hashing key ^ ipad, key ^ opad
};

// The keys workers verify with: the current rotation period's and its neighbours'.
// Read-only once built; swapped in with RCU when the period changes.
class ClearanceKeys {
 public:
  static std::unique_ptr<ClearanceKeys> derive(const uint8_t* secret, size_t len, uint64_t epoch);
  const ClearanceKey& current() const { return keys_[0]; }
  const ClearanceKey* find(uint64_t epoch) const;

 private:
  ClearanceKey keys_[3];  // current, previous, next
};

// A key from raw key bytes (the HMAC pads precomputed).
void hmac_key(const uint8_t* key, size_t len, uint64_t epoch, ClearanceKey& out);
// HMAC-SHA256 with a prepared key; no allocation.
void hmac_sha256(const ClearanceKey& k, const uint8_t* data, size_t len, uint8_t (&out)[32]);

enum class ClearanceCheck : uint8_t {
  valid = 0,
  missing,      // no bw_clear cookie
  malformed,    // not "<epoch>.<expiry>.<32 hex>-<nonce>"
  unknown_key,  // made with a key that rotated out
  expired,      // past its expiry (or further ahead than the policy's lifetime)
  bad_mac,      // forged, or made for another prefix, fingerprint or user agent
  no_work,      // the nonce does not meet the difficulty
  count_
};
inline const char* clearance_check_name(ClearanceCheck c) {
  return api::label_name(api::kClearanceCheckNames, static_cast<unsigned>(c));
}

// Writes the stamp for this client (NUL-terminated); its length, 0 if `cap` is too small.
// The expiry a stamp made now gets: `ttl_s` on, but not past the end of the period after
// the current key's (when that key is dropped).
uint64_t stamp_expiry(const ClearanceKey& k, uint64_t now_unix, uint32_t ttl_s, uint32_t rotate_s);
size_t make_stamp(const ClearanceKey& k, const identity::ClientIdentity& id, uint64_t expiry,
                  unsigned difficulty, char* out, size_t cap);
// Checks the request's bw_clear cookie value (empty: missing). An expiry further ahead
// than `ttl_s` plus a minute (clock skew) is refused.
ClearanceCheck check_clearance(const ClearanceKeys& keys, std::string_view cookie,
                               const identity::ClientIdentity& id, uint64_t now_unix,
                               uint32_t ttl_s, unsigned difficulty);

// True for a browser navigating to a page (GET asking for text/html): it gets the page;
// everything else (API clients, scripts, XHR) gets a machine-readable answer.
bool wants_page(const proto::HttpHead& head);
// The challenge page as a complete HTTP response (403, no caching). Its length, 0 if
// `cap` is too small.
size_t challenge_page(char* out, size_t cap, std::string_view stamp, unsigned difficulty,
                      uint32_t max_age);
// {"error":"challenge_required",...} with `status` (403, or 429 with Retry-After when
// `retry_after` is not 0).
size_t challenge_answer(char* out, size_t cap, uint16_t status, uint32_t retry_after,
                        std::string_view reason);

}  // namespace bulwark::challenge
