// The block list feature: its commands and the dataplane's copy (see blocklist_feature.h).
#include "control/features/blocklist/blocklist_feature.h"

#include "control/dataplane_link.h"
#include "control/event_log.h"

namespace bulwark::control::blocklist {

using protocol::Error;
using protocol::json;
using protocol::reply_error;
using protocol::reply_ok;

std::unique_ptr<ControlFeature> BlocklistCommands::make(const FeatureContext& ctx) {
  return std::make_unique<BlocklistFeature>(ctx);
}

bool BlocklistFeature::start(const ControlConfig&, std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  return blocks_.load(ctx_.state_dir + "/blocklist.json", error);
}

json BlocklistFeature::block_add(const Request& r) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string error;
  const auto e =
      blocks_.add(r.text("kind"), r.text("value"), r.text("action"), r.uint("ttl_seconds"),
                  r.user(), r.text("comment"), unix_ms() / 1000, error);
  if (!e) return reply_error(Error::invalid, error);
  json out = {{"id", e->id},
              {"kind", e->kind},
              {"value", e->value},
              {"action", e->action},
              {"expires_unix", e->expires_unix}};
  ctx_.events.control_event("block_added", {{"id", e->id},
                                            {"kind", e->kind},
                                            {"value", e->value},
                                            {"expires_unix", e->expires_unix},
                                            {"user", r.user()}});
  out["dataplane"] = push_locked();
  return reply_ok(out);
}

json BlocklistFeature::block_remove(const Request& r) {
  const uint64_t id = r.uint("id");
  std::lock_guard<std::mutex> lock(mu_);
  std::string error;
  if (!blocks_.remove(id, error))
    return reply_error(error.rfind("no block", 0) == 0 ? Error::not_found : Error::unavailable,
                       error);
  ctx_.events.control_event("block_removed", {{"id", id}, {"user", r.user()}});
  return reply_ok({{"id", id}, {"dataplane", push_locked()}});
}

json BlocklistFeature::block_list(const Request&) {
  std::lock_guard<std::mutex> lock(mu_);
  if (blocks_.expire(unix_ms() / 1000)) synced_session_ = 0;  // the supervisor pushes
  return reply_ok({{"entries", blocks_.to_json()},
                   {"in_sync", synced_session_ == ctx_.link.session() && ctx_.link.connected()}});
}

std::string BlocklistFeature::push_locked() {
  if (!ctx_.link.connected()) return "not connected (it gets the list when it connects)";
  std::string error;
  if (!ctx_.link.push_blocklist(blocks_.message(), error)) {
    synced_session_ = 0;
    return "not applied: " + error;
  }
  synced_session_ = ctx_.link.session();
  return "applied";
}

void BlocklistFeature::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const bool expired = blocks_.expire(unix_ms() / 1000);
  if (!ctx_.link.connected() || !api::get_bool(ctx_.link.hello(), "inspecting")) return;
  const uint64_t session = ctx_.link.session();
  if (!expired && session == synced_session_) return;
  if (!expired && unix_ms() < next_push_ms_) return;
  if (!expired) {  // a new session: push only if the dataplane holds another list
    const json hello = ctx_.link.hello();
    const auto b = hello.find("blocklist");
    const std::string theirs =
        b != hello.end() && b->is_object() ? api::get_string(*b, "sha256") : std::string();
    if (theirs == blocks_.sha256() || (theirs.empty() && blocks_.entries().empty())) {
      synced_session_ = session;
      return;
    }
  }
  const std::string result = push_locked();
  if (result != "applied") {
    next_push_ms_ = unix_ms() + 5000;
    ctx_.events.control_event("blocklist_refused", {{"error", result}});
  }
}

}  // namespace bulwark::control::blocklist
