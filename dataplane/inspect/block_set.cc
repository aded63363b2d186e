// Block list lookups (see block_set.h).
#include "dataplane/inspect/block_set.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include <algorithm>
#include <array>

#include "rules/lang/ip_prefix.h"

namespace bulwark::inspect {
namespace {

using json = nlohmann::json;

struct BuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr uint8_t bit(BlockAction a) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(a));
}
// Entries that answer in HTTP: a TLS connection passes them.
constexpr uint8_t kAnswering = bit(BlockAction::challenge) | bit(BlockAction::decoy);

constexpr uint8_t kClearanceParts = (1u << static_cast<unsigned>(rules::KeyPart::fingerprint)) |
                                    (1u << static_cast<unsigned>(rules::KeyPart::user_agent));

uint64_t number(const json& e, const char* key, uint64_t max) {
  if (!e.contains(key) || !e[key].is_number_unsigned() || e[key].get<uint64_t>() > max)
    throw BuildError(std::string("'") + key + "' missing or out of range");
  return e[key].get<uint64_t>();
}

}  // namespace

std::unique_ptr<BlockSet> BlockSet::build(const json& msg, uint64_t generation, uint64_t now_unix,
                                          uint64_t now_tsc, uint64_t hz, std::string& error) {
  std::unique_ptr<BlockSet> s(new BlockSet());
  try {
    if (!msg.is_object() || !msg.contains("entries") || !msg["entries"].is_array())
      throw BuildError("'entries' missing or not a list");
    const json& list = msg["entries"];
    if (list.size() > kMaxBlockSetEntries)
      throw BuildError(std::to_string(list.size()) + " entries; at most " +
                       std::to_string(kMaxBlockSetEntries));
    if (msg.contains("sha256") && msg["sha256"].is_string()) s->sha256_ = msg["sha256"];
    const std::string name = "blocks_" + std::to_string(generation);
    rte_hash_parameters hp{};
    hp.name = name.c_str();
    hp.entries = static_cast<uint32_t>(std::max<size_t>(list.size(), 8));
    hp.key_len = sizeof(Key);
    hp.hash_func = rte_jhash;
    hp.socket_id = -1;  // any: read by every worker
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    s->h_ = rte_hash_create(&hp);
    if (s->h_ == nullptr)
      throw BuildError("cannot create the block list table: " +
                       std::string(rte_strerror(rte_errno)));
    s->entries_.resize(hp.entries + 1);
    for (const json& e : list) {
      if (!e.is_object() || !e.contains("kind") || !e["kind"].is_string())
        throw BuildError("an entry without a kind");
      BlockMatch m;
      m.id = number(e, "id", UINT64_MAX);
      m.action = static_cast<BlockAction>(number(e, "action", 3));
      if (m.action == BlockAction::decoy) m.decoy = static_cast<uint16_t>(number(e, "decoy", 64));
      // A clearance binds the fingerprint and user agent: challenges need their digests.
      if (m.action == BlockAction::challenge) {
        s->wants_ |= kClearanceParts;
        s->has_challenges_ = true;
      }
      const uint64_t expires = number(e, "expires_unix", UINT64_MAX / 2);
      // Already expired entries are kept out; others get a TSC deadline.
      if (expires && expires <= now_unix) continue;
      // Far-off expiry saturates to "never" rather than wrapping around.
      const uint64_t left = expires ? expires - now_unix : 0;
      m.expires_tsc = expires && left < (UINT64_MAX - now_tsc) / hz ? now_tsc + left * hz : 0;
      Key k{};
      const std::string kind = e["kind"];
      if (kind == "prefix") {
        if (!e.contains("addr") || !e["addr"].is_binary()) throw BuildError("prefix without addr");
        const auto& a = e["addr"].get_binary();
        if (a.size() != 4 && a.size() != 16)
          throw BuildError("address of " + std::to_string(a.size()) + " bytes");
        const unsigned bits = static_cast<unsigned>(number(e, "bits", a.size() * 8));
        k.kind = static_cast<uint8_t>(BlockKind::address);
        k.bits = static_cast<uint8_t>(bits);
        k.len = static_cast<uint8_t>(a.size());
        rules::mask_prefix(a.data(), k.len, bits, k.value);
        auto& lengths = a.size() == 4 ? s->v4_bits_ : s->v6_bits_;
        if (std::find(lengths.begin(), lengths.end(), k.bits) == lengths.end())
          lengths.push_back(k.bits);
        m.kind = BlockKind::address;
      } else if (kind == "api_key") {
        if (!e.contains("digest") || !e["digest"].is_binary() ||
            e["digest"].get_binary().size() != 16)
          throw BuildError("api_key without a 16-byte digest");
        k.kind = static_cast<uint8_t>(BlockKind::api_key);
        std::copy_n(e["digest"].get_binary().begin(), 16, k.value);
        s->wants_ |= 1u << static_cast<unsigned>(rules::KeyPart::api_key);
        m.kind = BlockKind::api_key;
      } else if (kind == "fingerprint" && e.contains("digest")) {  // a decision's digest
        if (!e["digest"].is_binary() || e["digest"].get_binary().size() != 16)
          throw BuildError("fingerprint digest not 16 bytes");
        k.kind = static_cast<uint8_t>(BlockKind::fingerprint);
        std::copy_n(e["digest"].get_binary().begin(), 16, k.value);
        s->wants_ |= 1u << static_cast<unsigned>(rules::KeyPart::fingerprint);
        s->fingerprints_ = true;
        m.kind = BlockKind::fingerprint;
      } else if (kind == "user_agent" || kind == "session") {
        const bool ua = kind == "user_agent";
        if (!e.contains("digest") || !e["digest"].is_binary() ||
            e["digest"].get_binary().size() != 16)
          throw BuildError(kind + " without a 16-byte digest");
        m.kind = ua ? BlockKind::user_agent : BlockKind::session;
        k.kind = static_cast<uint8_t>(m.kind);
        std::copy_n(e["digest"].get_binary().begin(), 16, k.value);
        s->wants_ |=
            1u << static_cast<unsigned>(ua ? rules::KeyPart::user_agent : rules::KeyPart::session);
      } else if (kind == "fingerprint") {
        if (!e.contains("text") || !e["text"].is_string() || e["text"].get<std::string>().empty() ||
            e["text"].get<std::string>().size() > 64)
          throw BuildError("fingerprint without its text");
        k.kind = static_cast<uint8_t>(BlockKind::fingerprint);
        const std::string text = e["text"];
        identity::Digest d;
        identity::digest_bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size(), d);
        std::copy_n(d, 16, k.value);
        s->wants_ |= 1u << static_cast<unsigned>(rules::KeyPart::fingerprint);
        s->fingerprints_ = true;
        m.kind = BlockKind::fingerprint;
      } else {
        throw BuildError("unknown kind '" + kind + "'");
      }
      if (rte_hash_lookup(s->h_, &k) >= 0)
        continue;  // e.g. an ip and the same /32: the first holds
      const int32_t pos = rte_hash_add_key(s->h_, &k);
      if (pos < 0) throw BuildError("the block list table is full");
      s->entries_[static_cast<uint32_t>(pos)] = m;
      ++s->count_;
    }
    std::sort(s->v4_bits_.rbegin(), s->v4_bits_.rend());
    std::sort(s->v6_bits_.rbegin(), s->v6_bits_.rend());
    if (msg.contains("login_guard") && !msg["login_guard"].is_null()) {
      const json& g = msg["login_guard"];
      if (!g.is_object() || !g.contains("known") || !g["known"].is_array())
        throw BuildError("login_guard without its known fingerprints");
      const uint64_t expires = number(g, "expires_unix", UINT64_MAX / 2);
      if (g["known"].size() > kMaxKnownFingerprints)
        throw BuildError("login_guard with more than " + std::to_string(kMaxKnownFingerprints) +
                         " known fingerprints");
      for (const json& k : g["known"]) {
        if (!k.is_binary() || k.get_binary().size() != 16)
          throw BuildError("a known fingerprint that is not a 16-byte digest");
        std::array<uint8_t, 16> d;
        std::copy_n(k.get_binary().begin(), 16, d.begin());
        s->known_.push_back(d);
      }
      std::sort(s->known_.begin(), s->known_.end());
      s->wants_ |= kClearanceParts;
      if (expires > now_unix) {
        const uint64_t left = expires - now_unix;
        s->guard_until_tsc_ = left < (UINT64_MAX - now_tsc) / hz ? now_tsc + left * hz : UINT64_MAX;
      }
    }
  } catch (const BuildError& e) {
    error = std::string("invalid block list: ") + e.what();
    return nullptr;
  } catch (const json::exception& e) {
    error = std::string("invalid block list: ") + e.what();
    return nullptr;
  }
  return s;
}

