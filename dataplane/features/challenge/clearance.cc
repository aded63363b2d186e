// Challenge clearances (see clearance.h).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "dataplane/features/challenge/clearance.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstring>
#include <new>

namespace bulwark::challenge {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr size_t kMacHex = 32;  // the stamp carries the first 16 bytes of the MAC

// What the MAC covers, as fixed bytes.
void mac_input(const identity::ClientIdentity& id, uint64_t expiry, unsigned difficulty,
               uint8_t (&m)[64]) {
  std::memset(m, 0, sizeof m);
  std::memcpy(m, "BWC1", 4);
  m[4] = id.ip_len;
  m[5] = id.prefix_bits;
  m[6] = static_cast<uint8_t>(difficulty);
  std::memcpy(m + 8, id.prefix, 16);
  if (id.present(rules::KeyPart::fingerprint)) std::memcpy(m + 24, id.fingerprint, 16);
  if (id.present(rules::KeyPart::user_agent)) std::memcpy(m + 40, id.user_agent, 16);
  for (int b = 0; b < 8; ++b) m[56 + b] = static_cast<uint8_t>(expiry >> (56 - 8 * b));
}

void mac_hex(const ClearanceKey& k, const identity::ClientIdentity& id, uint64_t expiry,
             unsigned difficulty, char (&out)[kMacHex]) {
  uint8_t m[64], mac[32];
  mac_input(id, expiry, difficulty, m);
  hmac_sha256(k, m, sizeof m, mac);
  for (size_t i = 0; i < kMacHex / 2; ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 15];
  }
}

// A decimal number of 1..20 digits that fits 64 bits; advances `s` past it.
bool take_number(std::string_view& s, uint64_t& v) {
  size_t n = 0;
  v = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
    const uint64_t d = static_cast<uint64_t>(s[n] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    ++n;
  }
  if (n == 0 || n > 20) return false;
  s.remove_prefix(n);
  return true;
}

bool leading_zero_bits(const uint8_t* h, unsigned bits) {
  for (unsigned i = 0; i < bits / 8; ++i)
    if (h[i]) return false;
  const unsigned rest = bits % 8;
  return rest == 0 || (h[bits / 8] >> (8 - rest)) == 0;
}

}  // namespace

void hmac_key(const uint8_t* key, size_t len, uint64_t epoch, ClearanceKey& out) {
  uint8_t block[SHA256_CBLOCK] = {};
  if (len > sizeof block) {  // longer keys are hashed first (RFC 2104)
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, key, len);
    SHA256_Final(block, &c);
  } else if (len) {
    std::memcpy(block, key, len);
  }
  uint8_t pad[SHA256_CBLOCK];
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&out.inner);
  SHA256_Update(&out.inner, pad, sizeof pad);
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&out.outer);
  SHA256_Update(&out.outer, pad, sizeof pad);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  out.epoch = epoch;
}

void hmac_sha256(const ClearanceKey& k, const uint8_t* data, size_t len, uint8_t (&out)[32]) {
  SHA256_CTX c = k.inner;
  SHA256_Update(&c, data, len);
  uint8_t inner[32];
  SHA256_Final(inner, &c);
  c = k.outer;
  SHA256_Update(&c, inner, sizeof inner);
  SHA256_Final(out, &c);
}

std::unique_ptr<ClearanceKeys> ClearanceKeys::derive(const uint8_t* secret, size_t len,
                                                     uint64_t epoch) {
  std::unique_ptr<ClearanceKeys> k(new (std::nothrow) ClearanceKeys());
  if (!k) return nullptr;
  const uint64_t epochs[3] = {epoch, epoch - 1, epoch + 1};
  for (unsigned i = 0; i < 3; ++i) {
    const uint64_t e = epochs[i];
    uint8_t msg[21 + 8];
    std::memcpy(msg, "bulwark clearance key", 21);
    for (int b = 0; b < 8; ++b) msg[21 + b] = static_cast<uint8_t>(e >> (56 - 8 * b));
    uint8_t key[32];
    unsigned key_len = 0;
    if (HMAC(EVP_sha256(), secret, static_cast<int>(len), msg, sizeof msg, key, &key_len) ==
        nullptr)
      return nullptr;
    hmac_key(key, key_len, e, k->keys_[i]);
    OPENSSL_cleanse(key, sizeof key);
  }
  return k;
}

