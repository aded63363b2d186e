// Checks that turn a pattern match into a finding: a 16-digit number is a payment card
// only if its Luhn digit is right, an IBAN only if its mod-97 checksum is, and so on.
// They run on the packet path (in the Hyperscan match callback) on the matched text,
// which may contain separators; nothing here allocates.
#pragma once

#include <cstdint>
#include <string_view>

namespace bulwark::rules::discovery {

enum class Validator : uint8_t {
  none = 0,
  luhn,   // payment cards: 13..19 digits, issuer digit 2..6, Luhn check digit
  iban,   // ISO 13616: country, check digits, mod 97 == 1, length of the country
  ssn,    // US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000
  phone,  // 8..15 digits in all (E.164)
  date,   // the last 10 characters are YYYY-MM-DD with a real month and day
  count_
};

const char* validator_name(Validator v);
// false if `name` is not a validator's name.
bool validator_of(std::string_view name, Validator& out);

// True if `text` (the whole match, separators included) passes the check.
bool validate(Validator v, std::string_view text);

// The same for a match known only by its end: `window` holds the bytes before the end of
// the match (at most 64). Finds where a value of this kind can start (after a
// separator, for the class's characters) and returns the length of the first such
// candidate, leftmost first, that passes; 0 if none does. Hyperscan reports where a
// match starts only at a large cost (leftmost start-of-match tracking halves its
// speed here), so the validators find the start themselves.
size_t valid_length(Validator v, std::string_view window);

bool luhn_ok(std::string_view text);   // digits with spaces or dashes between them
bool iban_ok(std::string_view text);   // spaces between groups allowed
bool ssn_ok(std::string_view text);    // ddd-dd-dddd (or nine digits)
bool phone_ok(std::string_view text);  // any separators
bool date_ok(std::string_view text);

}  // namespace bulwark::rules::discovery
