// Behavioural decisions (see decision_list.h).
#include "dataplane/inspect/decision_list.h"

#include <algorithm>

namespace bulwark::inspect {

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
