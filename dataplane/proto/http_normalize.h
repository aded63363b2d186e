// Normalised views of a request for detection: the decoded path (percent-decoding,
// backslashes, "//", "/./", "/../" resolved as a server would), query parameters, and
// the host without its port. Outputs go to caller-provided buffers no larger than the
// input plus two bytes, so nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bulwark::proto {

// What normalisation had to undo; evasion attempts show up here.
enum PathFlags : uint32_t {
  kPathPercentEncoded = 1u << 0,  // some %XX was decoded
  kPathBadPercent = 1u << 1,      // '%' not followed by two hex digits (kept as is)
  kPathDotSegments = 1u << 2,     // "." or ".." segments removed
  kPathDoubleSlash = 1u << 3,     // empty segments collapsed
  kPathBackslash = 1u << 4,       // '\' treated as '/'
  kPathAboveRoot = 1u << 5,       // ".." tried to climb above the root
  kPathEncodedSlash = 1u << 6,    // %2F decoded into a separator
  kPathNul = 1u << 7,             // %00 in the path
};

// The path of a request-target (origin-form "/p?q", absolute-form "http://h/p?q";
// "*" and authority-form give themselves), without query or fragment.
std::string_view target_path(std::string_view target);
// The query (after '?', before '#'), or empty.
std::string_view target_query(std::string_view target);

// Percent-decodes `in` into `out` (at least in.size() bytes); '+' becomes ' ' when
// `plus_is_space` (query strings). Returns the decoded length.
size_t percent_decode(std::string_view in, char* out, bool plus_is_space, uint32_t& flags);

// Decodes and normalises a path into `out` (at least path.size() + 2 bytes); the result
// always starts with '/'. Returns its length.
size_t normalize_path(std::string_view path, char* out, uint32_t& flags);

// Iterates "a=1&b=2" pairs: returns false when none is left; name/value stay encoded.
bool next_query_param(std::string_view& rest, std::string_view& name, std::string_view& value);

// "Example.com:8080" -> "Example.com", "[2001:db8::1]:443" -> "2001:db8::1".
std::string_view host_without_port(std::string_view host);

}  // namespace bulwark::proto
