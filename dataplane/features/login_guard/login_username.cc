// Username extraction (see login_username.h).
#include "dataplane/features/login_guard/login_username.h"

#include <cstdint>

namespace bulwark::login_guard {
namespace {

void skip_ws(std::string_view b, size_t& i) {
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A JSON string at b[i] == '"': decoded into out (if out != nullptr; `fits` false if it
// is longer than cap), i moved past its closing quote. false if unterminated or malformed.
bool json_string(std::string_view b, size_t& i, char* out, size_t cap, size_t& len, bool& fits) {
  len = 0;
  fits = true;
  ++i;  // the opening quote
  while (i < b.size()) {
    const char c = b[i++];
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    uint32_t cp = static_cast<unsigned char>(c);
    bool raw = true;
    if (c == '\\') {
      if (i >= b.size()) return false;
      const char e = b[i++];
      raw = false;
      switch (e) {
        case '"':
        case '\\':
        case '/': cp = static_cast<unsigned char>(e); break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
          if (i + 4 > b.size()) return false;
          cp = 0;
          for (int k = 0; k < 4; ++k) {
            const int h = hex(b[i++]);
            if (h < 0) return false;
            cp = cp << 4 | static_cast<uint32_t>(h);
          }
          // A surrogate pair is one code point (as JSON parsers read it); a lone
          // surrogate keeps its own 3-byte encoding.
          if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= b.size() && b[i] == '\\' &&
              b[i + 1] == 'u') {
            uint32_t lo = 0;
            bool ok = true;
            for (int k = 2; k < 6 && ok; ++k) {
              const int h = hex(b[i + k]);
              ok = h >= 0;
              lo = lo << 4 | static_cast<uint32_t>(h < 0 ? 0 : h);
            }
            if (ok && lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              i += 6;
            }
          }
          break;
        }
        default: return false;
      }
    }
    if (out == nullptr || !fits) continue;
    char enc[4];
    size_t n = 0;
    if (raw || cp < 0x80) {
      enc[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      enc[n++] = static_cast<char>(0xc0 | cp >> 6);
      enc[n++] = static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp >= 0x10000) {
      enc[n++] = static_cast<char>(0xf0 | cp >> 18);
      enc[n++] = static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      enc[n++] = static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      enc[n++] = static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      enc[n++] = static_cast<char>(0xe0 | cp >> 12);
      enc[n++] = static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      enc[n++] = static_cast<char>(0x80 | (cp & 0x3f));
    }
    if (len + n > cap) {
      fits = false;
      continue;
    }
    for (size_t k = 0; k < n; ++k) out[len++] = enc[k];
  }
  return false;
}

// Skips one JSON value at b[i]: a string, a nested object or array (by depth count, no
// recursion), or a number or literal.
bool skip_value(std::string_view b, size_t& i) {
  size_t len;
  bool fits;
  if (i >= b.size()) return false;
  if (b[i] == '"') return json_string(b, i, nullptr, 0, len, fits);
  if (b[i] != '{' && b[i] != '[') {
    while (i < b.size() && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' &&
           b[i] != '\t' && b[i] != '\r' && b[i] != '\n')
      ++i;
    return i < b.size();
  }
  unsigned depth = 0;
  while (i < b.size()) {
    const char c = b[i];
    if (c == '"') {
      if (!json_string(b, i, nullptr, 0, len, fits)) return false;
      continue;
    }
    ++i;
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return true;
    }
  }
  return false;
}

// application/x-www-form-urlencoded decoding ('+' is a space, %XX a byte).
bool form_decode(std::string_view v, char* out, size_t cap, size_t& len) {
  len = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    char c = v[k];
    if (c == '+') {
      c = ' ';
    } else if (c == '%' && k + 2 < v.size() && hex(v[k + 1]) >= 0 && hex(v[k + 2]) >= 0) {
      c = static_cast<char>(hex(v[k + 1]) << 4 | hex(v[k + 2]));
      k += 2;
    }
    if (len >= cap) return false;
    out[len++] = c;
  }
  return true;
}

}  // namespace

bool username_from_json(std::string_view b, std::string_view field, char* out, size_t cap,
                        size_t& len) {
  size_t i = 0;
  skip_ws(b, i);
  if (i >= b.size() || b[i] != '{') return false;
  ++i;
  // The last occurrence of the field counts, as JSON parsers (and the server) read it;
  // a body cut short (the capture bound) gives what was seen by then.
  char key[72];
  bool found = false;
  while (true) {
    skip_ws(b, i);
    if (i >= b.size() || b[i] != '"') return found;
    size_t key_len = 0;
    bool key_fits = true;
    if (!json_string(b, i, key, sizeof key, key_len, key_fits)) return false;
    skip_ws(b, i);
    if (i >= b.size() || b[i] != ':') return found;
    ++i;
    skip_ws(b, i);
    if (i >= b.size()) return found;
    if (key_fits && std::string_view(key, key_len) == field) {
      bool fits = true;
      size_t n = 0;
      found = b[i] == '"' && json_string(b, i, out, cap, n, fits) && fits;  // a later non-string
      if (found) len = n;                                                   // value: none
      if (!found && !skip_value(b, i)) return false;
    } else if (!skip_value(b, i)) {
      return found;
    }
    skip_ws(b, i);
    if (i < b.size() && b[i] == '}') return found;
    if (i >= b.size() || b[i] != ',') return found;
    ++i;
  }
}

bool username_from_form(std::string_view b, std::string_view field, char* out, size_t cap,
                        size_t& len) {
  bool found = false;
  while (!b.empty()) {
    const size_t amp = b.find('&');
    const std::string_view pair = b.substr(0, amp);
    b.remove_prefix(amp == std::string_view::npos ? b.size() : amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    // Names are encoded like values (user%6Eame is username to the server).
    char name[72];
    size_t name_len = 0;
    if (!form_decode(pair.substr(0, eq), name, sizeof name, name_len) ||
        std::string_view(name, name_len) != field)
      continue;
    found = form_decode(pair.substr(eq + 1), out, cap, len);  // the last one counts
  }
  return found;
}

}  // namespace bulwark::login_guard
