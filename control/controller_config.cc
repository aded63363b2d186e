// Configuration commands: show, edit (stage a candidate), diff, commit (optionally with
// a confirm deadline), discard, rollback, confirm, versions.

#include "control/controller.h"
#include "control/reply.h"

namespace bulwark::control {

json Controller::cmd_config_show(const json& args) {
  if (args.value("candidate", false)) {
    auto c = store_.candidate_config();
    if (!c) return reply_error("not_found", "no candidate staged (bulwarkctl config edit)");
    return reply_ok({{"version", "candidate"}, {"config", *c}});
  }
  const uint64_t v = args.value("version", store_.active());
  auto s = store_.read(v);
  if (!s) return reply_error("not_found", "there is no version " + std::to_string(v));
  json files = json::object();
  for (const auto& [name, text] : s->rules) files[name] = text.size();
  return reply_ok({{"version", v}, {"config", s->config}, {"rule_files", files}});
}

json Controller::cmd_config_edit(const json& args) {
  if (!args.contains("config") || !args["config"].is_string())
    return reply_error("usage", "no configuration text given");
  const std::string text = args["config"].get<std::string>();
  std::lock_guard<std::mutex> lock(apply_mu_);
  std::string error;
  if (!parse_control_config(text, "config.yaml", error)) return reply_error("invalid", error);
  if (!store_.stage_config(text, error)) return reply_error("invalid", error);
  auto active = store_.read(store_.active());
  Snapshot cand = active ? *active : Snapshot{};
  cand.config = text;
  const std::string diff =
      active ? diff_snapshots(*active, "active", cand, "candidate") : std::string();
  return reply_ok({{"staged", true}, {"diff", diff}});
}

json Controller::cmd_config_diff(const json& args) {
  const uint64_t active = store_.active();
  Snapshot a, b;
  std::string an, bn;
  if (args.contains("from") || args.contains("to")) {
    const uint64_t from = args.value("from", active), to = args.value("to", active);
    auto sa = store_.read(from), sb = store_.read(to);
    if (!sa || !sb)
      return reply_error("not_found", "there is no version " + std::to_string(sa ? to : from));
    a = *sa;
    b = *sb;
    an = "version-" + std::to_string(from);
    bn = "version-" + std::to_string(to);
  } else {
    auto sa = store_.read(active);
    auto c = store_.candidate_config();
    if (!sa) return reply_error("not_found", "no active version");
    if (!c) return reply_ok({{"diff", ""}, {"candidate", false}});
    a = *sa;
    b = *sa;
    b.config = *c;
    an = "active";
    bn = "candidate";
  }
  return reply_ok({{"diff", diff_snapshots(a, an, b, bn)}, {"from", an}, {"to", bn}});
}

json Controller::cmd_config_commit(const json& args, const std::string& user) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  auto c = store_.candidate_config();
  if (!c)
    return reply_error("conflict",
                       "nothing to commit: no candidate staged (bulwarkctl config edit)");
  if (json c = pending_conflict(); !c.is_null()) return c;
  double minutes = 0;
  if (args.contains("confirm_minutes")) {
    if (!args["confirm_minutes"].is_number() || !(args["confirm_minutes"].get<double>() > 0) ||
        args["confirm_minutes"].get<double>() > 24 * 60)
      return reply_error("usage", "--confirm takes minutes between 0 and 1440");
    minutes = args["confirm_minutes"].get<double>();
  }
  const uint64_t previous = store_.active();
  auto s = store_.read(previous);
  if (!s) return reply_error("not_found", "no active version");
  s->config = *c;
  const auto meta = VersionMeta::of("commit", user, args.value("comment", std::string()));
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

json Controller::cmd_config_discard() {
  std::lock_guard<std::mutex> lock(apply_mu_);
  if (!store_.candidate_config()) return reply_error("not_found", "no candidate staged");
  store_.discard_candidate();
  return reply_ok({{"discarded", true}});
}

json Controller::cmd_config_rollback(const json& args, const std::string& user) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  const uint64_t active = store_.active();
  uint64_t to = args.value("version", uint64_t{0});
  if (to == 0) {
    // The version the active one replaced (or, failing that, the one numbered before it).
    if (auto m = store_.meta(active); m && m->based_on)
      to = m->based_on;
    else if (active > 1)
      to = active - 1;
  }
  if (to == 0) return reply_error("not_found", "there is no earlier version to roll back to");
  if (to == active)
    return reply_error("conflict", "version " + std::to_string(to) + " is already active");
  json report;
  CommandError err;
  if (!rollback_locked(to, "rollback", user, args.value("comment", std::string()), report, err))
    return reply_error(err.code, err.message);
  ++rollbacks_;
  return reply_ok(report);
}

json Controller::cmd_config_confirm(const std::string& user) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  auto p = store_.pending();
  if (!p) return reply_error("not_found", "no commit awaits confirmation");
  store_.clear_pending();
  events_.control_event("confirmed", {{"version", p->version}, {"user", user}});
  return reply_ok({{"confirmed", p->version}});
}

json Controller::cmd_config_versions() {
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
