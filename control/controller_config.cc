// Configuration commands: show, edit (stage a candidate), diff, commit (optionally with
// a confirm deadline), discard, rollback, confirm, versions.

#include "control/controller.h"
#include "control/protocol/protocol.h"

namespace bulwark::control {

using protocol::Error;
using protocol::reply_error;
using protocol::reply_ok;

json Controller::cmd_config_show(const Request& r) {
  if (r.flag("candidate")) {
    auto c = store_.candidate_config();
    if (!c) return reply_error(Error::not_found, "no candidate staged (bulwarkctl config edit)");
    return reply_ok({{"version", "candidate"}, {"config", *c}});
  }
  const uint64_t v = r.has("version") ? r.uint("version") : store_.active();
  auto s = store_.read(v);
  if (!s) return reply_error(Error::not_found, "there is no version " + std::to_string(v));
  json files = json::object();
  for (const auto& [name, text] : s->rules) files[name] = text.size();
  return reply_ok({{"version", v}, {"config", s->config}, {"rule_files", files}});
}

json Controller::cmd_config_edit(const Request& r) {
  const std::string text = r.text("config");
  std::lock_guard<std::mutex> lock(apply_mu_);
  std::string error;
  if (!parse_control_config(text, "config.yaml", error)) return reply_error(Error::invalid, error);
  if (!store_.stage_config(text, error)) return reply_error(Error::invalid, error);
  auto active = store_.read(store_.active());
  Snapshot cand = active ? *active : Snapshot{};
  cand.config = text;
  const std::string diff =
      active ? diff_snapshots(*active, "active", cand, "candidate") : std::string();
  return reply_ok({{"staged", true}, {"diff", diff}});
}

json Controller::cmd_config_diff(const Request& r) {
  const uint64_t active = store_.active();
  Snapshot a, b;
  std::string an, bn;
  if (r.has("from") || r.has("to")) {
    const uint64_t from = r.has("from") ? r.uint("from") : active;
    const uint64_t to = r.has("to") ? r.uint("to") : active;
    auto sa = store_.read(from), sb = store_.read(to);
    if (!sa || !sb)
      return reply_error(Error::not_found, "there is no version " + std::to_string(sa ? to : from));
    a = *sa;
    b = *sb;
    an = "version-" + std::to_string(from);
    bn = "version-" + std::to_string(to);
  } else {
    auto sa = store_.read(active);
    auto c = store_.candidate_config();
    if (!sa) return reply_error(Error::not_found, "no active version");
    if (!c) return reply_ok({{"diff", ""}, {"candidate", false}});
    a = *sa;
    b = *sa;
    b.config = *c;
    an = "active";
    bn = "candidate";
  }
  return reply_ok({{"diff", diff_snapshots(a, an, b, bn)}, {"from", an}, {"to", bn}});
}

json Controller::cmd_config_commit(const Request& r) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  auto c = store_.candidate_config();
  if (!c)
    return reply_error(Error::conflict,
                       "nothing to commit: no candidate staged (bulwarkctl config edit)");
  if (json c = pending_conflict(); !c.is_null()) return c;
  const double minutes = r.has("confirm_minutes") ? r.number("confirm_minutes") : 0;
  if (r.has("confirm_minutes") && !(minutes > 0 && minutes <= 24 * 60))
    return reply_error(Error::usage, "--confirm takes minutes between 0 and 1440");
  const uint64_t previous = store_.active();
  auto s = store_.read(previous);
  if (!s) return reply_error(Error::not_found, "no active version");
  s->config = *c;
  const auto meta = VersionMeta::of("commit", r.user(), r.text("comment"));
  json report;
  CommandError err;
  const uint64_t n = apply(*s, meta, report, err, minutes);
  if (!n) return reply_error(err.code, err.message);
  store_.discard_candidate();
  ++commits_;
  if (minutes > 0)
    events_.control_event("confirm_pending",
                          {{"version", n}, {"previous", previous}, {"minutes", minutes}});
  return reply_ok(report);
}

json Controller::cmd_config_discard(const Request&) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  if (!store_.candidate_config()) return reply_error(Error::not_found, "no candidate staged");
  store_.discard_candidate();
  return reply_ok({{"discarded", true}});
}

json Controller::cmd_config_rollback(const Request& r) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  const uint64_t active = store_.active();
  uint64_t to = r.uint("version");
  if (to == 0) {
    // The version the active one replaced (or, failing that, the one numbered before it).
    if (auto m = store_.meta(active); m && m->based_on)
      to = m->based_on;
    else if (active > 1)
      to = active - 1;
  }
  if (to == 0) return reply_error(Error::not_found, "there is no earlier version to roll back to");
  if (to == active)
    return reply_error(Error::conflict, "version " + std::to_string(to) + " is already active");
  json report;
  CommandError err;
  if (!rollback_locked(to, "rollback", r.user(), r.text("comment"), report, err))
    return reply_error(err.code, err.message);
  ++rollbacks_;
  return reply_ok(report);
}

json Controller::cmd_config_confirm(const Request& r) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  auto p = store_.pending();
  if (!p) return reply_error(Error::not_found, "no commit awaits confirmation");
  store_.clear_pending();
  events_.control_event("confirmed", {{"version", p->version}, {"user", r.user()}});
  return reply_ok({{"confirmed", p->version}});
}

json Controller::cmd_config_versions(const Request&) {
  const uint64_t active = store_.active();
  const auto pending = store_.pending();
  json out = json::array();
  for (const auto& m : store_.versions()) {
    json j = m.to_json();
    j["active"] = m.number == active;
    j["awaiting_confirm"] = pending && pending->version == m.number;
    out.push_back(j);
  }
  return reply_ok(out);
}

}  // namespace bulwark::control
