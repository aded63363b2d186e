// Manual block list of bulwark-control: client addresses, prefixes, TLS fingerprints
// and API keys an operator blocks (`bulwarkctl block add|list|remove`), each with an
// optional expiry. Kept in the state directory (blocklist.json, written through a
// temporary file and rename) so it survives restarts of bulwark-control, and pushed to
// the dataplane as a whole (op "blocklist") on every change and whenever the dataplane
// reports another list (after its restart). API keys are stored only as SHA-256 hex.
// Not thread-safe: the controller serialises access.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::control::blocklist {

struct BlockEntry {
  uint64_t id = 0;
  std::string kind;   // ip | prefix | fingerprint | api_key
  std::string value;  // canonical: address text, "net/bits", the fingerprint, SHA-256 hex
  std::string action = "block";  // block (reset) | respond (403 with a JSON body) | challenge
  uint64_t expires_unix = 0;     // 0: never
  uint64_t added_unix = 0;
  std::string user, comment;
};

class BlockList {
 public:
  static constexpr uint64_t kMaxTtlSeconds = 10ull * 366 * 86400;
  static constexpr size_t kMaxEntries = 100000;  // what the dataplane takes from the operator
  // Reads `path` if it exists. false and `error` if it exists and is not a valid list.
  bool load(const std::string& path, std::string& error);
  // Validates and canonicalises a new entry (kind and value as the operator gave them;
  // an api_key given in clear is hashed here). Returns the entry with its id, or
  // nullopt and `error`. Saved before it returns.
  std::optional<BlockEntry> add(const std::string& kind, const std::string& value,
                                const std::string& action, uint64_t ttl_seconds,
                                const std::string& user, const std::string& comment,
                                uint64_t now_unix, std::string& error);
  // false if there is no such entry.
  bool remove(uint64_t id, std::string& error);
  // Drops entries that expired; true if any did (then saved).
  bool expire(uint64_t now_unix);
  const std::vector<BlockEntry>& entries() const { return entries_; }
  nlohmann::json to_json() const;
  // The dataplane message: {op: blocklist, sha256, entries: [{id, kind, addr/bits |
  // digest, action, expires_unix}]}.
  nlohmann::json message() const;
  // Identifies the list's content (what the dataplane echoes in its hello).
  std::string sha256() const;

 private:
  bool save(std::string& error) const;
  std::string path_;
  std::vector<BlockEntry> entries_;
  uint64_t next_id_ = 1;
};

// Canonical value of an entry, or nullopt and `error` ("198.18.0.0/15" for a prefix,
// lower-case hex for hashes).
std::optional<std::string> canonical_block_value(const std::string& kind, const std::string& value,
                                                 std::string& error);

}  // namespace bulwark::control::blocklist
