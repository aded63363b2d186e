// Behavioural decisions made on the main lcore (credential stuffing, enumeration): who
// is decided against, until when, and how; enforced ones become block-list entries that
// every worker reads (see block_set.h). Ids start at 2^40, above any operator entry.
// Owner: the main lcore (not thread-safe).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rules/lang/rule_model.h"

namespace bulwark::identity {
struct ClientIdentity;
}  // namespace bulwark::identity

namespace bulwark::inspect {

// What a decision is about: kind (0 address, 1 prefix, 2 fingerprint, 3 user agent,
// 4 API key, 5 username, 6 session cookie), length (4 or 16 for addresses), then 16 bytes of value.
using DecisionKey = std::array<uint8_t, 18>;

// splitmix64's finaliser: spreads structured values (addresses, counters) over all bits.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Every byte counts: IPv6 addresses of one /64 share their first 8.
struct DecisionKeyHash {
  size_t operator()(const DecisionKey& k) const {
    uint64_t a = 0, b = 0;
    for (int i = 0; i < 8; ++i) {
      a = a << 8 | k[2 + i];
      b = b << 8 | k[10 + i];
    }
    return static_cast<size_t>(mix64(a ^ mix64(b ^ (uint64_t{k[0]} << 8 | k[1]))));
  }
};

// The client key `key` of a request's client as a decision key, with the prefix length
// for addresses and a text for events (at most `cap` bytes with its NUL). false if the
// client has no such key here (e.g. no API key).
bool client_key(const identity::ClientIdentity& id, rules::KeyPart key, DecisionKey& out,
                uint8_t& bits, char* text, size_t cap);

struct Decision {
  uint64_t id = 0;
  std::string policy, check, text;
  DecisionKey key{};
  uint8_t bits = 0;  // addresses: prefix length
  rules::Action action = rules::Action::block;
  uint16_t decoy = 0;  // action decoy: which answer (inspect::ActiveRules::decoys)
  uint64_t expires_unix = 0;
  bool enforced = false;  // in the block list (enforce mode; never for usernames)
};

class DecisionList {
 public:
  // Ids from `first_id` (each detector its own range: ids name block-list entries).
  explicit DecisionList(uint64_t first_id = uint64_t{1} << 40) : next_id_(first_id) {}
  static constexpr size_t kMax = 10000;  // per detector; more are counted as dropped

  // Adds a decision unless one holds for the same key (or the list is full); returns it,
  // or nullptr.
  const Decision* add(Decision d);
  // Drops the ones that ran out. True if an enforced one did.
  bool expire(uint64_t now_unix);
  // True once after the enforced set changed.
  bool take_changed() {
    const bool c = changed_;
    changed_ = false;
    return c;
  }
  nlohmann::json block_entries() const;
  size_t active() const { return list_.size(); }
  uint64_t made() const { return made_; }
  uint64_t dropped() const { return dropped_; }
  // Drops every decision (the policy was turned off or to monitor mode).
  void clear() {
    for (const Decision& d : list_) changed_ = changed_ || d.enforced;
    list_.clear();
  }

 private:
  std::vector<Decision> list_;
  uint64_t next_id_;
  uint64_t made_ = 0, dropped_ = 0;
  bool changed_ = false;
};

}  // namespace bulwark::inspect
