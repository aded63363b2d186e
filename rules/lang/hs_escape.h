// A literal byte string as a Hyperscan expression: every byte that is not alphanumeric
// written as \xHH, so no byte is taken for regex syntax.
#pragma once

#include <string>

namespace bulwark::rules {

inline std::string hs_escape(const std::string& s) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace bulwark::rules
