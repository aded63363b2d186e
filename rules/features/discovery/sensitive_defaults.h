// The sensitive-data classes the appliance looks for in responses unless a rule file's
// `discovery.sensitive_data` says otherwise: e-mail addresses, phone numbers, payment
// cards (Luhn), US SSNs, IBANs (mod 97), JWTs, cloud API keys and dates of birth in JSON
// fields. Each pattern is a Hyperscan expression compiled in streaming mode; a
// validator reads the text before each match's end and finds where the value starts.
#pragma once

#include <vector>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::discovery {

std::vector<rules::SensitiveClass> default_sensitive_classes();

}  // namespace bulwark::rules::discovery
