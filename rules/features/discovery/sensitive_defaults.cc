// Built-in sensitive-data classes (see sensitive_defaults.h). The patterns look for
// the shape; the validators (dataplane/discover/sensitive_validators.h) confirm it, so
// a pattern can stay loose without counting order numbers as cards.
#include "rules/features/discovery/sensitive_defaults.h"

namespace bulwark::rules::discovery {

std::vector<rules::SensitiveClass> default_sensitive_classes() {
  using rules::discovery::Validator;
  return {
      {"email",
       Validator::none,
       // The character after the address is part of the match: an address has one end
       // (mail.example.co.uk must not count at .example and .co too); a full stop after it
       // ends a sentence, and so does the end of the body.
       {{R"([A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63}){0,4}\.[A-Za-z]{2,24}([^A-Za-z0-9.\-]|\.[^A-Za-z0-9]|\z))",
         false}},
       "built-in"},
      // International (+country ...) and North American ((555) 010-1234) forms; the
      // validator wants 8 to 15 digits in all.
      {"phone",
       Validator::phone,
       {{R"(\+[1-9][0-9 .\-()]{6,22}[0-9]\b)", false}, {R"(\(\d{3}\) ?\d{3}[ .\-]\d{4}\b)", false}},
       "built-in"},
      // Cards written as one number, in groups of four (16 digits), or as American
      // Express prints them (4-6-5).
      {"card",
       Validator::luhn,
       {{R"(\b[2-6][0-9]{12,18}\b)", false},
        {R"(\b[2-6][0-9]{3}([ \-][0-9]{4}){3}\b)", false},
        {R"(\b3[47][0-9]{2}[ \-][0-9]{6}[ \-][0-9]{5}\b)", false}},
       "built-in"},
      {"ssn", Validator::ssn, {{R"(\b\d{3}-\d{2}-\d{4}\b)", false}}, "built-in"},
      // Compact, or in groups of four as printed.
      {"iban",
       Validator::iban,
       {{R"(\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\b)", false},
        {R"(\b[A-Z]{2}[0-9]{2}( [A-Z0-9]{4}){2,7}( [A-Z0-9]{1,3})?\b)", false}},
       "built-in"},
      {"jwt",
       Validator::none,
       {{R"(\beyJ[A-Za-z0-9_\-]{6,}\.eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{16,})", false}},
       "built-in"},
      // AWS access key ids, GitHub tokens, Google API keys, Stripe live secret keys,
      // Slack tokens.
      {"cloud_key",
       Validator::none,
       {{R"(\b(AKIA|ASIA)[A-Z0-9]{16}\b)", false},
        {R"(\bgh[pousr]_[A-Za-z0-9]{36}\b)", false},
        {R"(\bAIza[0-9A-Za-z_\-]{35}\b)", false},
        {R"(\b[sr]k_live_[0-9A-Za-z]{24,99}\b)", false},
        {R"(\bxox[abpr]-[0-9A-Za-z\-]{10,48}\b)", false}},
       "built-in"},
      {"dob",
       Validator::date,
       {{R"re("(dob|date_?of_?birth|birth_?date|birthday)"\s*:\s*"\d{4}-\d{2}-\d{2})re", true}},
       "built-in"},
  };
}

}  // namespace bulwark::rules::discovery
