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
  // Spellings the reference servers read differently: flagged, so the disagreement is
  // visible (each is counted as a path sign).
  kPathParams = 1u << 8,          // ';' path parameters (Tomcat, Jetty strip them: "/a;x/..;/b")
  kPathDoubleEncoded = 1u << 9,   // "%25xx": a second decoding would change the path
  kPathUnicodeEscape = 1u << 10,  // "%uXXXX" (IIS decodes it; the others do not)
  kPathOverlongUtf8 = 1u << 11,   // an overlong UTF-8 form ("%c0%af" for '/')
};
inline constexpr unsigned kPathFlagCount = 12;

// The path of a request-target (origin-form "/p?q", absolute-form "http://h/p?q";
// "*" and authority-form give themselves), without query or fragment.
std::string_view target_path(std::string_view target);
// The query (after '?', before '#'), or empty.
std::string_view target_query(std::string_view target);

// Percent-decodes `in` into `out` (at least in.size() bytes); '+' becomes ' ' when
// `plus_is_space` (query strings). Returns the decoded length.
size_t percent_decode(std::string_view in, char* out, bool plus_is_space, uint32_t& flags);

// Decodes and normalises a path into `out` (at least path.size() + 2 bytes); the result
// always starts with '/'. Returns its length. With `strip_params`, as Tomcat routes it:
// each raw segment's ";..." parameters are removed before decoding, so "/a/..;/b" is
// "/b" (nginx and Go keep ";" as part of the segment).
size_t normalize_path(std::string_view path, char* out, uint32_t& flags, bool strip_params = false);

// The host of an absolute-form target ("http://user@Host:8080/p" -> "Host:8080"), or
// empty. A server takes this over the Host header (RFC 9112 3.2.2).
std::string_view target_authority(std::string_view target);

// Iterates "a=1&b=2" pairs: returns false when none is left; name/value stay encoded.
bool next_query_param(std::string_view& rest, std::string_view& name, std::string_view& value);

// "Example.com:8080" -> "Example.com", "[2001:db8::1]:443" -> "2001:db8::1".
std::string_view host_without_port(std::string_view host);

}  // namespace bulwark::proto
