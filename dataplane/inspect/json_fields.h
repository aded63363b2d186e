// Writes the text of a small JSON object into a fixed buffer, without allocating: what a
// stage puts in a feature event's `extra` (EventDetail) on the packet path. Strings are
// escaped (bytes outside printable ASCII as \u00XX, so the text is
// valid JSON whatever the traffic held); a field that does not fit is left out whole and the object
// stays valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace bulwark::inspect {

class JsonFields {
 public:
  JsonFields(char* buf, size_t cap) : buf_(buf), cap_(cap) { close(); }
  JsonFields& add(std::string_view key, std::string_view value) {
    const size_t start = len_;
    if (open_field(key) && put('"') && escaped(value) && put('"')) return close();
    len_ = start;  // did not fit: the field is left out
    return close();
  }
  JsonFields& add(std::string_view key, uint64_t value) {
    const size_t start = len_;
    char num[24];
    const int n = std::snprintf(num, sizeof num, "%llu", static_cast<unsigned long long>(value));
    if (open_field(key) && raw(std::string_view(num, static_cast<size_t>(n)))) return close();
    len_ = start;
    return close();
  }
  const char* c_str() const { return buf_; }

 private:
  bool put(char c) {
    if (len_ + 2 >= cap_) return false;  // room for "}" and NUL always kept
    buf_[len_++] = c;
    return true;
  }
  bool raw(std::string_view s) {
    for (char c : s)
      if (!put(c)) return false;
    return true;
  }
  bool open_field(std::string_view key) {
    return (len_ == 0 ? put('{') : put(',')) && put('"') && escaped(key) && put('"') && put(':');
  }
  bool escaped(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : s) {
      bool ok;
      if (c == '"' || c == '\\')
        ok = put('\\') && put(static_cast<char>(c));
      else if (c < 0x20 || c >= 0x7f)  // control and non-ASCII bytes: \u00XX (valid JSON)
        ok =
            put('\\') && put('u') && put('0') && put('0') && put(kHex[c >> 4]) && put(kHex[c & 15]);
      else
        ok = put(static_cast<char>(c));
      if (!ok) return false;
    }
    return true;
  }
  JsonFields& close() {
    if (len_ == 0) {
      buf_[0] = '{';
      buf_[1] = '}';
      buf_[2] = '\0';
      return *this;
    }
    buf_[len_] = '}';
    buf_[len_ + 1] = '\0';
    return *this;
  }

  char* buf_;
  size_t cap_;
  size_t len_ = 0;
};

}  // namespace bulwark::inspect
