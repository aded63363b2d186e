// Shared by the unit tests of rule-file sections: a YAML text through the parser, the
// compiler and the bundle loader, as bulwark-rules and the dataplane take it.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

namespace bulwark::test {

// The loaded bundle of `yaml` (file name t.yaml); the test stops if any step fails.
inline std::unique_ptr<rules::Bundle> bundle_of(const std::string& yaml, uint64_t version = 1) {
  std::string error;
  auto set = rules::parse_rules_yaml(yaml, "t.yaml", error);
  BOOST_TEST_REQUIRE(set.has_value(), error);
  auto bytes = rules::compile_bundle(*set, version, error);
  BOOST_TEST_REQUIRE(bytes.has_value(), error);
  auto b = rules::Bundle::load(bytes->data(), bytes->size(), error);
  BOOST_TEST_REQUIRE(b != nullptr, error);
  return b;
}

// The error parsing or compiling `yaml` gives ("" if none).
inline std::string error_of(const std::string& yaml) {
  std::string error;
  auto set = rules::parse_rules_yaml(yaml, "t.yaml", error);
  if (set) rules::compile_bundle(*set, 1, error);
  return error;
}

}  // namespace bulwark::test
