// Controller: the manual block list (block add|list|remove) and keeping the dataplane's
// copy equal to it (see block_list.h).
#include "control/controller.h"
#include "control/reply.h"

namespace bulwark::control {

json control::Controller::cmd_block_add(const json& args, const std::string& user) {
  const std::string kind = args.value("kind", ""), value = args.value("value", "");
  std::lock_guard<std::mutex> lock(blocks_mu_);
  std::string error;
  const auto e = blocks_.add(kind, value, args.value("action", "block"),
                             args.value("ttl_seconds", uint64_t{0}), user,
                             args.value("comment", ""), control::unix_ms() / 1000, error);
  if (!e) return control::reply_error("invalid", error);
  json out = {{"id", e->id},
              {"kind", e->kind},
              {"value", e->value},
              {"action", e->action},
              {"expires_unix", e->expires_unix}};
  events_.control_event("block_added", {{"id", e->id},
                                        {"kind", e->kind},
                                        {"value", e->value},
                                        {"expires_unix", e->expires_unix},
                                        {"user", user}});
  out["dataplane"] = push_blocks_locked();
  return control::reply_ok(out);
}

json control::Controller::cmd_block_remove(const json& args, const std::string& user) {
  const uint64_t id = args.value("id", uint64_t{0});
  std::lock_guard<std::mutex> lock(blocks_mu_);
  std::string error;
  if (!blocks_.remove(id, error))
    return control::reply_error(error.rfind("no block", 0) == 0 ? "not_found" : "unavailable",
                                error);
  events_.control_event("block_removed", {{"id", id}, {"user", user}});
  return control::reply_ok({{"id", id}, {"dataplane", push_blocks_locked()}});
}

json control::Controller::cmd_block_list() {
  std::lock_guard<std::mutex> lock(blocks_mu_);
  if (blocks_.expire(control::unix_ms() / 1000))
    blocks_synced_session_ = 0;  // the supervisor pushes
  return control::reply_ok(
      {{"entries", blocks_.to_json()},
       {"in_sync", blocks_synced_session_ == link_.session() && link_.connected()}});
}

// Pushes the list; the dataplane's answer in words ("applied", "not connected", error).
std::string control::Controller::push_blocks_locked() {
  if (!link_.connected()) return "not connected (it gets the list when it connects)";
  std::string error;
  if (!link_.push_blocklist(blocks_.message(), error)) {
    blocks_synced_session_ = 0;
    return "not applied: " + error;
  }
  blocks_synced_session_ = link_.session();
  return "applied";
}

void control::Controller::sync_blocks() {
  std::lock_guard<std::mutex> lock(blocks_mu_);
  const bool expired = blocks_.expire(control::unix_ms() / 1000);
  if (!link_.connected() || !api::get_bool(link_.hello(), "inspecting")) return;
  const uint64_t session = link_.session();
  if (!expired && session == blocks_synced_session_) return;
  if (!expired && control::unix_ms() < next_block_push_ms_) return;
  if (!expired) {  // a new session: push only if the dataplane holds another list
    const json hello = link_.hello();
    const auto b = hello.find("blocklist");
    const std::string theirs =
        b != hello.end() && b->is_object() ? api::get_string(*b, "sha256") : std::string();
    if (theirs == blocks_.sha256() || (theirs.empty() && blocks_.entries().empty())) {
      blocks_synced_session_ = session;
      return;
    }
  }
  const std::string result = push_blocks_locked();
  if (result != "applied") {
    next_block_push_ms_ = control::unix_ms() + 5000;
    events_.control_event("blocklist_refused", {{"error", result}});
  }
}

}  // namespace bulwark::control
