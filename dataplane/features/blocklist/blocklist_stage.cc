// The block list on the worker (see blocklist_stage.h).
#include "dataplane/features/blocklist/blocklist_stage.h"

#include <rte_cycles.h>

#include <cstdio>

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::blocklist {

using inspect::BlockAction;
using inspect::Next;

BlocklistStage::BlocklistStage(const inspect::StageEnv& env)
    : core_(env.core), st_(env.st), tsc_hz_(rte_get_tsc_hz()) {}

Next BlocklistStage::on_request_head(inspect::Request& r) {
  if (r.blocks == nullptr) return Next::go;
  const inspect::BlockMatch* b = r.blocks->match(*r.ident, r.now);
  // A challenge entry lets a client with a valid clearance through.
  if (b == nullptr || (b->action == BlockAction::challenge && core_.cleared(r))) return Next::go;
  enforce(r, *b, false);
  return Next::stop;
}

Next BlocklistStage::on_tls_start(inspect::Request& r) {
  if (r.blocks == nullptr) return Next::go;
  const inspect::BlockMatch* hit =
      r.blocks->match_address(r.packet_client(), r.packet_client_len(), r.now);
  if (hit == nullptr) return Next::go;
  enforce(r, *hit, true);
  return Next::stop;
}

Next BlocklistStage::on_client_hello(inspect::Request& r) {
  // Address, JA4 and JA3 entries hold with or without rules.
  if (r.blocks == nullptr) return Next::go;
  const inspect::BlockMatch* m =
      r.blocks->match_address(r.packet_client(), r.packet_client_len(), r.now);
  if (!m) m = r.blocks->match_fingerprint(r.ja4, r.now);
  if (!m) m = r.blocks->match_fingerprint(r.ja3, r.now);
  if (!m) return Next::go;
  enforce(r, *m, true);
  return Next::stop;
}

void BlocklistStage::enforce(inspect::Request& r, const inspect::BlockMatch& b, bool tls) {
  st_.blocklist_hits[static_cast<unsigned>(b.kind)].add(1);
  tls = tls || r.hello != nullptr;
  const proto::HttpHead* head = tls ? nullptr : r.head;
  // A TLS connection cannot be answered (challenge and decoy entries never match one).
  const bool challenge = b.action == BlockAction::challenge && !tls && head;
  // A decoy answers with its policy's plausible success (while the rules that made it
  // are active; else, like respond, 403).
  const std::string_view decoy =
      b.action == BlockAction::decoy && !tls && r.rules && b.decoy < r.rules->decoys.size()
          ? std::string_view(r.rules->decoys[b.decoy])
          : std::string_view();
  const bool respond =
      (b.action == BlockAction::respond || (b.action == BlockAction::decoy && decoy.empty())) &&
      !tls;
  // One event per entry and worker every 10 s, saying how many it stopped since: an
  // attack stopped by a decision must not become a flood of events.
  EventSlot& slot = events_[b.id % kEventSlots];
  if (slot.id != b.id) {  // another entry takes the slot: its clock goes on (per slot)
    slot.id = b.id;
    slot.stopped = 0;
  }
  ++slot.stopped;
  const bool report = slot.last_tsc == 0 || r.now - slot.last_tsc >= 10 * tsc_hz_;
  inspect::EventDetail detail;
  detail.block_id = b.id;
  detail.block_kind = static_cast<uint8_t>(b.kind);
  detail.denied = slot.stopped;
  if (report) {
    slot.last_tsc = r.now ? r.now : 1;
    slot.stopped = 0;
  }
  if (challenge) {  // its challenge event stands for the blocked one
    detail.cause = inspect::ChallengeCause::block_list;
    core_.challenge(r, inspect::ChallengeCause::block_list, 0, 0, report, detail);
    return;
  }
  if (report)
    core_.event(r, inspect::EventType::blocked, 0,
                static_cast<uint8_t>(!decoy.empty() ? rules::Action::decoy
                                     : respond      ? rules::Action::respond
                                                    : rules::Action::block),
                0, true, head ? head->anomalies : 0,
                !decoy.empty() ? r.rules->decoy_status[b.decoy]
                : respond      ? 403
                               : 0,
                head, detail);
  if (!decoy.empty()) {
    st_.verdict_decoy.add(1);
    core_.cut(r, decoy);
    return;
  }
  if (tls) {
    st_.tls_blocked.add(1);
    core_.cut(r, {});
    return;
  }
  if (respond) {
    char body[96];
    const int bl = std::snprintf(body, sizeof body, "{\"error\":\"blocked\",\"entry\":%llu}\n",
                                 static_cast<unsigned long long>(b.id));
    const int n = std::snprintf(response_, sizeof response_,
                                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                                "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                                bl, body);
    st_.verdict_respond.add(1);
    core_.cut(r, std::string_view(response_, static_cast<size_t>(n)));
  } else {
    st_.verdict_block.add(1);
    core_.cut(r, {});
  }
}

}  // namespace bulwark::blocklist
