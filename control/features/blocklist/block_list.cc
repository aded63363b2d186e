// Manual block list (see block_list.h).
#include "control/features/blocklist/block_list.h"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>

#include "control/config_store.h"
#include "rules/lang/bundle.h"

namespace bulwark::control::blocklist {
namespace {

using json = nlohmann::json;

bool is_hex(const std::string& s, size_t len) {
  return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  return s;
}

// Address text -> bytes (4 or 16), or empty.
std::vector<uint8_t> address_bytes(const std::string& text) {
  std::vector<uint8_t> a(16);
  if (inet_pton(AF_INET, text.c_str(), a.data()) == 1) {
    a.resize(4);
    return a;
  }
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) return {};
  // ::ffff:a.b.c.d is the IPv4 address, as the dataplane sees such clients.
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, a.begin())) a.erase(a.begin(), a.begin() + 12);
  return a;
}

std::string address_text(const std::vector<uint8_t>& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.size() == 4 ? AF_INET : AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}

std::vector<uint8_t> hex_bytes(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

std::optional<std::string> canonical_block_value(const std::string& kind, const std::string& value,
                                                 std::string& error) {
  if (kind == "ip") {
    const auto a = address_bytes(value);
    if (a.empty()) {
      error = "'" + value + "' is not an IPv4 or IPv6 address";
      return std::nullopt;
    }
    return address_text(a);
  }
  if (kind == "prefix") {
    const size_t slash = value.find('/');
    const auto a = address_bytes(value.substr(0, slash));
    std::string bits = slash == std::string::npos ? "" : value.substr(slash + 1);
    const bool mapped = a.size() == 4 && value.find(':') < slash;  // ::ffff:a.b.c.d/N
    if (mapped && !bits.empty() && bits.size() <= 3 &&
        bits.find_first_not_of("0123456789") == std::string::npos) {
      if (std::stoul(bits) < 96) {
        error = "'" + value + "' covers more than IPv4-mapped addresses";
        return std::nullopt;
      }
      bits = std::to_string(std::stoul(bits) - 96);
    }
    if (a.empty() || bits.empty() || bits.size() > 3 ||
        bits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(bits) > a.size() * 8) {
      error = "'" + value + "' is not a prefix like 198.18.0.0/15 or 2001:db8::/32";
      return std::nullopt;
    }
    // The network address: host bits cleared.
    std::vector<uint8_t> net = a;
    const unsigned b = static_cast<unsigned>(std::stoul(bits));
    for (unsigned i = b; i < net.size() * 8; ++i)
      net[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
    return address_text(net) + "/" + std::to_string(b);
  }
  if (kind == "fingerprint") {
    // A JA4 (t13d1516h2_8daaf6152771_e5627efa2ab1) or a JA3 hash (32 hex digits).
    if (value.empty() || value.size() > 64 ||
        value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      error = "'" + value +
              "' is not a TLS fingerprint (a JA4 such as "
              "t13d1516h2_8daaf6152771_e5627efa2ab1, or a JA3 hash of 32 hex digits)";
      return std::nullopt;
    }
    return value;
  }
  if (kind == "api_key_sha256") {
    const std::string v = lower(value);
    if (!is_hex(v, 64)) {
      error = "an API key's SHA-256 is 64 hex digits";
      return std::nullopt;
    }
    return v;
  }
  error = "unknown kind '" + kind + "' (ip, prefix, fingerprint, api_key, api_key_sha256)";
  return std::nullopt;
}

bool BlockList::load(const std::string& path, std::string& error) {
  path_ = path;
  entries_.clear();
  const auto text = control::read_file(path);
  if (!text) return true;  // none yet
  try {
    const json j = json::parse(*text);
    next_id_ = j.at("next_id").get<uint64_t>();
    for (const auto& e : j.at("entries")) {
      BlockEntry b;
      b.id = e.at("id").get<uint64_t>();
      b.kind = e.at("kind").get<std::string>();
      b.action = e.at("action").get<std::string>();
      std::string why;
      const auto v = canonical_block_value(b.kind == "api_key" ? "api_key_sha256" : b.kind,
                                           e.at("value").get<std::string>(), why);
      if (!v || (b.action != "block" && b.action != "respond" && b.action != "challenge"))
        throw std::runtime_error("entry " + std::to_string(b.id) + ": " +
                                 (v ? "bad action '" + b.action + "'" : why));
      b.value = *v;
      b.expires_unix = e.at("expires_unix").get<uint64_t>();
      if (b.expires_unix > (uint64_t{1} << 40))
        throw std::runtime_error("entry " + std::to_string(b.id) + ": expiry out of range");
      b.added_unix = e.value("added_unix", uint64_t{0});
      b.user = e.value("user", "");
      b.comment = e.value("comment", "");
      next_id_ = std::max(next_id_, b.id + 1);
      entries_.push_back(std::move(b));
    }
  } catch (const std::exception& e) {
    entries_.clear();
    error = path + ": not a valid block list: " + e.what();
    return false;
  }
  return true;
}

bool BlockList::save(std::string& error) const {
  json j = to_json();
  return control::write_file_atomic(
      path_, json{{"next_id", next_id_}, {"entries", j}}.dump(1) + "\n", error);
}

std::optional<BlockEntry> BlockList::add(const std::string& kind, const std::string& value,
                                         const std::string& action, uint64_t ttl_seconds,
                                         const std::string& user, const std::string& comment,
                                         uint64_t now_unix, std::string& error) {
  BlockEntry b;
  std::optional<std::string> v;
  if (kind == "api_key") {  // given in clear: only its digest is kept
    if (value.empty()) {
      error = "an empty API key";
      return std::nullopt;
    }
    v = rules::sha256_hex(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  } else {
    v = canonical_block_value(kind, value, error);
  }
  if (!v) return std::nullopt;
  if (action != "block" && action != "respond" && action != "challenge") {
    error = "action must be block, respond or challenge, not '" + action + "'";
    return std::nullopt;
  }
  if (ttl_seconds > kMaxTtlSeconds) {
    error = "a TTL of " + std::to_string(ttl_seconds) +
            " s is over 10 years; leave it out to block for good";
    return std::nullopt;
  }
  if (entries_.size() >= kMaxEntries) {
    error = "the block list holds " + std::to_string(kMaxEntries) + " entries already";
    return std::nullopt;
  }
  b.kind = kind == "api_key_sha256" ? "api_key" : kind;
  b.value = *v;
  for (const auto& e : entries_)
    if (e.kind == b.kind && e.value == b.value) {
      error = "already blocked as entry " + std::to_string(e.id);
      return std::nullopt;
    }
  b.id = next_id_;
  b.action = action;
  b.expires_unix = ttl_seconds ? now_unix + ttl_seconds : 0;
  b.added_unix = now_unix;
  b.user = user;
  b.comment = comment;
  entries_.push_back(b);
  ++next_id_;
  if (!save(error)) {
    entries_.pop_back();
    --next_id_;
    return std::nullopt;
  }
  return b;
}

bool BlockList::remove(uint64_t id, std::string& error) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const BlockEntry& e) { return e.id == id; });
  if (it == entries_.end()) {
    error = "no block list entry " + std::to_string(id);
    return false;
  }
  const BlockEntry gone = *it;
  entries_.erase(it);
  if (!save(error)) {
    entries_.push_back(gone);
    std::sort(entries_.begin(), entries_.end(),
              [](const BlockEntry& a, const BlockEntry& b) { return a.id < b.id; });
    return false;
  }
  return true;
}

