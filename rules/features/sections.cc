// Every feature section of rule files and bundles (rules/lang/section.h), one line each:
// a feature with its own section adds its kind here.
#include "rules/features/method_allowlist/method_allowlist_section.h"
#include "rules/lang/section.h"

namespace bulwark::rules {

std::span<const SectionKind* const> section_kinds() {
  static const SectionKind* const kKinds[] = {
      &method_allowlist::kSection,
  };
  return kKinds;
}

}  // namespace bulwark::rules
