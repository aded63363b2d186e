// Feature sections: a feature's own top-level section of rule files and its own part of
// bundles, parsed, merged, compiled and loaded by the feature's code
// (rules/features/<f>/), so that the rule language's core never changes for a new
// feature. rules/features/sections.cc lists them, one line each. The dataplane's stage
// reads its section from the active bundle: bundle.sections.get<T>(kind).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::rules {

// A section's content: as parsed from rule files, and as loaded from a bundle.
struct Section {
  virtual ~Section() = default;
  std::string origin;  // "file:line" where it was given (rule files only)
};

// A problem with a bundle's section (its bytes come from another process).
struct SectionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SectionKind {
  std::string_view key;  // the top-level key in rule files, and in bundles
  // One file's section. Throws yaml::ConfigError (file and line) for what is wrong.
  std::unique_ptr<Section> (*parse)(const YAML::Node& n, const std::string& origin);
  // Another file's section of this kind into `into` (files are read in order); false and
  // `error` if the two do not go together.
  bool (*merge)(Section& into, Section& from, std::string& error);
  // Its part of the bundle.
  nlohmann::json (*compile)(const Section& s);
  // Back from the bundle, every field checked; throws SectionError.
  std::unique_ptr<Section> (*load)(const nlohmann::json& j);
};

// Every feature section (rules/features/sections.cc).
std::span<const SectionKind* const> section_kinds();

// The sections of a rule set or a bundle, by kind.
class Sections {
 public:
  const Section* find(const SectionKind& kind) const;
  template <class T>
  const T* get(const SectionKind& kind) const {
    return static_cast<const T*>(find(kind));
  }
  // Sets (or replaces) a kind's section.
  void put(const SectionKind& kind, std::shared_ptr<Section> s);
  // Reads `key`'s sections from a rule file's top level (keys of no section are left
  // alone); merges into the ones already here. Throws yaml::ConfigError.
  void parse_from(const YAML::Node& root, const std::string& origin);
  // Another file's sections into these; false and `error` if they do not combine.
  bool merge(Sections&& other, std::string& error);
  // {key: part} of every section present (bundle content), and back (SectionError).
  nlohmann::json compile() const;
  static Sections load(const nlohmann::json& j);
  // The top-level keys feature sections take in rule files.
  static std::vector<std::string> keys();

 private:
  std::vector<std::shared_ptr<Section>> by_kind_;  // by position in section_kinds()
};

}  // namespace bulwark::rules
