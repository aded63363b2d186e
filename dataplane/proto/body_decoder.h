// Streaming decoding of a request body as the application behind the box reads it, so
// that body rules see `' or 1=1` however the client spelled it: form bodies
// percent-decoded with `+` as space (what every form parser does), JSON bodies with
// their string escapes undone (`\u0027` is `'`). The body arrives in pieces split
// anywhere, also inside an escape: an unfinished escape is carried to the next piece.
// Hand-written: the body is decoded as it streams through the packet path, and no
// library decodes percent or JSON escapes incrementally without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bulwark::proto {

enum class BodyCoding : uint8_t {
  none,   // read as it is (multipart, binary, XML, ...): nothing to decode
  sniff,  // no or a generic type: JSON if it starts with '{' or '[', else form
  form,   // application/x-www-form-urlencoded
  json,   // application/json, any +json type
};

// The coding a body of this Content-Type is decoded with (the header's value; empty
// when there is none).
BodyCoding body_coding_of(std::string_view content_type);

// One body's decoding state (lives from the head to the end of the body).
struct BodyDecoder {
  BodyCoding coding = BodyCoding::none;
  uint8_t pending_len = 0;  // bytes of an unfinished escape, carried to the next piece
  uint8_t pending[6];       // at most "\uXXX" (5) or "%X" (2)
  bool changed = false;     // some escape was decoded (the decoded body differs)
};

// Longest output of one decode() call for `len` input bytes (the carried escape is
// written out when the next byte shows it is not one).
inline constexpr size_t body_decode_bound(size_t len) { return len + 6; }

// Decodes the next `len` bytes of the body into `out` (at least body_decode_bound(len)
// bytes); returns the bytes written. A `sniff` decoder settles on its first
// non-whitespace byte.
size_t body_decode(BodyDecoder& d, const uint8_t* in, size_t len, uint8_t* out);

// End of the body: writes out an unfinished escape as it was sent (at most 6 bytes).
size_t body_decode_finish(BodyDecoder& d, uint8_t* out);

}  // namespace bulwark::proto
