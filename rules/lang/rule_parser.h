// Reads Bulwark rule files (YAML). Every error names the file, the line and the reason;
// a file with any error yields no rules at all (never a half-loaded set).
//
//   rules:
//     - id: 1001                      # unique, 1..2^32-1
//       name: curl user agent
//       description: optional text
//       action: respond               # block | respond | log
//       mode: enforce                 # enforce | monitor
//       respond: {status: 403, headers: {Content-Type: text/plain}, body: "denied\n"}
//       match:                        # a condition:
//         all:                        #   all: [...] / any: [...] / not: {...} / a leaf
//           - {field: user_agent, prefix: "curl/", nocase: true}
//           - {field: header, name: X-Api-Key, exists: false}
//           - {field: client_ip, in: [198.18.0.0/15]}
//           - {field: body, length: {gt: 100000}}
//       tests: {hit: ["GET / HTTP/1.1\r\n..."], miss: ["..."]}
//
// Leaf operators: contains, prefix, suffix, equals, regex (with nocase), length
// ({lt|le|gt|ge|eq|ne: N}), exists (true/false), in (client_ip prefixes).
#pragma once

#include <optional>
#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {

// Parses one file's text; `origin` is the file name used in messages.
std::optional<RuleSet> parse_rules_yaml(const std::string& text, const std::string& origin,
                                        std::string& error);
// Reads and parses several files into one set; rule ids must be unique across them.
// Files ending in ".rules" are Suricata rules (suricata_import.h), others YAML.
std::optional<RuleSet> load_rule_files(const std::vector<std::string>& paths, std::string& error);

}  // namespace bulwark::rules
