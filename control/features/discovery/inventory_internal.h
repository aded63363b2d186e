// Internals shared by the inventory's source files: the per-host segment trie that learns
// high-cardinality path positions, the per-host store, and small JSON helpers.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "control/features/discovery/inventory.h"

namespace bulwark::control::discovery {

inline constexpr char kParam[] = "{id}";

// One path position under one prefix. Literal children are keyed by their text; "{id}"
// is the child every value goes to once the position is learned as a parameter
// (collapsed), or when the dataplane already templated it.
struct Inventory::Node {
  std::map<std::string, std::unique_ptr<Node>> children;
  bool collapsed = false;
};

struct Inventory::Host {
  Node root;
  size_t nodes = 0;
  // (path, method) -> endpoint: iterates sorted by path, then method.
  std::map<std::pair<std::string, std::string>, Endpoint> endpoints;
  uint64_t overflow_requests = 0;
};

inline uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

// A non-negative integer (any JSON number kind, saturated; anything else is 0).
uint64_t u64_value(const nlohmann::json& j);
// A non-negative integer field (numbers of any JSON kind; anything else is 0).
uint64_t get_u64(const nlohmann::json& j, const char* key);
// A string field of at most `max` bytes, else "".
std::string get_str(const nlohmann::json& j, const char* key, size_t max);
// Printable, bounded names (query parameters, media types, classes).
bool valid_name(const std::string& s, size_t max);

extern const char* const kStatusKeys[6];
extern const char* const kAuthKeys[4];

}  // namespace bulwark::control::discovery
