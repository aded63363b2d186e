// Feature sections of rule files and bundles (see section.h).
#include "rules/lang/section.h"

#include "rules/lang/yaml_util.h"

namespace bulwark::rules {
namespace {

size_t index_of(const SectionKind& kind) {
  const auto kinds = section_kinds();
  for (size_t i = 0; i < kinds.size(); ++i)
    if (kinds[i] == &kind) return i;
  throw std::logic_error("section kind not listed in rules/features/sections.cc");
}

}  // namespace

const Section* Sections::find(const SectionKind& kind) const {
  const size_t i = index_of(kind);
  return i < by_kind_.size() ? by_kind_[i].get() : nullptr;
}

void Sections::put(const SectionKind& kind, std::shared_ptr<Section> s) {
  const size_t i = index_of(kind);
  if (by_kind_.size() <= i) by_kind_.resize(section_kinds().size());
  by_kind_[i] = std::move(s);
}

void Sections::parse_from(const YAML::Node& root, const std::string& origin) {
  for (const SectionKind* kind : section_kinds()) {
    const YAML::Node n = root[std::string(kind->key)];
    if (!n) continue;
    put(*kind, kind->parse(n, origin));
  }
}

bool Sections::merge(Sections&& other, std::string& error) {
  const auto kinds = section_kinds();
  for (size_t i = 0; i < other.by_kind_.size(); ++i) {
    if (!other.by_kind_[i]) continue;
    if (i >= by_kind_.size() || !by_kind_[i]) {
      put(*kinds[i], std::move(other.by_kind_[i]));
    } else if (!kinds[i]->merge(*by_kind_[i], *other.by_kind_[i], error)) {
      return false;
    }
  }
  return true;
}

nlohmann::json Sections::compile() const {
  nlohmann::json out = nlohmann::json::object();
  const auto kinds = section_kinds();
  for (size_t i = 0; i < by_kind_.size(); ++i)
    if (by_kind_[i]) out[std::string(kinds[i]->key)] = kinds[i]->compile(*by_kind_[i]);
  return out;
}

Sections Sections::load(const nlohmann::json& j) {
  Sections out;
  if (!j.is_object()) throw SectionError("'sections' is not a map");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const SectionKind* found = nullptr;
    for (const SectionKind* kind : section_kinds())
      if (kind->key == it.key()) found = kind;
    if (found == nullptr)
      throw SectionError("section '" + it.key() + "' is unknown to this dataplane");
    try {
      out.put(*found, found->load(it.value()));
    } catch (const SectionError& e) {
      throw SectionError("section '" + it.key() + "': " + e.what());
    }
  }
  return out;
}

std::vector<std::string> Sections::keys() {
  std::vector<std::string> out;
  for (const SectionKind* kind : section_kinds()) out.emplace_back(kind->key);
  return out;
}

}  // namespace bulwark::rules
