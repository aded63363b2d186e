// A compiled rule bundle as the dataplane holds it: rule table, flattened condition
// trees, leaf tests, and one Hyperscan database per request field (block mode; the body
// database is a streaming one). Built from bundle bytes (the file `bulwark-rules
// compile` writes) off the worker cores; read-only afterwards, shared by all workers.
//
// File format: CBOR (nlohmann-json) map {format: 1, version, sha256, content}, where
// `content` is CBOR bytes of {rules, nodes, leaves, dbs} and sha256 is its SHA-256 hex.
// Every index and size is validated on load: a bundle is input from another process.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {

inline constexpr uint32_t kBundleFormat = 1;
inline constexpr uint32_t kNoDb = UINT32_MAX;

struct Leaf {
  Field field;
  std::string arg;  // header names lower-cased; query parameter and cookie names as given
  Op op;
  bool nocase;
  Cmp cmp;
  uint64_t number;
  bool want;
  std::vector<std::pair<std::vector<uint8_t>, unsigned>> prefixes;
  uint32_t db;  // pattern leaves: which database holds the pattern (id = leaf index)
};

struct Node {
  rules::Condition::Kind kind;
  uint32_t leaf;                   // leaf nodes
  std::vector<uint32_t> children;  // node indices
};

struct CompiledRule {
  uint32_t id;
  std::string name;
  Action action;
  Mode mode;
  uint16_t status;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t root;    // node index
  bool needs_body;  // has a body test: decided at the end of the request
  bool gated;       // cannot match unless one of its pattern leaves matched
  bool tls;         // tests ja3/ja4: decided on the TLS ClientHello, not on HTTP requests
  bool is_limit;    // a rate limit: its condition selects the requests it counts
  rules::LimitSpec limit;
  uint32_t limit_index;  // among the bundle's limits (stats slot), if is_limit
};

struct HsDatabaseFree {
  void operator()(hs_database_t* d) const { hs_free_database(d); }
};

struct FieldDb {
  Field field;
  std::string arg;
  bool stream;
  std::unique_ptr<hs_database_t, HsDatabaseFree> db;
};

// API discovery (rules::DiscoveryPolicy as loaded): the sensitive-data classes and
// their streaming database (pattern id -> class), and the extraction policy.
struct Discovery {
  bool enabled = false;
  bool scan = false;
  uint64_t max_scan_bytes = 0;
  std::vector<std::string> class_names;
  std::vector<rules::discovery::Validator> class_validator;  // [class]
  std::vector<uint8_t> pattern_class;                        // [pattern id]
  std::unique_ptr<hs_database_t, HsDatabaseFree> db;         // none if scanning is off
  rules::ExtractionPolicy extraction;
  uint8_t key_parts = 0;  // the key part extraction counts by
};
struct Bundle {
  uint64_t version = 0;
  std::string sha256;  // hex of the content
  std::vector<CompiledRule> rules;
  std::vector<Node> nodes;
  std::vector<Leaf> leaves;
  std::vector<FieldDb> dbs;
  std::vector<std::vector<uint32_t>> rules_of_leaf;  // derived on load
  std::vector<uint32_t> ungated;                     // head rules evaluated for every request
  std::vector<uint32_t> ungated_body;                // body rules evaluated at every request's end
  std::vector<uint32_t> body_rule_head_leaves;       // non-body leaves that body rules use
  uint32_t body_db = kNoDb;                          // index into dbs, if any body test
  uint32_t limit_count = 0;                          // rate limits among the rules
  uint8_t limit_parts = 0;                           // every key part some limit uses
  uint8_t object_parts = 0;                          // ... some enumeration entry uses
  rules::IdentityPolicy identity;                    // how clients are identified
  std::vector<rules::LoginEndpoint> logins;          // login endpoints watched
  rules::StuffingPolicy stuffing;                    // credential-stuffing detection
  std::vector<rules::ObjectPolicy> objects;          // enumeration detection
  rules::ChallengePolicy challenge;                  // proof of work and clearance lifetime
  rules::ConsistencyPolicy consistency;              // browser-claim consistency scoring
  Discovery discovery;                               // API inventory and sensitive data
  rules::Sections sections;                          // the feature sections (section.h)
  bool challenges = false;  // some enforced rule, limit or policy may challenge (derived)

  // Parses and validates bundle bytes. nullptr and `error` on any problem.
  static std::unique_ptr<Bundle> load(const uint8_t* data, size_t len, std::string& error);
  static std::unique_ptr<Bundle> load_file(const std::string& path, std::string& error);
};

std::string sha256_hex(const uint8_t* data, size_t len);

}  // namespace bulwark::rules
