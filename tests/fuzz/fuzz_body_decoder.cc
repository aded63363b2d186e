// libFuzzer target: streaming body decoding (dataplane/proto/body_decoder.h) on arbitrary
// bytes in each coding. Differential: the body fed whole and split at two fuzzer-chosen
// points decodes to the same bytes; no call writes past its bound; decoding never makes
// a body longer than it was sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataplane/proto/body_decoder.h"

namespace {

using namespace bulwark::proto;

std::string decode(BodyCoding coding, const uint8_t* p, size_t n, size_t cut1, size_t cut2) {
  BodyDecoder d;
  d.coding = coding;
  std::string out;
  size_t at = 0;
  for (size_t end : {cut1, cut2, n}) {
    if (end < at) continue;
    // Exactly the bound, so that ASan sees any write past it.
    std::vector<uint8_t> buf(body_decode_bound(end - at));
    const size_t m = body_decode(d, p + at, end - at, buf.data());
    if (m > buf.size()) abort();
    out.append(reinterpret_cast<const char*>(buf.data()), m);
    at = end;
  }
  std::vector<uint8_t> tail(6);
  out.append(reinterpret_cast<const char*>(tail.data()), body_decode_finish(d, tail.data()));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const BodyCoding coding = static_cast<BodyCoding>(data[0] % 3);
  const uint8_t* body = data + 3;
  const size_t n = size - 3;
  const size_t cut1 = n ? data[1] % (n + 1) : 0, cut2 = n ? data[2] % (n + 1) : 0;
  const std::string whole = decode(coding, body, n, n, n);
  if (decode(coding, body, n, cut1, cut2 < cut1 ? cut1 : cut2) != whole) abort();
  // \uXXXX (6 bytes) is at most 3 of UTF-8; every other escape shrinks too.
  if (whole.size() > n) abort();
  return 0;
}
