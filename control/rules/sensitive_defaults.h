// The sensitive-data classes the appliance looks for in responses unless a rule file's
// `discovery.sensitive_data` says otherwise: e-mail addresses, phone numbers, payment
// cards (Luhn), US SSNs, IBANs (mod 97), JWTs, cloud API keys and dates of birth in JSON
// fields. Each pattern is a Hyperscan expression compiled in streaming mode with
// leftmost start of match, so a validator can read the whole matched text.
#pragma once

#include <vector>

#include "control/rules/rule_model.h"

namespace bulwark::rules {

std::vector<SensitiveClass> default_sensitive_classes();

}  // namespace bulwark::rules
