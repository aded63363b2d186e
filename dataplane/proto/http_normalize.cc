// Request normalisation (see http_normalize.h). Dot-segment removal follows RFC 3986
// section 5.2.4, applied after one round of percent-decoding (as origin servers do).
#include "dataplane/proto/http_normalize.h"

namespace bulwark::proto {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

namespace {

// The length of an absolute-form target's "scheme://" (RFC 3986: a letter, then letters,
// digits, '+', '-', '.'; any case), or 0. nginx, Go and Tomcat take any scheme spelled so
// ("HTTP://h/p", "foo://h/p") and route its path: so does this.
size_t scheme_prefix(std::string_view t) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (t.empty() || !alpha(t[0])) return 0;
  size_t i = 1;
  while (i < t.size() &&
         (alpha(t[i]) || (t[i] >= '0' && t[i] <= '9') || t[i] == '+' || t[i] == '-' || t[i] == '.'))
    ++i;
  return t.substr(i, 3) == "://" ? i + 3 : 0;
}

}  // namespace

std::string_view target_path(std::string_view t) {
  if (const size_t auth = scheme_prefix(t); auth != 0) {
    const size_t slash = t.find_first_of("/?#", auth);
    if (slash == std::string_view::npos || t[slash] != '/') return "/";
    t.remove_prefix(slash);
  }
  return t.substr(0, t.find_first_of("?#"));
}

std::string_view target_authority(std::string_view t) {
  const size_t auth = scheme_prefix(t);
  if (auth == 0) return {};
  t.remove_prefix(auth);
  t = t.substr(0, t.find_first_of("/?#"));
  const size_t at = t.rfind('@');
  return at == std::string_view::npos ? t : t.substr(at + 1);
}

std::string_view target_query(std::string_view t) {
  const size_t q = t.find('?');
  if (q == std::string_view::npos) return {};
  t.remove_prefix(q + 1);
  return t.substr(0, t.find('#'));
}

size_t percent_decode(std::string_view in, char* out, bool plus_is_space, uint32_t& flags) {
  size_t o = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      const int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (lo >= 0) {
        out[o++] = static_cast<char>(hi * 16 + lo);
        flags |= kPathPercentEncoded;
        i += 2;
        continue;
      }
      flags |= kPathBadPercent;
    }
    out[o++] = plus_is_space && c == '+' ? ' ' : c;
  }
  return o;
}

size_t normalize_path(std::string_view path, char* out, uint32_t& flags, bool strip_params) {
  // Decode first (into out, shifted by one to leave room for a leading '/'), then
  // resolve segments in place: the write position never passes the read position.
  char* dec = out + 1;
  size_t n = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == ';') {
      flags |= kPathParams;
      if (strip_params) {  // up to the next raw '/'
        while (i + 1 < path.size() && path[i + 1] != '/') ++i;
        continue;
      }
    }
    if (c == '%' && i + 2 < path.size()) {
      const int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        flags |= kPathPercentEncoded;
        if (c == '/' || c == '\\') flags |= kPathEncodedSlash;
        if (c == '\0') flags |= kPathNul;
        if (c == '%' && i + 4 < path.size() && hex_value(path[i + 3]) >= 0 &&
            hex_value(path[i + 4]) >= 0)
          flags |= kPathDoubleEncoded;
        i += 2;
      } else {
        if ((path[i + 1] | 0x20) == 'u' && i + 5 < path.size() && hex_value(path[i + 2]) >= 0 &&
            hex_value(path[i + 3]) >= 0 && hex_value(path[i + 4]) >= 0 &&
            hex_value(path[i + 5]) >= 0)
          flags |= kPathUnicodeEscape;
        flags |= kPathBadPercent;
      }
    } else if (c == '%') {
      flags |= kPathBadPercent;
    }
    if (c == '\\') {
      c = '/';
      flags |= kPathBackslash;
    }
    // Overlong UTF-8 lead bytes: C0/C1 always; E0 and F0 with a too-small continuation.
    const auto u = static_cast<unsigned char>(c);
    if (u == 0xc0 || u == 0xc1 ||
        (n > 0 && ((static_cast<unsigned char>(dec[n - 1]) == 0xe0 && u >= 0x80 && u < 0xa0) ||
                   (static_cast<unsigned char>(dec[n - 1]) == 0xf0 && u >= 0x80 && u < 0x90))))
      flags |= kPathOverlongUtf8;
    dec[n++] = c;
  }
  // Segment walk over dec[0, n): output is out[0, o).
  size_t o = 0, i = 0;
  out[o++] = '/';
  bool trailing_slash = false;
  while (i < n) {
    while (i < n && dec[i] == '/') {
      if (i > 0 && dec[i - 1] == '/') flags |= kPathDoubleSlash;
      ++i;
    }
    const size_t start = i;
    while (i < n && dec[i] != '/') ++i;
    const size_t len = i - start;
    if (len == 0) break;  // only slashes were left
    trailing_slash = i < n;
    if (len == 1 && dec[start] == '.') {
      flags |= kPathDotSegments;
      trailing_slash = true;
      continue;
    }
    if (len == 2 && dec[start] == '.' && dec[start + 1] == '.') {
      flags |= kPathDotSegments;
      trailing_slash = true;
      if (o == 1) {
        flags |= kPathAboveRoot;
        continue;
      }
      // Drop the last output segment (and its leading '/').
      o -= 1;  // the '/' after it
      while (o > 0 && out[o - 1] != '/') --o;
      continue;
    }
    // Copy the segment: the read position (dec = out + 1) is never behind the write
    // position, so copying forwards byte by byte is safe.
    for (size_t k = 0; k < len; ++k) out[o++] = dec[start + k];
    out[o++] = '/';
  }
  // out ends with '/' after a segment: keep it only if the path did.
  if (o > 1 && out[o - 1] == '/' && !trailing_slash) --o;
  return o;
}

bool next_query_param(std::string_view& rest, std::string_view& name, std::string_view& value) {
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest.remove_prefix(amp == std::string_view::npos ? rest.size() : amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    name = pair.substr(0, eq);
    value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    return true;
  }
  return false;
}

std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  const size_t colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos)
    return host.substr(0, colon);
  return host;
}

}  // namespace bulwark::proto