bool BlockSet::known_fingerprint(const uint8_t* digest) const {
  std::array<uint8_t, 16> d;
  std::copy_n(digest, 16, d.begin());
  return std::binary_search(known_.begin(), known_.end(), d);
}

BlockSet::~BlockSet() {
  if (h_) rte_hash_free(h_);
}

const BlockMatch* BlockSet::find(const Key& k, uint64_t now_tsc) const {
  const int32_t pos = rte_hash_lookup(h_, &k);
  if (pos < 0) return nullptr;
  const BlockMatch& m = entries_[static_cast<uint32_t>(pos)];
  return m.expires_tsc && m.expires_tsc <= now_tsc ? nullptr : &m;
}

const BlockMatch* BlockSet::match_address(const uint8_t* ip, uint8_t len, uint64_t now_tsc) const {
  // TLS: entries that answer in HTTP (challenge, decoy) are passed over, so a shorter
  // prefix's block still holds.
  return address(ip, len, now_tsc, kAnswering);
}

const BlockMatch* BlockSet::address(const uint8_t* ip, uint8_t len, uint64_t now_tsc,
                                    uint8_t skip) const {
  Key k{};
  k.kind = static_cast<uint8_t>(BlockKind::address);
  k.len = len;
  for (uint8_t bits : len == 4 ? v4_bits_ : v6_bits_) {
    k.bits = bits;
    rules::mask_prefix(ip, len, bits, k.value);
    const BlockMatch* m = find(k, now_tsc);
    if (m && !(skip & bit(m->action))) return m;
  }
  return nullptr;
}

