// The core's judging stages (see identity_stage.h).
#include "dataplane/inspect/identity_stage.h"

#include <cstring>

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::inspect {
namespace {

// Identity without rules (block lists only): the defaults, built before any worker runs.
const rules::IdentityPolicy kDefaultIdentity;

void copy_field(char* dst, size_t cap, std::string_view v) {
  const size_t n = v.size() < cap - 1 ? v.size() : cap - 1;
  if (n) std::memcpy(dst, v.data(), n);
  dst[n] = '\0';
}

}  // namespace

Next IdentityStage::on_request_head(Request& r) {
  if (r.rules == nullptr && r.blocks == nullptr) {
    st_.verdict_pass.add(1);
    return Next::stop;
  }
  const proto::PacketInfo& i = *r.pkt;
  // Clearances bind the fingerprint and user agent (consistency reads only the
  // fingerprint's text, which is there without its digest).
  constexpr uint8_t kClearanceParts = (1u << static_cast<unsigned>(rules::KeyPart::fingerprint)) |
                                      (1u << static_cast<unsigned>(rules::KeyPart::user_agent));
  const rules::Bundle* bundle = r.rules ? r.rules->bundle.get() : nullptr;
  identity::resolve_identity(
      bundle ? bundle->identity : kDefaultIdentity, *r.head, i.src,
      static_cast<uint8_t>(i.l3 == proto::L3::ipv4 ? 4 : 16), std::string_view(),
      static_cast<uint8_t>(
          (bundle ? bundle->limit_parts | bundle->object_parts | bundle->discovery.key_parts : 0) |
          (r.blocks ? r.blocks->wants() : 0) |
          (bundle && bundle->challenges ? kClearanceParts : 0)),
      ident_);
  r.ident = &ident_;
  return Next::go;
}

NormaliseStage::NormaliseStage(const StageEnv& env) : st_(env.st), path_buffer_(kPathBufferBytes) {}

Next NormaliseStage::on_request_head(Request& r) {
  if (r.rules == nullptr) return Next::go;
  switch (r.ident->forwarded) {
    case identity::ForwardedStatus::used: st_.forwarded_used.add(1); break;
    case identity::ForwardedStatus::untrusted_peer: st_.forwarded_untrusted.add(1); break;
    case identity::ForwardedStatus::malformed: st_.forwarded_malformed.add(1); break;
    case identity::ForwardedStatus::none: break;
  }
  // Rules see the client as identified (through trusted proxies).
  r.view = make_request_view(*r.head, path_buffer_.data(), r.ident->ip, r.ident->ip_len);
  for (uint32_t f = r.view.path_flags; f; f &= f - 1) st_.path_signs[__builtin_ctz(f)].add(1);
  return Next::go;
}

Next VerdictStage::on_request_head(Request& r) {
  if (r.rules == nullptr) {
    st_.verdict_pass.add(1);
    return Next::stop;
  }
  const Verdict& v = r.verdict;
  if (r.body_scan && r.body_unscanned) st_.body_unscanned.add(1);
  if (r.body_scan && v.decisive < 0) {
    RequestSummary& sum = r.s->summary;
    copy_field(sum.method, sizeof sum.method, r.head->method);
    copy_field(sum.host, sizeof sum.host, r.view.host);
    copy_field(sum.path, sizeof sum.path, r.view.path);
    copy_field(sum.user_agent, sizeof sum.user_agent, r.head->header("user-agent"));
  }
  // With the body still to scan, matches so far are recorded now and the request's
  // verdict is counted once, at its end.
  if (v.decisive >= 0 || v.matched_count)
    carry_out(core_, r, v, r.head, !r.body_scan);
  else if (!r.body_scan)
    st_.verdict_pass.add(1);
  return v.decisive >= 0 ? Next::stop : Next::go;
}

void carry_out(Inspector& core, Request& r, const Verdict& v, const proto::HttpHead* head,
               bool final) {
  api::WorkerStats& st = core.stats();
  const rules::Bundle& b = *r.rules->bundle;
  const bool cleared = r.clearance == kClearanceValid;
  for (unsigned k = 0; k < v.matched_count; ++k) {
    const uint32_t rule = v.matched[k];
    const rules::CompiledRule& cr = b.rules[rule];
    core.count_rule_hit(rule);
    const bool enforced = static_cast<int32_t>(rule) == v.decisive;
    // A challenge rule writes no rule event: when it decides, its challenge event names
    // it; when a valid clearance passes it, nothing happened (behind a challenge every
    // request of every cleared browser would otherwise be an event).
    if (cr.action == rules::Action::challenge && cr.mode == rules::Mode::enforce &&
        (enforced || cleared))
      continue;
    if (cr.mode == rules::Mode::monitor)
      st.verdict_monitor.add(1);
    else if (cr.action == rules::Action::log)
      st.verdict_log.add(1);
    core.event(r, EventType::rule, rule, static_cast<uint8_t>(cr.action),
               static_cast<uint8_t>(cr.mode), enforced, head ? head->anomalies : 0, cr.status,
               head);
  }
  if (v.decisive < 0) {
    if (final) st.verdict_pass.add(1);
    return;
  }
  const rules::CompiledRule& cr = b.rules[static_cast<size_t>(v.decisive)];
  if (cr.action == rules::Action::respond || cr.action == rules::Action::decoy) {
    (cr.action == rules::Action::decoy ? st.verdict_decoy : st.verdict_respond).add(1);
    core.cut(r, r.rules->responses[static_cast<size_t>(v.decisive)]);
  } else if (cr.action == rules::Action::challenge && head) {
    // Its event was recorded above (enforced); the challenge event says how it was answered.
    core.challenge(r, ChallengeCause::rule, static_cast<uint32_t>(v.decisive), 0, true);
  } else {
    st.verdict_block.add(1);
    core.cut(r, {});
  }
}

}  // namespace bulwark::inspect
