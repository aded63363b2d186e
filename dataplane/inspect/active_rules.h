// The rule set workers evaluate: a loaded bundle, one matcher per worker (each owns its
// Hyperscan scratch) and each respond rule's complete HTTP response, prepared off the
// workers. Published to workers through an atomic pointer and retired with RCU
// (rte_rcu_qsbr) by the main lcore; workers only read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/features/signatures/matcher.h"
#include "rules/lang/bundle.h"

namespace bulwark::inspect {

struct ActiveRules {
  uint64_t generation = 0;  // changes with every load; sessions remember theirs
  std::unique_ptr<rules::Bundle> bundle;
  std::vector<std::unique_ptr<signatures::Matcher>> matchers;          // [worker]
  std::vector<std::unique_ptr<discovery::SensitiveScanner>> scanners;  // [worker]: responses
  std::vector<std::string> responses;  // [rule]: wire bytes (respond rules)
  // Decoy answers of decisions: [0] credential stuffing, [1 + i] enumeration entry i
  // (wire bytes and status; empty unless the policy's action is decoy).
  std::vector<std::string> decoys;
  std::vector<uint16_t> decoy_status;

  // Loads a bundle file and prepares it for `workers` workers, each with a pool of
  // `body_streams` open body-scanning streams. nullptr and `error` on failure (nothing
  // is half-made).
  static std::unique_ptr<ActiveRules> load(const std::string& path, unsigned workers,
                                           unsigned body_streams, uint64_t generation,
                                           std::string& error);
  // The same from bundle bytes (pushed by bulwark-control); `origin` names them in errors.
  static std::unique_ptr<ActiveRules> load(const uint8_t* data, size_t size,
                                           const std::string& origin, unsigned workers,
                                           unsigned body_streams, uint64_t generation,
                                           std::string& error);

 private:
  static std::unique_ptr<ActiveRules> prepare(std::unique_ptr<rules::Bundle> bundle,
                                              const std::string& origin, unsigned workers,
                                              unsigned body_streams, uint64_t generation,
                                              std::string& error);
};

// "HTTP/1.1 403 Forbidden\r\n...Connection: close\r\n\r\nbody"
std::string http_response_bytes(uint16_t status,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body);
std::string http_response_bytes(const rules::CompiledRule& r);

}  // namespace bulwark::inspect