const ClearanceKey* ClearanceKeys::find(uint64_t epoch) const {
  for (const ClearanceKey& k : keys_)
    if (k.epoch == epoch) return &k;
  return nullptr;
}

uint64_t stamp_expiry(const ClearanceKey& k, uint64_t now_unix, uint32_t ttl_s, uint32_t rotate_s) {
  const uint64_t dropped = (k.epoch + 2) * rotate_s;  // the key's last accepted second + 1
  const uint64_t want = now_unix + ttl_s;
  return want < dropped ? want : dropped - 1;
}

size_t make_stamp(const ClearanceKey& k, const identity::ClientIdentity& id, uint64_t expiry,
                  unsigned difficulty, char* out, size_t cap) {
  char mac[kMacHex];
  mac_hex(k, id, expiry, difficulty, mac);
  const int n =
      std::snprintf(out, cap, "%llu.%llu.%.*s", static_cast<unsigned long long>(k.epoch),
                    static_cast<unsigned long long>(expiry), static_cast<int>(kMacHex), mac);
  return n > 0 && static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : 0;
}

ClearanceCheck check_clearance(const ClearanceKeys& keys, std::string_view cookie,
                               const identity::ClientIdentity& id, uint64_t now_unix,
                               uint32_t ttl_s, unsigned difficulty) {
  if (cookie.empty()) return ClearanceCheck::missing;
  if (cookie.size() > kMaxClearanceBytes) return ClearanceCheck::malformed;
  std::string_view s = cookie;
  uint64_t epoch = 0, expiry = 0, nonce = 0;
  if (!take_number(s, epoch) || s.empty() || s[0] != '.') return ClearanceCheck::malformed;
  s.remove_prefix(1);
  if (!take_number(s, expiry) || s.empty() || s[0] != '.') return ClearanceCheck::malformed;
  s.remove_prefix(1);
  if (s.size() < kMacHex + 2 || s[kMacHex] != '-') return ClearanceCheck::malformed;
  const std::string_view mac = s.substr(0, kMacHex);
  for (const char c : mac)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return ClearanceCheck::malformed;
  s.remove_prefix(kMacHex + 1);
  if (!take_number(s, nonce) || !s.empty()) return ClearanceCheck::malformed;
  const ClearanceKey* k = keys.find(epoch);
  if (k == nullptr) return ClearanceCheck::unknown_key;
  // Expired, or further ahead than this policy's lifetime (made under a longer one).
  if (expiry <= now_unix || expiry - now_unix > uint64_t{ttl_s} + 60)
    return ClearanceCheck::expired;
  char want[kMacHex];
  mac_hex(*k, id, expiry, difficulty, want);
  if (CRYPTO_memcmp(want, mac.data(), kMacHex) != 0) return ClearanceCheck::bad_mac;
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, cookie.data(), cookie.size());
  SHA256_Final(h, &c);
  return leading_zero_bits(h, difficulty) ? ClearanceCheck::valid : ClearanceCheck::no_work;
}

bool wants_page(const proto::HttpHead& head) {
  if (head.method != "GET") return false;
  const std::string_view accept = head.header("accept");
  return accept.find("text/html") != std::string_view::npos;
}

