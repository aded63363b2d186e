// Streaming decoding of a request body as the application behind the box reads it, so
// that body rules see `' or 1=1` however the client spelled it: percent escapes with
// `+` as space (what every form parser does), JSON string escapes (`\u0027` is `'`).
// The caller chains the two over every body, whatever its Content-Type says: servers
// read bodies by their own rules (Go's json.Decoder, a forced JSON parse, the last of
// two Content-Type headers, a JSON document in a form field), so the type is not
// trusted to pick one. The body arrives in pieces split anywhere, also inside an
// escape: an unfinished escape is carried to the next piece.
// Hand-written: the body is decoded as it streams through the packet path, and no
// library decodes percent or JSON escapes incrementally without allocating.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bulwark::proto {

enum class BodyCoding : uint8_t {
  none,     // copied as it is
  percent,  // %XX escapes, + as space (application/x-www-form-urlencoded)
  json,     // JSON string escapes: \" \\ \/ \b \f \n \r \t \uXXXX
};

// One body's decoding state (lives from the head to the end of the body).
struct BodyDecoder {
  BodyCoding coding = BodyCoding::none;
  uint8_t pending_len = 0;  // bytes of an unfinished escape, carried to the next piece
  uint8_t pending[6];       // at most "\uXXX" (5) or "%X" (2)
};

// Longest output of one decode() call for `len` input bytes (the carried escape is
// written out when the next byte shows it is not one).
inline constexpr size_t body_decode_bound(size_t len) { return len + 6; }

// Decodes the next `len` bytes of the body into `out` (at least body_decode_bound(len)
// bytes); returns the bytes written.
size_t body_decode(BodyDecoder& d, const uint8_t* in, size_t len, uint8_t* out);

// End of the body: writes out an unfinished escape as it was sent (at most 6 bytes).
size_t body_decode_finish(BodyDecoder& d, uint8_t* out);

}  // namespace bulwark::proto
