// Every feature section of rule files and bundles (rules/lang/section.h), one line each:
// a feature with its own section adds its kind here.
#include "rules/lang/section.h"

namespace bulwark::rules {

std::span<const SectionKind* const> section_kinds() {
  return {};  // none yet
}

}  // namespace bulwark::rules
