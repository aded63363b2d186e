// Integrity policy names (see integrity_policy.h).
#include "dataplane/api/integrity_policy.h"

#include <iterator>

#include "dataplane/api/counter_labels.h"

namespace bulwark::api {

const char* integrity_cause_name(IntegrityCause c) {
  return label_name(kIntegrityCauseNames, static_cast<unsigned>(c));
}

bool parse_integrity_cause(std::string_view name, IntegrityCause& out) {
  for (unsigned i = 0; i < kIntegrityCauseCount; ++i)
    if (name == kIntegrityCauseNames[i]) {
      out = static_cast<IntegrityCause>(i);
      return true;
    }
  return false;
}

bool parse_integrity_action(std::string_view name, IntegrityAction& out) {
  for (unsigned i = 0; i < std::size(kIntegrityActionNames); ++i)
    if (name == kIntegrityActionNames[i]) {
      out = static_cast<IntegrityAction>(i);
      return true;
    }
  return false;
}

}  // namespace bulwark::api
