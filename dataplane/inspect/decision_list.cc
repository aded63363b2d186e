// Behavioural decisions (see decision_list.h).
#include "dataplane/inspect/decision_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/identity/client_identity.h"

namespace bulwark::inspect {

bool client_key(const identity::ClientIdentity& id, rules::KeyPart key, DecisionKey& out,
                uint8_t& bits, char* text, size_t cap) {
  out.fill(0);
  bits = 0;
  text[0] = '\0';
  char hex[17];
  switch (key) {
    case rules::KeyPart::client_ip:
    case rules::KeyPart::prefix: {
      const bool pfx = key == rules::KeyPart::prefix;
      out[0] = pfx ? 1 : 0;
      out[1] = id.ip_len;
      std::memcpy(out.data() + 2, pfx ? id.prefix : id.ip, 16);
      bits = pfx ? id.prefix_bits : static_cast<uint8_t>(id.ip_len * 8);
      inet_ntop(id.ip_len == 4 ? AF_INET : AF_INET6, out.data() + 2, text,
                static_cast<socklen_t>(cap));
      if (pfx) {
        const size_t l = std::strlen(text);
        std::snprintf(text + l, cap - l, "/%u", bits);
      }
      break;
    }
    case rules::KeyPart::fingerprint: {
      out[0] = 2;
      std::memcpy(out.data() + 2, id.fingerprint, 16);
      const size_t n = std::min(id.fingerprint_text.size(), cap - 1);
      if (n) std::memcpy(text, id.fingerprint_text.data(), n);
      break;
    }
    case rules::KeyPart::user_agent:
    case rules::KeyPart::api_key:
    case rules::KeyPart::session: {
      const bool ua = key == rules::KeyPart::user_agent;
      const bool session = key == rules::KeyPart::session;
      out[0] = ua ? 3 : session ? 6 : 4;
      const identity::Digest& d = ua ? id.user_agent : session ? id.session : id.api_key;
      std::memcpy(out.data() + 2, d, 16);
      identity::digest_hex(d, hex);
      std::snprintf(text, cap, "sha256:%s", hex);
      break;
    }
    default: return false;
  }
  return true;
}

const Decision* DecisionList::add(Decision d) {
  for (const Decision& x : list_)
    if (x.key == d.key) return nullptr;  // already decided
  if (list_.size() >= kMax) {
    ++dropped_;
    return nullptr;
  }
  d.id = next_id_++;
  list_.push_back(std::move(d));
  ++made_;
  if (list_.back().enforced) changed_ = true;
  return &list_.back();
}

bool DecisionList::expire(uint64_t now) {
  bool enforced_gone = false;
  std::erase_if(list_, [&](const Decision& d) {
    const bool gone = d.expires_unix <= now;
    enforced_gone = enforced_gone || (gone && d.enforced);
    return gone;
  });
  if (enforced_gone) changed_ = true;
  return enforced_gone;
}

nlohmann::json DecisionList::block_entries() const {
  using json = nlohmann::json;
  // By DecisionKey kind; usernames (5) are not blocked, only reported.
  static const char* kKinds[] = {"prefix",  "prefix", "fingerprint", "user_agent",
                                 "api_key", nullptr,  "session"};
  json out = json::array();
  for (const Decision& d : list_) {
    const uint8_t kind = d.key[0];
    if (!d.enforced || kind > 6 || !kKinds[kind]) continue;
    json e = {{"id", d.id},
              {"action", uint64_t{d.action == rules::Action::respond     ? 1u
                                  : d.action == rules::Action::challenge ? 2u
                                  : d.action == rules::Action::decoy     ? 3u
                                                                         : 0u}},
              {"decoy", uint64_t{d.decoy}},
              {"expires_unix", d.expires_unix},
              {"kind", kKinds[kind]}};
    if (kind <= 1) {
      e["addr"] =
          json::binary(std::vector<uint8_t>(d.key.begin() + 2, d.key.begin() + 2 + d.key[1]));
      e["bits"] = uint64_t{d.bits};
    } else {
      e["digest"] = json::binary(std::vector<uint8_t>(d.key.begin() + 2, d.key.end()));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace bulwark::inspect
