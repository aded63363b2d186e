// Signature rules on the worker (see signatures_stage.h).
#include "dataplane/features/signatures/signatures_stage.h"

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/identity_stage.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::signatures {

using inspect::Next;

Matcher* SignaturesStage::matcher(const inspect::ActiveRules* rules) const {
  const Matchers* m = rules ? rules->part<Matchers>(index_) : nullptr;
  return m ? m->by_worker[worker_].get() : nullptr;
}

void SignaturesStage::give_share(inspect::Session& s, Slot& slot) {
  if (slot.share) core_->give_share(s, inspect::SharedPool::bodies);
  slot.share = false;
}

void SignaturesStage::end_scan(inspect::Session& s, Slot& slot) {
  give_share(s, slot);
  if (!slot.open) return;
  const inspect::ActiveRules* rules = core_->current_rules();
  if (rules && rules->generation == slot.generation)
    matcher(rules)->abort(slot.scan);  // back to the pool, reset
  else
    slot.scan.slot = signatures::kNoBodySlot;  // its pool went with the replaced rule set
  slot.open = false;
}

Next SignaturesStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr) return Next::go;
  Slot& slot = slots_[*r.s];
  Matcher& m = *matcher(r.rules);
  end_scan(*r.s, slot);  // a request cut short keeps no stream
  // Every request takes a body scan when body rules exist (they are decided at its end,
  // also on an empty body); one without a body gives it back at once.
  const bool body = m.wants_body();
  slot.share = body && core_->take_share(*r.s, inspect::SharedPool::bodies);
  if (slot.share && !m.has_free_slot())
    core_->reclaim_idle_holder(inspect::SharedPool::bodies, r.now);
  m.on_head(r.view, slot.scan, r.verdict, slot.share);
  slot.generation = r.rules->generation;
  slot.open = body;
  r.body_scan = body;
  r.body_unscanned = body && slot.scan.slot == kNoBodySlot;
  // A request a head rule already decides goes its way (its verdict and events first).
  if (r.verdict.decisive >= 0) return Next::go;
  if (body && !slot.share) {  // one client holding its share of body scans
    if (core_->integrity(r, api::IntegrityCause::client_share) != api::IntegrityAction::inspect)
      return Next::stop;
  } else if (r.body_unscanned && core_->integrity(r, api::IntegrityCause::body_unscanned) !=
                                     api::IntegrityAction::inspect) {
    return Next::stop;
  }
  return Next::go;
}

bool SignaturesStage::holds(const inspect::Session& s, inspect::SharedPool pool) const {
  const Slot& slot = slots_[s];
  // A scan under a replaced rule set holds a slot of that set's pool, not today's.
  const inspect::ActiveRules* rules = core_->current_rules();
  return pool == inspect::SharedPool::bodies && slot.open && slot.scan.slot != kNoBodySlot &&
         rules && rules->generation == slot.generation;
}

void SignaturesStage::on_request_body(inspect::Request& r, const uint8_t* data, size_t len) {
  Slot& slot = slots_[*r.s];
  if (slot.open) matcher(r.rules)->on_body(slot.scan, data, len);
}

void SignaturesStage::on_request_end(inspect::Request& r) {
  Slot& slot = slots_[*r.s];
  if (!slot.open || r.s->cut) return;
  inspect::Verdict v;
  matcher(r.rules)->end_body(slot.scan, v);
  slot.open = false;
  give_share(*r.s, slot);
  inspect::carry_out(*core_, r, v, nullptr, true);
}

void SignaturesStage::on_new_rules(inspect::Request& r) {
  Slot& slot = slots_[*r.s];
  if (!slot.open) return;
  // The request began under rules now replaced: its body goes unscanned and it passes.
  end_scan(*r.s, slot);
  st_->body_unscanned.add(1);
  st_->verdict_pass.add(1);
}

void SignaturesStage::on_end(inspect::Session& s, inspect::End, const inspect::Request*) {
  end_scan(s, slots_[s]);  // nothing more of the body will be scanned
}

Next SignaturesStage::on_client_hello(inspect::Request& r) {
  // Fingerprint rules on the ClientHello: every match is counted and an event (with the
  // SNI and fingerprints); an enforced block cuts the connection here, so the server
  // never gets the complete ClientHello.
  if (r.rules == nullptr) return Next::go;
  inspect::RequestView view;
  view.client_ip = r.packet_client();
  view.client_ip_len = r.packet_client_len();
  view.ja3 = r.ja3;
  view.ja4 = r.ja4;
  inspect::Verdict v;
  matcher(r.rules)->on_client_hello(view, v);
  const rules::Bundle& b = *r.rules->bundle;
  for (unsigned k = 0; k < v.matched_count; ++k) {
    const uint32_t ri = v.matched[k];
    const rules::CompiledRule& rule = b.rules[ri];
    core_->count_rule_hit(ri);
    core_->event(r, inspect::EventType::rule, ri, static_cast<uint8_t>(rule.action),
                 static_cast<uint8_t>(rule.mode), static_cast<int32_t>(ri) == v.decisive, 0, 0,
                 nullptr);
  }
  if (v.decisive < 0) return Next::go;
  st_->tls_blocked.add(1);
  core_->cut(r, {});
  return Next::stop;
}

}  // namespace bulwark::signatures
