// Streaming body decoding (see body_decoder.h).
#include "dataplane/proto/body_decoder.h"

#include <cstring>

namespace bulwark::proto {
namespace {

int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A UTF-16 code unit as UTF-8 (a lone surrogate as its 3-byte form, as Node.js's
// latin1/binary views keep it): what a JSON parser hands the application, near enough
// for patterns, which are ASCII where it matters.
size_t put_utf8(uint32_t cp, uint8_t* out) {
  if (cp < 0x80) {
    out[0] = static_cast<uint8_t>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<uint8_t>(0xc0 | (cp >> 6));
    out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
    return 2;
  }
  out[0] = static_cast<uint8_t>(0xe0 | (cp >> 12));
  out[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f));
  out[2] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
  return 3;
}

}  // namespace

size_t body_decode(BodyDecoder& d, const uint8_t* in, size_t len, uint8_t* out) {
  size_t o = 0;
  auto flush_pending = [&] {
    std::memcpy(out + o, d.pending, d.pending_len);
    o += d.pending_len;
    d.pending_len = 0;
  };
  for (size_t i = 0; i < len;) {
    const uint8_t c = in[i];
    if (d.coding == BodyCoding::none) {
      std::memcpy(out + o, in + i, len - i);
      return o + (len - i);
    }
    if (d.coding == BodyCoding::percent) {
      if (d.pending_len == 0) {
        if (c == '%') {
          d.pending[d.pending_len++] = c;
        } else {
          out[o++] = c == '+' ? ' ' : c;
        }
      } else if (hex_digit(c) < 0) {
        flush_pending();  // not an escape: the '%' (and digit) stand as sent
        continue;         // this byte again, outside an escape
      } else if (d.pending_len == 1) {
        d.pending[d.pending_len++] = c;
      } else {
        out[o++] = static_cast<uint8_t>(hex_digit(d.pending[1]) * 16 + hex_digit(c));
        d.pending_len = 0;
      }
      ++i;
      continue;
    }
    // JSON string escapes.
    if (d.pending_len == 0) {
      if (c == '\\')
        d.pending[d.pending_len++] = c;
      else
        out[o++] = c;
    } else if (d.pending_len == 1) {
      uint8_t v = 0;
      switch (c) {
        case '"': v = '"'; break;
        case '\\': v = '\\'; break;
        case '/': v = '/'; break;
        case 'b': v = '\b'; break;
        case 'f': v = '\f'; break;
        case 'n': v = '\n'; break;
        case 'r': v = '\r'; break;
        case 't': v = '\t'; break;
        case 'u': d.pending[d.pending_len++] = c; break;
        default: break;
      }
      if (c == 'u') {
        ++i;
        continue;
      }
      if (v == 0) {  // not an escape JSON has: the backslash stands as sent
        flush_pending();
        continue;
      }
      out[o++] = v;
      d.pending_len = 0;
    } else if (hex_digit(c) < 0) {
      flush_pending();
      continue;
    } else if (d.pending_len < 5) {
      d.pending[d.pending_len++] = c;
    } else {  // "\uXXX" + this digit
      uint32_t cp = 0;
      for (unsigned k = 2; k < 5; ++k)
        cp = cp * 16 + static_cast<uint32_t>(hex_digit(d.pending[k]));
      cp = cp * 16 + static_cast<uint32_t>(hex_digit(c));
      o += put_utf8(cp, out + o);
      d.pending_len = 0;
    }
    ++i;
  }
  return o;
}

size_t body_decode_finish(BodyDecoder& d, uint8_t* out) {
  const size_t n = d.pending_len;
  std::memcpy(out, d.pending, n);
  d.pending_len = 0;
  return n;
}

}  // namespace bulwark::proto
