// Path templating for API discovery: turns a request path into its endpoint template by
// replacing identifier segments with "{id}" (/v1/users/8812/orders -> /v1/users/{id}/orders).
// Runs on the dataplane workers for every request, so it allocates nothing, throws nothing
// and takes no locks; bulwark-control uses the same function so both sides agree.
//
// A segment (the text between two '/') is an identifier when it is one of:
//   number  all ASCII digits, any length >= 1 ("8812", "0"). Version markers are NOT ids:
//           "v1", "V3", "v10", "v1.2" stay literal (they are not all digits anyway, and
//           are checked first so no later rule claims them).
//   date    YYYY-MM-DD or YYYYMMDD with year 1900..2099, month 01..12, day 01..31.
//   uuid    8-4-4-4-12 hex digits, either case.
//   email   local@domain.tld (also with '@' encoded as %40): local part of
//           [A-Za-z0-9._%+-], a domain of dot-separated labels with a TLD of >= 2 letters.
//   hex     all hex digits and either >= 16 long, or >= 8 long with both a digit and a
//           letter a-f ("5f2b9c1e", git/Mongo ids, hashes). "deadbeef", "facade" stay.
//   token   opaque random-looking ids (base64/base64url, Stripe-style "cus_NffrFeUfNV2Hib",
//           YouTube-style "dQw4w9WgXcQ"): charset [A-Za-z0-9_-+=.~], and some part (split
//           at _ - . + = ~) of >= 10 characters that mixes letters with >= 2 digits or
//           changes character class (upper/lower/digit) at least every third character,
//           with total length >= 16; or a single part of 10..15 characters with upper,
//           lower and digits that changes class at least every second character.
//           Words, kebab/snake-case names ("order-history", "user-profile-settings-page",
//           "order_history_2023"), camelCase names ("getAccountInformation") stay literal.
// File names with a well-known extension ("logo.png", "report-2024.pdf", "app.min.js",
// "8812.json") stay literal: they are usually static resources, not objects.
// Empty segments ("//", trailing '/') are kept as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bulwark::api {

enum class SegmentKind : uint8_t { literal, number, uuid, hex, token, date, email };

// `seg` without '/'.
SegmentKind classify_segment(std::string_view seg);

// At most this many segments are templated; the rest becomes "/{rest}".
inline constexpr size_t kMaxSegments = 32;

struct Templated {
  size_t len = 0;        // bytes written to out
  uint8_t ids = 0;       // id segments replaced by "{id}"
  uint64_t id_hash = 0;  // hash of the id values in order; 0 when there are none
  bool truncated = false;
};

// Writes the template of `path` (no query string; already normalised) into out[0..cap).
// Identifier segments become "{id}". When the path has more than kMaxSegments segments or
// does not fit, the segments that do not fit are replaced by "{rest}" (so the output ends
// in "/{rest}") and `truncated` is set; the output never exceeds `cap` (a cap below 8 may
// leave only a prefix). Never writes a terminating NUL. Deterministic: same input, same
// output and id_hash.
Templated template_path(std::string_view path, char* out, size_t cap);

}  // namespace bulwark::api