namespace {

// The page's script: SHA-256 (multi-block, ASCII input) written small enough for the
// whole response to fit one packet, then the search for the nonce, the cookie and a
// reload. It works without crypto.subtle, which plain-HTTP pages do not get.
// printf format: %.*s stamp, %u difficulty, %u max-age.
constexpr char kPage[] =
    "<title>One moment</title><p>Checking your browser..."
    "<script>(function(){var S=\"%.*s\",D=%u,d=document,M=Math.pow,W=4294967296,P=[],K=[],V=[],"
    "n=2,i,c,t;"
    "function R(x,n){return x>>>n|x<<32-n}"
    "for(;P.length<64;n++){for(i=2;i*i<=n&&n%%i;i++);if(i*i>n)P.push(n)}"
    "for(i=0;i<64;i++){K[i]=M(P[i],1/3)*W|0;if(i<8)V[i]=M(P[i],.5)*W|0}"
    "function H(m){var l=m.length,b=[],h=V.slice(),w=[],j,t,c,a;"
    "for(i=0;i<l;i++)b[i>>2]|=m.charCodeAt(i)<<24-(i&3)*8;"
    "b[l>>2]|=128<<24-(l&3)*8;b[(l+8>>6<<4)+15]=l*8;"
    "for(j=0;j<b.length;j+=16){a=h.slice();"
    "for(i=0;i<64;i++){if(i<16)w[i]=b[j+i]|0;else{t=w[i-15];c=w[i-2];"
    "w[i]=(R(t,7)^R(t,18)^t>>>3)+(R(c,17)^R(c,19)^c>>>10)+w[i-7]+w[i-16]|0}"
    "t=a[7]+(R(a[4],6)^R(a[4],11)^R(a[4],25))+(a[4]&a[5]^~a[4]&a[6])+K[i]+w[i];"
    "c=(R(a[0],2)^R(a[0],13)^R(a[0],22))+(a[0]&a[1]^a[0]&a[2]^a[1]&a[2]);"
    "a=[t+c|0].concat(a);a[4]=a[4]+t|0;a.pop()}"
    "for(i=0;i<8;i++)h[i]=h[i]+a[i]|0}return h}"
    "for(n=0;H(S+\"-\"+n)[0]>>>32-D;n++);"
    // Reload only if the cookie took, and at most 3 times a minute: a browser that
    // refuses cookies (or a clearance refused again) must not loop.
    "c=\"bw_clear=\"+S+\"-\"+n;t=+(d.cookie.match(/bw_try=(\\d+)/)||[0,0])[1];"
    "d.cookie=c+\";path=/;max-age=%u;samesite=lax\";d.cookie=\"bw_try=\"+(t+1)+\";path=/"
    ";max-age=60\";"
    "if(t<3&&d.cookie.indexOf(c)>=0)location.reload();"
    "else d.body.textContent=\"Cookies are needed: allow them and reload.\"})()</script>\n";

}  // namespace

size_t challenge_page(char* out, size_t cap, std::string_view stamp, unsigned difficulty,
                      uint32_t max_age) {
  char body[1400];
  const int bl = std::snprintf(body, sizeof body, kPage, static_cast<int>(stamp.size()),
                               stamp.data(), difficulty, max_age);
  if (bl <= 0 || static_cast<size_t>(bl) >= sizeof body) return 0;
  const int n = std::snprintf(out, cap,
                              "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n"
                              "Cache-Control: no-store\r\nContent-Length: %d\r\n"
                              "Connection: close\r\n\r\n%s",
                              bl, body);
  return n > 0 && static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : 0;
}

size_t challenge_answer(char* out, size_t cap, uint16_t status, uint32_t retry_after,
                        std::string_view reason) {
  char body[192];
  const int bl = std::snprintf(
      body, sizeof body,
      "{\"error\":\"challenge_required\",\"reason\":\"%.*s\",\"detail\":\"a browser clearance "
      "is needed; automated clients are not served\"}\n",
      static_cast<int>(reason.size()), reason.data());
  if (bl <= 0 || static_cast<size_t>(bl) >= sizeof body) return 0;
  char retry[48] = "";
  if (retry_after) std::snprintf(retry, sizeof retry, "Retry-After: %u\r\n", retry_after);
  const int n =
      std::snprintf(out, cap,
                    "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n%s"
                    "Cache-Control: no-store\r\nContent-Length: %d\r\n"
                    "Connection: close\r\n\r\n%s",
                    status, status == 429 ? "Too Many Requests" : "Forbidden", retry, bl, body);
  return n > 0 && static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : 0;
}

}  // namespace bulwark::challenge
