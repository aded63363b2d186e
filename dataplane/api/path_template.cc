// Path templating for API discovery (see path_template.h for the rules).
#include "dataplane/api/path_template.h"

#include <cstring>

namespace bulwark::api {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) { return is_lower(c) || is_upper(c); }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char lower(char c) { return is_upper(c) ? static_cast<char>(c + 32) : c; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

unsigned num(std::string_view s) {
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

// v1, V3, v10, v1.2, v2.0.1: API versions, never ids.
bool is_version(std::string_view s) {
  if (s.size() < 2 || s.size() > 12 || (s[0] != 'v' && s[0] != 'V')) return false;
  bool digit_before = false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (is_digit(s[i])) {
      digit_before = true;
    } else if (s[i] == '.' && digit_before && i + 1 < s.size()) {
      digit_before = false;
    } else {
      return false;
    }
  }
  return digit_before;
}

bool plausible_date(unsigned y, unsigned m, unsigned d) {
  return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

bool is_date(std::string_view s) {
  if (s.size() == 8 && all_digits(s))
    return plausible_date(num(s.substr(0, 4)), num(s.substr(4, 2)), num(s.substr(6, 2)));
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
      all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2)))
    return plausible_date(num(s.substr(0, 4)), num(s.substr(5, 2)), num(s.substr(8, 2)));
  return false;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_email(std::string_view s) {
  size_t at = s.find('@');
  size_t skip = 1;
  if (at == std::string_view::npos) {
    for (size_t i = 0; i + 2 < s.size(); ++i)
      if (s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0') {
        at = i;
        skip = 3;
        break;
      }
  }
  if (at == std::string_view::npos || at == 0 || at + skip >= s.size()) return false;
  for (size_t i = 0; i < at; ++i) {
    const char c = s[i];
    if (!is_alnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-') return false;
  }
  const std::string_view domain = s.substr(at + skip);
  size_t label = 0, dots = 0, tld_letters = 0;
  for (char c : domain) {
    if (c == '.') {
      if (label == 0) return false;
      ++dots;
      label = 0;
      tld_letters = 0;
    } else if (is_alnum(c) || c == '-') {
      ++label;
      tld_letters = is_alpha(c) && tld_letters == label - 1 ? tld_letters + 1 : 0;
    } else {
      return false;
    }
  }
  return dots > 0 && label >= 2 && tld_letters == label;
}

// Extensions of static resources and documents: such segments are file names.
bool has_file_extension(std::string_view s) {
  const size_t dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || s.size() - dot - 1 > 5) return false;
  char ext[6] = {};
  const size_t n = s.size() - dot - 1;
  for (size_t i = 0; i < n; ++i) ext[i] = lower(s[dot + 1 + i]);
  static constexpr const char* kExt[] = {
      "json", "xml",  "html", "htm", "js",   "mjs",  "css", "map",  "png",  "jpg",   "jpeg", "gif",
      "svg",  "webp", "ico",  "bmp", "pdf",  "txt",  "csv", "md",   "yaml", "yml",   "zip",  "gz",
      "tgz",  "tar",  "mp3",  "mp4", "webm", "wav",  "ttf", "otf",  "woff", "woff2", "eot",  "php",
      "asp",  "aspx", "jsp",  "cgi", "doc",  "docx", "xls", "xlsx", "ppt",  "pptx",  "rss",  "atom",
      "wasm", "avif", "heic", "mov", "exe",  "dmg",  "apk", "bin",  "iso",  "log",   "ics",  "vcf"};
  for (const char* e : kExt)
    if (std::strcmp(ext, e) == 0) return true;
  return false;
}

bool is_hex_id(std::string_view s) {
  if (s.size() < 8) return false;
  bool digit = false, letter = false;
  for (char c : s) {
    if (!is_hex(c)) return false;
    (is_digit(c) ? digit : letter) = true;
  }
  return s.size() >= 16 || (digit && letter);
}

enum CharClass { kUpper, kLower, kDigit, kOther };
CharClass char_class(char c) {
  return is_upper(c) ? kUpper : is_lower(c) ? kLower : is_digit(c) ? kDigit : kOther;
}

struct Shape {
  size_t len = 0, upper = 0, lower = 0, digits = 0, changes = 0;
};