bool BlockList::expire(uint64_t now_unix) {
  const size_t before = entries_.size();
  std::erase_if(entries_,
                [&](const BlockEntry& e) { return e.expires_unix && e.expires_unix <= now_unix; });
  if (entries_.size() == before) return false;
  std::string error;
  save(error);  // a failed save is retried with the next change; the push goes on
  return true;
}

json BlockList::to_json() const {
  json out = json::array();
  for (const auto& e : entries_)
    out.push_back({{"id", e.id},
                   {"kind", e.kind},
                   {"value", e.value},
                   {"action", e.action},
                   {"expires_unix", e.expires_unix},
                   {"added_unix", e.added_unix},
                   {"user", e.user},
                   {"comment", e.comment}});
  return out;
}

json BlockList::message() const {
  json list = json::array();
  for (const auto& e : entries_) {
    // Numbers (behave::BlockAction), unsigned: the dataplane checks.
    const uint64_t action = e.action == "respond" ? 1 : e.action == "challenge" ? 2 : 0;
    json m = {{"id", e.id}, {"action", action}, {"expires_unix", e.expires_unix}};
    if (e.kind == "ip" || e.kind == "prefix") {
      const size_t slash = e.value.find('/');
      const auto a = address_bytes(e.value.substr(0, slash));
      m["kind"] = "prefix";
      m["addr"] = json::binary(a);
      m["bits"] = uint64_t{slash == std::string::npos ? a.size() * 8
                                                      : std::stoul(e.value.substr(slash + 1))};
    } else if (e.kind == "fingerprint") {
      m["kind"] = "fingerprint";
      m["text"] = e.value;
    } else {
      m["kind"] = "api_key";
      m["digest"] = json::binary(hex_bytes(e.value.substr(0, 32)));  // the dataplane's 128 bits
    }
    list.push_back(std::move(m));
  }
  return {{"op", "blocklist"}, {"sha256", sha256()}, {"entries", list}};
}

std::string BlockList::sha256() const {
  const std::string text = to_json().dump();
  return rules::sha256_hex(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace bulwark::control::blocklist
