// The rule set workers evaluate: a loaded bundle, each stage's part of it (e.g. one
// signature matcher per worker, each owning its Hyperscan scratch; see stage.h
// `prepare`), each respond rule's complete HTTP response and the decoy answers, all
// prepared off the workers. Published to workers through an atomic pointer and retired
// with RCU (rte_rcu_qsbr) by the main lcore; workers only read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/inspect/stage.h"
#include "rules/lang/bundle.h"

namespace bulwark::inspect {

class FeatureSet;

// Request bodies scanned at once per worker (body streams of a rule set, and what a
// client's share of them is taken of): one per session, at most 4096.
inline uint32_t body_slots_per_worker(uint32_t sessions) {
  return sessions < 4096 ? sessions : 4096;
}

struct ActiveRules {
  uint64_t generation = 0;  // changes with every load; sessions remember theirs
  std::unique_ptr<rules::Bundle> bundle;
  std::vector<std::unique_ptr<RulesPart>> parts;  // [stage index]: the stages' parts
  std::vector<std::string> responses;             // [rule]: wire bytes (respond rules)
  // Decoy answers of decisions: [0] credential stuffing, [1 + i] enumeration entry i
  // (wire bytes and status; empty unless the policy's action is decoy).
  std::vector<std::string> decoys;
  std::vector<uint16_t> decoy_status;

  // The part of the stage at `index` (T: its type; nullptr if it has none).
  template <class T>
  T* part(unsigned index) const {
    return index < parts.size() ? static_cast<T*>(parts[index].get()) : nullptr;
  }

  // Loads a bundle file and prepares it for `workers` workers, each with a pool of
  // `body_streams` open body-scanning streams, and the stages of `features` (if given).
  // nullptr and `error` on failure (nothing is half-made).
  static std::unique_ptr<ActiveRules> load(const std::string& path, unsigned workers,
                                           unsigned body_streams, uint64_t generation,
                                           std::string& error, FeatureSet* features = nullptr);
  // The same from bundle bytes (pushed by bulwark-control); `origin` names them in errors.
  static std::unique_ptr<ActiveRules> load(const uint8_t* data, size_t size,
                                           const std::string& origin, unsigned workers,
                                           unsigned body_streams, uint64_t generation,
                                           std::string& error, FeatureSet* features = nullptr);

 private:
  static std::unique_ptr<ActiveRules> prepare(std::unique_ptr<rules::Bundle> bundle,
                                              const std::string& origin, unsigned workers,
                                              unsigned body_streams, uint64_t generation,
                                              std::string& error, FeatureSet* features);
};

// "HTTP/1.1 403 Forbidden\r\n...Connection: close\r\n\r\nbody"
std::string http_response_bytes(uint16_t status,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body);
std::string http_response_bytes(const rules::CompiledRule& r);

}  // namespace bulwark::inspect
