// Streaming body decoding (see body_decoder.h).
#include "dataplane/proto/body_decoder.h"

#include <cstring>

#include "dataplane/proto/http_message.h"

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

BodyCoding body_coding_of(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(type, "application/x-www-form-urlencoded")) return BodyCoding::form;
  if (iequals(type, "application/json") ||
      (type.size() >= 5 && iequals(type.substr(type.size() - 5), "+json")))
    return BodyCoding::json;
  // Bodies no application reads as form fields or JSON: multipart parts are read as
  // they are, media and octet streams are data.
  if (istarts_with(type, "multipart/") || istarts_with(type, "image/") ||
      istarts_with(type, "audio/") || istarts_with(type, "video/") ||
      iequals(type, "application/octet-stream"))
    return BodyCoding::none;
  // No type, text/plain or anything else: frameworks that read the body whatever its
  // type (a forced JSON parse, a hand-rolled form parser) decide by its content.
  return BodyCoding::sniff;
}

size_t body_decode(BodyDecoder& d, const uint8_t* in, size_t len, uint8_t* out) {
  size_t o = 0;
  auto flush_pending = [&] {
    std::memcpy(out + o, d.pending, d.pending_len);
    o += d.pending_len;
    d.pending_len = 0;
  };
  for (size_t i = 0; i < len;) {
    const uint8_t c = in[i];
    if (d.coding == BodyCoding::sniff) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        out[o++] = c;
        ++i;
        continue;
      }
      d.coding = (c == '{' || c == '[') ? BodyCoding::json : BodyCoding::form;
    }
    if (d.coding == BodyCoding::none) {
      std::memcpy(out + o, in + i, len - i);
      return o + (len - i);
    }
    if (d.coding == BodyCoding::form) {
      if (d.pending_len == 0) {
        if (c == '%') {
          d.pending[d.pending_len++] = c;
        } else {
          out[o++] = c == '+' ? ' ' : c;
          d.changed |= c == '+';
        }
      } else if (hex_digit(c) < 0) {
        flush_pending();  // not an escape: the '%' (and digit) stand as sent
        continue;         // this byte again, outside an escape
      } else if (d.pending_len == 1) {
        d.pending[d.pending_len++] = c;
      } else {
        out[o++] = static_cast<uint8_t>(hex_digit(d.pending[1]) * 16 + hex_digit(c));
        d.pending_len = 0;
        d.changed = true;
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
      d.changed = true;
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
      d.changed = true;
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
