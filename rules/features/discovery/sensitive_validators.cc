// Validators for sensitive-data matches (see sensitive_validators.h).
#include "rules/features/discovery/sensitive_validators.h"

#include <array>

namespace bulwark::rules::discovery {

namespace {

constexpr std::array<const char*, static_cast<size_t>(Validator::count_)> kNames = {
    "none", "luhn", "iban", "ssn", "phone", "date"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Lengths of IBANs by country (ISO 13616 registry, the common ones); a country not listed
// is accepted at any length from 15 to 34 if its checksum holds.
struct IbanLength {
  char cc[3];
  uint8_t len;
};
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BR", 29},
    {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24},
    {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22},
    {"IL", 23}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
    {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
    {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26}, {"UA", 29}};

}  // namespace

const char* validator_name(Validator v) {
  return v < Validator::count_ ? kNames[static_cast<size_t>(v)] : "unknown";
}

bool validator_of(std::string_view name, Validator& out) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) {
      out = static_cast<Validator>(i);
      return true;
    }
  return false;
}

bool luhn_ok(std::string_view text) {
  char digits[19];
  size_t n = 0;
  for (char c : text) {
    if (is_digit(c)) {
      if (n == sizeof digits) return false;
      digits[n++] = c;
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  if (n < 13 || digits[0] < '2' || digits[0] > '6') return false;
  unsigned sum = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned d = static_cast<unsigned>(digits[n - 1 - i] - '0');
    if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

bool iban_ok(std::string_view text) {
  char s[34];
  size_t n = 0;
  for (char c : text) {
    if (c == ' ') continue;
    if (n == sizeof s) return false;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!is_digit(c) && (c < 'A' || c > 'Z')) return false;
    s[n++] = c;
  }
  if (n < 15 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || !is_digit(s[2]) ||
      !is_digit(s[3]))
    return false;
  for (const IbanLength& l : kIbanLengths)
    if (l.cc[0] == s[0] && l.cc[1] == s[1] && l.len != n) return false;
  // Move the first four characters to the end, letters as 10..35, the number mod 97.
  unsigned rem = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = s[(k + 4) % n];
    if (is_digit(c))
      rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
    else
      rem = (rem * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
  }
  return rem == 1;
}

bool ssn_ok(std::string_view text) {
  char d[9];
  size_t n = 0;
  for (char c : text) {
    if (is_digit(c)) {
      if (n == sizeof d) return false;
      d[n++] = c;
    } else if (c != '-' && c != ' ') {
      return false;
    }
  }
  if (n != 9) return false;
  const unsigned area =
      static_cast<unsigned>((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
  const bool group_zero = d[3] == '0' && d[4] == '0';
  const bool serial_zero = d[5] == '0' && d[6] == '0' && d[7] == '0' && d[8] == '0';
  return area != 0 && area != 666 && area < 900 && !group_zero && !serial_zero;
}

bool phone_ok(std::string_view text) {
  unsigned n = 0;
  for (char c : text) n += is_digit(c) ? 1 : 0;
  return n >= 8 && n <= 15;
}

bool date_ok(std::string_view text) {
  if (text.size() < 10) return false;
  const std::string_view d = text.substr(text.size() - 10);
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(d[i])) return false;
  if (d[4] != '-' || d[7] != '-') return false;
  const int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

namespace {

bool in_set(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The leftmost candidate that passes: the run of `chars` ending the window (at most `max`
// long), tried from each position where a value starts (`starts`: a character of the
// first kind, with no letter or digit just before it).
template <typename StartOk>
size_t leftmost_valid(Validator v, std::string_view w, std::string_view chars, size_t max,
                      StartOk starts) {
  size_t from = w.size();
  while (from > 0 && w.size() - from < max && in_set(w[from - 1], chars)) --from;
  for (size_t p = from; p < w.size(); ++p) {
    if (!starts(w[p]) || (p > 0 && is_alnum(w[p - 1]))) continue;
    if (validate(v, w.substr(p))) return w.size() - p;
  }
  return 0;
}

}  // namespace

size_t valid_length(Validator v, std::string_view w) {
  switch (v) {
    case Validator::none: return 0;
    case Validator::luhn:
      return leftmost_valid(v, w, "0123456789 -", 23, [](char c) { return is_digit(c); });
    case Validator::iban:
      return leftmost_valid(v, w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", 42,
                            [](char c) { return c >= 'A' && c <= 'Z'; });
    case Validator::ssn:
      return leftmost_valid(v, w, "0123456789-", 11, [](char c) { return is_digit(c); });
    case Validator::phone:
      return leftmost_valid(v, w, "0123456789 .-()+", 26,
                            [](char c) { return c == '+' || c == '('; });
    case Validator::date: return w.size() >= 10 && date_ok(w.substr(w.size() - 10)) ? 10 : 0;
    case Validator::count_: break;
  }
  return 0;
}

bool validate(Validator v, std::string_view text) {
  switch (v) {
    case Validator::none: return true;
    case Validator::luhn: return luhn_ok(text);
    case Validator::iban: return iban_ok(text);
    case Validator::ssn: return ssn_ok(text);
    case Validator::phone: return phone_ok(text);
    case Validator::date: return date_ok(text);
    case Validator::count_: break;
  }
  return false;
}

}  // namespace bulwark::rules::discovery
