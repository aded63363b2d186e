// Client fingerprints of a parsed ClientHello: JA3 (Salesforce: the decimal field
// string and its MD5) and JA4 (FoxIO, TLS client fingerprint only: "t13d1516h2_" +
// 12 hex of SHA-256 over the sorted ciphers + "_" + 12 hex of SHA-256 over the sorted
// extensions without SNI/ALPN and the signature algorithms in order). GREASE values
// never count. No allocation: the worker computes them once per connection.
#pragma once

#include <cstddef>

#include "dataplane/proto/client_hello.h"

namespace bulwark::proto {

inline constexpr size_t kJa3TextMax = 4096;  // caps: 128 ciphers, 64 extensions, ...
inline constexpr size_t kJa4Len = 36;        // "t13d1516h2_8daaf6152771_e5627efa2ab1"

struct Ja3 {
  char text[kJa3TextMax];  // "771,4865-4866-...,0-23-...,29-23-24,0"
  size_t len = 0;
  char md5[33];  // lower-case hex
};

void ja3(const ClientHello& h, Ja3& out);
// `transport`: 't' (TCP), 'q' (QUIC), 'd' (DTLS). `out` gets kJa4Len chars and a NUL.
void ja4(const ClientHello& h, char (&out)[kJa4Len + 1], char transport = 't');

}  // namespace bulwark::proto