const BlockMatch* BlockSet::match_fingerprint(std::string_view text, uint64_t now_tsc) const {
  if (!fingerprints_ || text.empty()) return nullptr;
  Key k{};
  k.kind = static_cast<uint8_t>(BlockKind::fingerprint);
  identity::Digest d;
  identity::digest_bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size(), d);
  std::copy_n(d, 16, k.value);
  const BlockMatch* m = find(k, now_tsc);
  return m && !(kAnswering & bit(m->action)) ? m : nullptr;
}

const BlockMatch* BlockSet::match(const identity::ClientIdentity& id, uint64_t now_tsc) const {
  // Any entry that stops the request wins over a challenge (which a clearance passes):
  // a challenge on the address must not hide a block on the API key.
  const uint8_t challenge = bit(BlockAction::challenge);
  if (const BlockMatch* m = address(id.ip, id.ip_len, now_tsc, challenge)) return m;
  const BlockMatch* soft = nullptr;
  auto digest = [&](rules::KeyPart part, BlockKind kind,
                    const identity::Digest& value) -> const BlockMatch* {
    if (!id.present(part)) return nullptr;
    Key k{};
    k.kind = static_cast<uint8_t>(kind);
    std::copy_n(value, 16, k.value);
    const BlockMatch* m = find(k, now_tsc);
    if (m && m->action == BlockAction::challenge) {
      if (!soft) soft = m;
      return nullptr;
    }
    return m;
  };
  if (const BlockMatch* m = digest(rules::KeyPart::api_key, BlockKind::api_key, id.api_key))
    return m;
  if (const BlockMatch* m =
          digest(rules::KeyPart::fingerprint, BlockKind::fingerprint, id.fingerprint))
    return m;
  if (const BlockMatch* m =
          digest(rules::KeyPart::user_agent, BlockKind::user_agent, id.user_agent))
    return m;
  if (const BlockMatch* m = digest(rules::KeyPart::session, BlockKind::session, id.session))
    return m;
  if (soft) return soft;
  return has_challenges_ ? address(id.ip, id.ip_len, now_tsc, 0) : nullptr;
}

}  // namespace bulwark::inspect
