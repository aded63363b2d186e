// JA3 and JA4 (see fingerprint.h). The digests use OpenSSL's low-level MD5/SHA-256
// functions on a stack context: the EVP interface allocates a context per digest, which
// the packet path must not do. They are deprecated in OpenSSL 3 but kept and correct.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "dataplane/proto/tls_fingerprint.h"

#include <openssl/md5.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace bulwark::proto {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Appends to a fixed buffer; stops (without overflow) at its end.
struct Out {
  char* p;
  size_t cap, len = 0;
  void put(char c) {
    if (len + 1 < cap) p[len++] = c;
  }
  void dec(unsigned v) {
    char buf[8];
    const int n = std::snprintf(buf, sizeof buf, "%u", v);
    for (int i = 0; i < n; ++i) put(buf[i]);
  }
  void hex4(uint16_t v) {
    for (int s = 12; s >= 0; s -= 4) put(kHex[(v >> s) & 15]);
  }
};

template <typename T>
void dec_list(Out& o, const T* v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    if (i) o.put('-');
    o.dec(v[i]);
  }
}

void hex_of(const unsigned char* d, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
}

// First 12 hex characters of SHA-256 of `s`; "000000000000" for an empty list.
void sha12(const char* s, size_t n, char* out) {
  if (n == 0) {
    std::memset(out, '0', 12);
    return;
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, s, n);
  SHA256_Final(md, &c);
  hex_of(md, 6, out);
}

const char* version_code(uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
  }
}

bool alnum(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

void ja3(const ClientHello& h, Ja3& out) {
  Out o{out.text, sizeof out.text};
  o.dec(h.legacy_version);
  o.put(',');
  dec_list(o, h.ciphers, h.n_ciphers);
  o.put(',');
  dec_list(o, h.extensions, h.n_extensions);
  o.put(',');
  dec_list(o, h.groups, h.n_groups);
  o.put(',');
  dec_list(o, h.point_formats, h.n_point_formats);
  out.text[o.len] = '\0';
  out.len = o.len;
  unsigned char md[MD5_DIGEST_LENGTH];
  MD5_CTX c;
  MD5_Init(&c);
  MD5_Update(&c, out.text, out.len);
  MD5_Final(md, &c);
  hex_of(md, MD5_DIGEST_LENGTH, out.md5);
  out.md5[32] = '\0';
}

void ja4(const ClientHello& h, char (&out)[kJa4Len + 1], char transport) {
  // a: transport, version, SNI, counts, ALPN.
  char* p = out;
  *p++ = transport;
  const char* v =
      version_code(h.max_supported_version ? h.max_supported_version : h.legacy_version);
  *p++ = v[0];
  *p++ = v[1];
  *p++ = h.has_sni ? 'd' : 'i';
  const unsigned nc = std::min<unsigned>(h.n_ciphers, 99),
                 ne = std::min<unsigned>(h.n_extensions, 99);
  *p++ = static_cast<char>('0' + nc / 10);
  *p++ = static_cast<char>('0' + nc % 10);
  *p++ = static_cast<char>('0' + ne / 10);
  *p++ = static_cast<char>('0' + ne % 10);
  if (!h.has_alpn || h.alpn_len == 0) {
    *p++ = '0';
    *p++ = '0';
  } else {
    const uint8_t first = h.alpn[0];
    const uint8_t last = h.alpn_last;
    if (alnum(first) && alnum(last)) {
      *p++ = static_cast<char>(first);
      *p++ = static_cast<char>(last);
    } else {  // the first and last characters of the value's hex form
      *p++ = kHex[first >> 4];
      *p++ = kHex[last & 15];
    }
  }
  *p++ = '_';
  // b: sorted ciphers.
  char buf[kMaxCiphers * 5 + kMaxExtensions * 5 + kMaxSigAlgs * 5 + 2];
  uint16_t sorted[kMaxCiphers > kMaxExtensions ? kMaxCiphers : kMaxExtensions];
  std::copy(h.ciphers, h.ciphers + h.n_ciphers, sorted);
  std::sort(sorted, sorted + h.n_ciphers);
  Out b{buf, sizeof buf};
  for (unsigned i = 0; i < h.n_ciphers; ++i) {
    if (i) b.put(',');
    b.hex4(sorted[i]);
  }
  sha12(buf, b.len, p);
  p += 12;
  *p++ = '_';
  // c: sorted extensions without SNI and ALPN, then "_" and the signature algorithms in
  // the order sent (no "_" when there are none).
  unsigned n = 0;
  for (unsigned i = 0; i < h.n_extensions; ++i)
    if (h.extensions[i] != 0x0000 && h.extensions[i] != 0x0010) sorted[n++] = h.extensions[i];
  std::sort(sorted, sorted + n);
  Out c{buf, sizeof buf};
  for (unsigned i = 0; i < n; ++i) {
    if (i) c.put(',');
    c.hex4(sorted[i]);
  }
  if (h.n_sig_algs) {
    c.put('_');
    for (unsigned i = 0; i < h.n_sig_algs; ++i) {
      if (i) c.put(',');
      c.hex4(h.sig_algs[i]);
    }
  }
  sha12(buf, n ? c.len : 0, p);
  p += 12;
  *p = '\0';
}

}  // namespace bulwark::proto
