// ClientHello parser (see client_hello.h). Every length is checked against what is
// left of its enclosing structure before it is used.
#include "dataplane/proto/client_hello.h"

#include <algorithm>
#include <cstring>

namespace bulwark::proto {
namespace {

constexpr uint8_t kRecordHandshake = 22;
constexpr uint8_t kClientHello = 1;

// A bounds-checked reader over [p, end).
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  size_t left() const { return static_cast<size_t>(end - p); }
  uint8_t u8() {
    if (left() < 1) return fail();
    return *p++;
  }
  uint16_t u16() {
    if (left() < 2) return fail();
    const uint16_t v = static_cast<uint16_t>(p[0] << 8 | p[1]);
    p += 2;
    return v;
  }
  uint32_t u24() {
    if (left() < 3) return fail();
    const uint32_t v = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
    p += 3;
    return v;
  }
  // A sub-reader over the next n bytes (skipped here).
  Reader sub(size_t n) {
    if (left() < n) {
      fail();
      return Reader{p, p, false};
    }
    Reader r{p, p + n};
    p += n;
    return r;
  }
  uint8_t fail() {
    ok = false;
    p = end;
    return 0;
  }
};

template <typename T, unsigned N>
void keep(T (&arr)[N], uint16_t& n, T v, bool& truncated) {
  if (n < N)
    arr[n++] = v;
  else
    truncated = true;
}

// Reads a list of 16-bit values with a 16-bit byte length (ciphers, groups, sig algs).
bool u16_list(Reader& r, uint16_t* out, uint16_t cap, uint16_t& n, bool& truncated) {
  const uint16_t bytes = r.u16();
  if (!r.ok || bytes % 2) return false;
  Reader l = r.sub(bytes);
  if (!l.ok) return false;
  while (l.left()) {
    const uint16_t v = l.u16();
    if (is_grease(v)) continue;
    if (n < cap)
      out[n++] = v;
    else
      truncated = true;
  }
  return true;
}

bool parse_extension(uint16_t type, Reader e, ClientHello& h) {
  switch (type) {
    case 0x0000: {  // server_name: list of (type, 16-bit length, name)
      h.has_sni = true;
      if (e.left() == 0) return true;  // empty in ServerHello-style echoes: allowed
      Reader l = e.sub(e.u16());
      if (!e.ok) return false;
      while (l.left()) {
        const uint8_t type = l.u8();
        Reader name = l.sub(l.u16());
        if (!l.ok) return false;
        if (type == 0 && h.sni[0] == '\0') {
          const size_t n = name.left() < sizeof h.sni - 1 ? name.left() : sizeof h.sni - 1;
          std::memcpy(h.sni, name.p, n);
          h.sni[n] = '\0';
        }
      }
      return true;
    }
    case 0x000a:  // supported_groups
      return u16_list(e, h.groups, kMaxGroups, h.n_groups, h.truncated) && e.left() == 0;
    case 0x000b: {  // ec_point_formats
      const uint8_t n = e.u8();
      Reader l = e.sub(n);
      if (!e.ok || e.left()) return false;
      while (l.left()) keep(h.point_formats, h.n_point_formats, l.u8(), h.truncated);
      return true;
    }
    case 0x000d:  // signature_algorithms
      return u16_list(e, h.sig_algs, kMaxSigAlgs, h.n_sig_algs, h.truncated) && e.left() == 0;
    case 0x0010: {  // ALPN: list of length-prefixed names; the first one counts
      const uint16_t bytes = e.u16();
      Reader l = e.sub(bytes);
      if (!e.ok || e.left()) return false;
      if (bytes == 0) return true;  // an empty list: JA4 says "00", as without ALPN
      const uint8_t n = l.u8();
      Reader name = l.sub(n);
      if (!l.ok) return false;
      if (n == 0) return true;  // an empty first name: "00" too
      h.has_alpn = true;
      h.alpn_full_len = n;
      h.alpn_len = static_cast<uint8_t>(n < kMaxAlpn ? n : kMaxAlpn);
      std::memcpy(h.alpn, name.p, h.alpn_len);
      h.alpn_last = name.p[n - 1];
      return true;
    }
    case 0x002b: {  // supported_versions (ClientHello form: 1-byte length, 16-bit values)
      const uint8_t n = e.u8();
      Reader l = e.sub(n);
      if (!e.ok || e.left() || n % 2) return false;
      while (l.left()) {
        const uint16_t v = l.u16();
        if (!is_grease(v) && v > h.max_supported_version) h.max_supported_version = v;
      }
      return true;
    }
    default: return true;
  }
}

HelloStatus parse_body(Reader r, ClientHello& h) {
  h = ClientHello{};
  h.sni[0] = '\0';
  h.legacy_version = r.u16();
  r.sub(32);      // random
  r.sub(r.u8());  // session id
  if (!r.ok) return HelloStatus::malformed;
  if (!u16_list(r, h.ciphers, kMaxCiphers, h.n_ciphers, h.truncated)) return HelloStatus::malformed;
  r.sub(r.u8());  // compression methods
  if (!r.ok) return HelloStatus::malformed;
  if (r.left() == 0) return HelloStatus::ok;  // no extensions (old clients)
  Reader exts = r.sub(r.u16());
  if (!r.ok) return HelloStatus::malformed;
  while (exts.left()) {
    const uint16_t type = exts.u16();
    Reader body = exts.sub(exts.u16());
    if (!exts.ok) return HelloStatus::malformed;
    if (is_grease(type)) continue;
    keep(h.extensions, h.n_extensions, type, h.truncated);
    if (!parse_extension(type, body, h)) return HelloStatus::malformed;
  }
  return HelloStatus::ok;
}

}  // namespace

