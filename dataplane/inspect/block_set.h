// The block list as workers read it: built off the workers from bulwark-control's
// "blocklist" message (every field validated: it is input from another process), then
// read-only and swapped in with RCU like a rule set. Addresses and prefixes are looked
// up per distinct prefix length (an rte_hash of masked addresses), API keys and TLS
// fingerprints by their 128-bit digest, so a lookup costs a few hash probes whatever
// the size of the list. Entries carry a TSC deadline: an expired entry no longer
// matches even before bulwark-control pushes the list without it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataplane/identity/client_identity.h"

struct rte_hash;

namespace bulwark::inspect {

enum class BlockKind : uint8_t { address = 0, fingerprint, api_key, user_agent, session, count_ };
inline constexpr size_t kMaxBlockEntries = 100000;  // the operator's list
// ... plus decisions: each detector holds at most 10000 (decision_list.h), and a dataplane
// runs at most kMaxDetectors of them (DetectorHub::start refuses more).
inline constexpr size_t kMaxDetectors = 4;
inline constexpr size_t kMaxBlockSetEntries = kMaxBlockEntries + kMaxDetectors * 10000;
inline constexpr size_t kMaxKnownFingerprints = 10000;  // login guard (stuffing_detector.h)

// What an entry does: reset; answer 403; challenge (HTTP requests without a valid
// clearance; TLS connections, which cannot be answered, pass).
// decoy: a policy's plausible success answer (HTTP requests; TLS connections pass).
enum class BlockAction : uint8_t { block = 0, respond, challenge, decoy };

struct BlockMatch {
  uint64_t id = 0;  // the operator's entry number
  BlockKind kind = BlockKind::address;
  BlockAction action = BlockAction::block;
  uint16_t decoy = 0;        // decoy: which answer (inspect::ActiveRules::decoys)
  uint64_t expires_tsc = 0;  // 0: never
};

class BlockSet {
 public:
  // From the message's entries; `now_unix`/`now_tsc`/`hz` turn expiry times into TSC
  // deadlines. nullptr and `error` if anything is malformed.
  static std::unique_ptr<BlockSet> build(const nlohmann::json& msg, uint64_t generation,
                                         uint64_t now_unix, uint64_t now_tsc, uint64_t hz,
                                         std::string& error);
  ~BlockSet();

  // The live entry that matches the client's address (longest prefix first), API key,
  // fingerprint or user agent — one that stops the request before a challenge entry
  // (which a clearance passes); nullptr if none.
  const BlockMatch* match(const identity::ClientIdentity& id, uint64_t now_tsc) const;
  // The same for a fingerprint text (JA3 or JA4) and an address (TLS connections:
  // challenge and decoy entries do not match, a TLS connection cannot be answered).
  const BlockMatch* match_fingerprint(std::string_view text, uint64_t now_tsc) const;
  const BlockMatch* match_address(const uint8_t* ip, uint8_t len, uint64_t now_tsc) const;
  // KeyPart bits resolve_identity must fill for match() (api_key, fingerprint).
  uint8_t wants() const { return wants_; }
  // The login guard (after a credential-stuffing alarm, with challenge_unknown): open
  // until its deadline; fingerprints (16-byte digests of their text) known to log in.
  bool login_guarded(uint64_t now_tsc) const { return guard_until_tsc_ > now_tsc; }
  bool known_fingerprint(const uint8_t* digest) const;
  bool has_fingerprints() const { return fingerprints_; }
  size_t size() const { return count_; }
  const std::string& sha256() const { return sha256_; }

 private:
  struct Key {
    uint8_t kind, bits, len, pad;
    uint8_t value[16];
  };
  BlockSet() = default;
  const BlockMatch* find(const Key& k, uint64_t now_tsc) const;
  // The longest-prefix address entry whose action is not in `skip` (BlockAction bits).
  const BlockMatch* address(const uint8_t* ip, uint8_t len, uint64_t now_tsc, uint8_t skip) const;

  rte_hash* h_ = nullptr;
  std::vector<BlockMatch> entries_;         // by the hash's position
  std::vector<uint8_t> v4_bits_, v6_bits_;  // prefix lengths present, longest first
  uint8_t wants_ = 0;
  size_t count_ = 0;  // live entries
  bool fingerprints_ = false;
  std::string sha256_;
  uint64_t guard_until_tsc_ = 0;
  bool has_challenges_ = false;                 // some entry challenges
  std::vector<std::array<uint8_t, 16>> known_;  // sorted
};

}  // namespace bulwark::inspect