Shape shape_of(std::string_view part) {
  Shape sh;
  sh.len = part.size();
  CharClass prev = kOther;
  for (char c : part) {
    const CharClass k = char_class(c);
    if (k == kUpper) ++sh.upper;
    if (k == kLower) ++sh.lower;
    if (k == kDigit) ++sh.digits;
    if (prev != kOther && k != prev) ++sh.changes;
    prev = k;
  }
  return sh;
}

// A part that looks random: letters with >= 2 digits, or dense class changes (camelCase
// words change class about once per word, random base64 about every second character).
bool random_part(const Shape& p) {
  if (p.len < 10) return false;
  const size_t letters = p.upper + p.lower;
  if (p.digits >= 2 && letters >= 2) return true;
  return p.upper >= 1 && p.lower >= 1 && p.changes * 3 >= p.len;
}

bool is_token(std::string_view s) {
  if (s.size() < 10 || s.size() > 4096) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '_' && c != '-' && c != '+' && c != '=' && c != '.' && c != '~')
      return false;
  size_t parts = 0, start = 0;
  bool random = false;
  Shape single;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && is_alnum(s[i])) continue;
    if (i > start) {
      ++parts;
      single = shape_of(s.substr(start, i - start));
      random = random || random_part(single);
    }
    start = i + 1;
  }
  if (random && s.size() >= 16) return true;
  // Short opaque ids (YouTube-like): one part, all three classes, very dense changes.
  return parts == 1 && s.size() < 16 && single.len == s.size() && single.upper > 0 &&
         single.lower > 0 && single.digits > 0 && single.changes * 2 >= single.len;
}

}  // namespace

SegmentKind classify_segment(std::string_view seg) {
  if (seg.empty() || is_version(seg)) return SegmentKind::literal;
  if (is_date(seg)) return SegmentKind::date;
  if (all_digits(seg)) return SegmentKind::number;
  if (is_uuid(seg)) return SegmentKind::uuid;
  if (is_email(seg)) return SegmentKind::email;
  if (has_file_extension(seg)) return SegmentKind::literal;
  if (is_hex_id(seg)) return SegmentKind::hex;
  if (is_token(seg)) return SegmentKind::token;
  return SegmentKind::literal;
}

Templated template_path(std::string_view path, char* out, size_t cap) {
  static constexpr char kId[] = "{id}";
  static constexpr char kRest[] = "{rest}";
  constexpr size_t kIdLen = sizeof kId - 1, kRestLen = sizeof kRest - 1;
  constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;
  Templated t;
  uint64_t h = kFnvOffset;
  size_t pos = 0, segments = 0;
  // The leading '/' opens the first segment; it is not a segment of its own.
  if (!path.empty() && path[0] == '/') {
    if (cap < 1) {
      t.truncated = true;
      return t;
    }
    out[t.len++] = '/';
    pos = 1;
  }
  for (;;) {
    const size_t slash = path.find('/', pos);
    const bool last = slash == std::string_view::npos;
    const std::string_view seg = path.substr(pos, last ? std::string_view::npos : slash - pos);
    const bool id = classify_segment(seg) != SegmentKind::literal;
    const std::string_view text = id ? std::string_view(kId, kIdLen) : seg;
    // Room for this segment, and after a '/' for at least "{rest}".
    const size_t need = text.size() + (last ? 0 : 1 + kRestLen);
    if (++segments > kMaxSegments || t.len + need > cap) {
      t.truncated = true;
      if (t.len + kRestLen <= cap) {
        std::memcpy(out + t.len, kRest, kRestLen);
        t.len += kRestLen;
      }
      break;
    }
    std::memcpy(out + t.len, text.data(), text.size());
    t.len += text.size();
    if (id) {
      ++t.ids;
      for (char c : seg) h = (h ^ static_cast<uint8_t>(c)) * kFnvPrime;
      h = (h ^ 0xffu) * kFnvPrime;  // separator: ("1","23") differs from ("12","3")
    }
    if (last) break;
    out[t.len++] = '/';
    pos = slash + 1;
  }
  if (t.ids > 0) {
    h ^= h >> 33;  // finalise (FNV's low bits mix poorly)
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    t.id_hash = h == 0 ? 1 : h;
  }
  return t;
}

}  // namespace bulwark::api