HelloStatus parse_client_hello(const uint8_t* data, size_t len, uint8_t* scratch, ClientHello& out,
                               size_t* need) {
  size_t need_len = 0;
  auto more = [&](size_t at_least) {
    need_len = at_least;
    if (need) *need = need_len;
    return HelloStatus::need_more;
  };
  // Record header: type 22, version 3.x, 16-bit length (at most 2^14 + 2048).
  if (len >= 1 && data[0] != kRecordHandshake) return HelloStatus::not_tls;
  if (len >= 2 && data[1] != 3) return HelloStatus::not_tls;
  if (len < 5) return more(5);
  const size_t rec_len = size_t{data[3]} << 8 | data[4];
  if (rec_len == 0 || rec_len > 16384 + 2048) return HelloStatus::not_tls;
  // The usual case: the first record holds the whole message; parse it in place.
  if (rec_len >= 4) {
    const uint8_t* frag = data + 5;
    if (len < 9) return more(9);
    if (frag[0] != kClientHello) return HelloStatus::malformed;
    const size_t msg_len = size_t{frag[1]} << 16 | size_t{frag[2]} << 8 | frag[3];
    if (msg_len + 4 > kMaxHelloBytes) return HelloStatus::too_large;
    if (msg_len + 4 <= rec_len) {
      if (len < 5 + 4 + msg_len) return more(5 + 4 + msg_len);
      return parse_body(Reader{frag + 4, frag + 4 + msg_len}, out);
    }
  }
  // The message spans records (a record may hold as little as one byte of it, header
  // included): join the fragments of consecutive handshake records in `scratch`. Only
  // whole records are joined, so a caller need not call again before the next record
  // is complete.
  size_t have = 0, off = 0, want = 4;
  for (unsigned records = 0; have < want; ++records) {
    if (records == kMaxHelloRecords) return HelloStatus::malformed;
    if (len - off < 5) return more(off + 5);
    const uint8_t* rec = data + off;
    if (rec[0] != kRecordHandshake || rec[1] != 3) return HelloStatus::malformed;
    const size_t n = size_t{rec[3]} << 8 | rec[4];
    if (n == 0 || n > 16384 + 2048) return HelloStatus::malformed;
    if (len - off - 5 < n) return more(off + 5 + n);
    size_t take = std::min(n, want - have);
    std::memcpy(scratch + have, rec + 5, take);
    have += take;
    if (want == 4 && have >= 4) {  // the handshake header is complete
      if (scratch[0] != kClientHello) return HelloStatus::malformed;
      const size_t msg_len =
          size_t{scratch[1]} << 16 | size_t{scratch[2]} << 8 | size_t{scratch[3]};
      if (msg_len + 4 > kMaxHelloBytes) return HelloStatus::too_large;
      want = msg_len + 4;
      const size_t rest = std::min(n - take, want - have);  // more of it in this record
      std::memcpy(scratch + have, rec + 5 + take, rest);
      have += rest;
    }
    off += 5 + n;
  }
  return parse_body(Reader{scratch + 4, scratch + want}, out);
}

}  // namespace bulwark::proto
