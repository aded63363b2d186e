// libFuzzer target: the TLS ClientHello parser and the JA3/JA4 fingerprints of what it
// accepts. The input is what a client's first bytes could be; whatever it is, the
// parser must answer with a status, never read out of bounds, and a parsed hello must
// give a 36-character JA4 and a 32-digit JA3 hash. A hello that parses must also parse
// the same after its handshake message is re-cut into records of another size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/proto/client_hello.h"
#include "dataplane/proto/tls_fingerprint.h"

using namespace bulwark;
using namespace bulwark::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello h;
  const HelloStatus st = parse_client_hello(data, size, scratch.data(), h);
  if (st != HelloStatus::ok) return 0;
  static Ja3 j;
  ja3(h, j);
  char four[kJa4Len + 1];
  ja4(h, four);
  if (std::strlen(four) != kJa4Len || std::strlen(j.md5) != 32) __builtin_trap();
  // Single-record hellos: re-cut the message into records of 1 + data[5] % 64 bytes.
  if (size >= 9 && data[5] == 1) {
    const size_t msg_len = (size_t{data[6]} << 16 | size_t{data[7]} << 8 | data[8]) + 4;
    const size_t rec_len = size_t{data[3]} << 8 | data[4];
    if (msg_len > rec_len || size < 5 + msg_len) return 0;
    const size_t frag = std::max<size_t>(1 + data[9 % size] % 64,
                                         (msg_len + kMaxHelloRecords - 1) / kMaxHelloRecords);
    std::vector<uint8_t> recut;
    for (size_t off = 0; off < msg_len; off += frag) {
      const size_t n = frag < msg_len - off ? frag : msg_len - off;
      recut.insert(recut.end(), {22, 3, 1, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
      recut.insert(recut.end(), data + 5 + off, data + 5 + off + n);
    }
    ClientHello h2;
    if (parse_client_hello(recut.data(), recut.size(), scratch.data(), h2) != HelloStatus::ok)
      __builtin_trap();
    char four2[kJa4Len + 1];
    ja4(h2, four2);
    if (std::memcmp(four, four2, kJa4Len) != 0) __builtin_trap();
  }
  return 0;
}
