// The API inventory in bulwark-control: batches of observed calls from the dataplane are
// merged (their events go to the event log), the inventory is saved to the state
// directory every 10 s when it changed and at stop, and `bulwarkctl api ...` reads it.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/controller.h"
#include "control/reply.h"

namespace bulwark::control {

namespace {

constexpr uint64_t kSaveEveryMs = 10000;

std::string inventory_path(const std::string& state_dir) { return state_dir + "/inventory.json"; }

control::discovery::Limits limits_of(const control::ControlConfig& c) {
  control::discovery::Limits l;
  l.max_endpoints = c.inventory_max_endpoints;
  l.max_hosts = c.inventory_max_hosts;
  l.collapse_threshold = c.inventory_collapse;
  return l;
}

}  // namespace

bool control::Controller::is_api_batch(const std::string& line) {
  static constexpr std::string_view kPrefix = R"({"type":"api_observations")";
  return line.compare(0, kPrefix.size(), kPrefix) == 0;
}

void control::Controller::load_inventory(const control::ControlConfig& c) {
  std::string error;
  std::lock_guard<std::mutex> lock(inv_mu_);
  // The configured bounds from the start: loading under smaller ones would fold what
  // was kept into overflow, and the next save would make that permanent.
  inventory_ = control::discovery::Inventory(limits_of(c));
  const std::string path = inventory_path(opts_.state_dir);
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (exists && !std::ifstream(path, std::ios::binary)) {
    // Not readable now (permissions, I/O): nothing is saved over it this run.
    inv_save_blocked_ = true;
    events_.control_event("inventory_unreadable",
                          {{"file", path}, {"error", std::strerror(errno)}});
    return;
  }
  if (!inventory_.load(path, error)) {
    // Damaged: kept aside for a look, not overwritten by the next save.
    std::rename(path.c_str(), (path + ".damaged").c_str());
    events_.control_event("inventory_damaged", {{"file", path}, {"error", error}});
  }
}

bool control::Controller::read_spec(const std::string& file,
                                    std::shared_ptr<control::discovery::Spec>& out,
                                    std::string& error) {
  out.reset();
  if (file.empty()) return true;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "inventory.spec " + file + ": cannot read the file";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto spec = control::discovery::parse_spec(ss.str(), error);
  if (!spec) {
    error = "inventory.spec " + file + ": " + error;
    return false;
  }
  out = std::make_shared<control::discovery::Spec>(std::move(*spec));
  return true;
}

void control::Controller::use_inventory_config(
    const control::ControlConfig& c, const std::shared_ptr<control::discovery::Spec>& spec) {
  std::lock_guard<std::mutex> lock(inv_mu_);
  inventory_.set_limits(limits_of(c));
  inventory_.set_spec(spec.get());
  inv_dirty_ = true;
}

void control::Controller::on_api_batch(const std::string& line) {
  json batch = json::parse(line, nullptr, false);
  if (batch.is_discarded()) return;
  std::vector<json> events;
  {
    std::lock_guard<std::mutex> lock(inv_mu_);
    events = inventory_.ingest(batch, control::unix_ms() / 1000);
    inv_dirty_ = true;
  }
  for (auto& e : events) {
    const std::string type = e.value("type", "api_event");
    e.erase("type");
    events_.control_event(type, std::move(e));
  }
}

void control::Controller::save_inventory(bool force) {
  const uint64_t now = control::unix_ms();
  // One save at a time; the inventory's lock only while it is turned into text, so
  // batches, scrapes and api commands do not wait for the disk.
  std::lock_guard<std::mutex> saving(inv_save_mu_);
  std::string text;
  {
    std::lock_guard<std::mutex> lock(inv_mu_);
    if (inv_save_blocked_ || !inv_dirty_ || (!force && now < next_inv_save_ms_)) return;
    text = inventory_.snapshot();
    inv_dirty_ = false;
    next_inv_save_ms_ = now + kSaveEveryMs;
  }
  std::string error;
  if (!control::discovery::Inventory::write_snapshot(inventory_path(opts_.state_dir), text, error))
    events_.control_event("inventory_save_failed", {{"error", error}});
}

json control::Controller::inventory_totals() const {
  std::lock_guard<std::mutex> lock(inv_mu_);
  return inventory_.totals();
}

json control::Controller::cmd_api_list(const json& args) {
  const std::string host = args.value("host", "");
  std::lock_guard<std::mutex> lock(inv_mu_);
  return control::reply_ok(inventory_.list(host));
}

json control::Controller::cmd_api_show(const json& args) {
  if (!args.contains("method") || !args["method"].is_string() || !args.contains("path") ||
      !args["path"].is_string())
    return control::reply_error("usage", "api.show needs method and path");
  const std::string host = args.value("host", "");
  std::lock_guard<std::mutex> lock(inv_mu_);
  auto e =
      inventory_.show(host, args["method"].get<std::string>(), args["path"].get<std::string>());
  if (!e)
    return control::reply_error("not_found", "no endpoint " + args["method"].get<std::string>() +
                                                 " " + args["path"].get<std::string>() +
                                                 (host.empty() ? "" : " on " + host) +
                                                 " in the inventory");
  return control::reply_ok(*e);
}

json control::Controller::cmd_api_export(const json& args) {
  const std::string host = args.value("host", "");
  const std::string title = args.value("title", "API inventory observed by Bulwark");
  std::lock_guard<std::mutex> lock(inv_mu_);
  return control::reply_ok(inventory_.export_openapi(host, title, opts_.version));
}

json control::Controller::cmd_api_diff(const json& args) {
  if (!args.contains("spec") || !args["spec"].is_string())
    return control::reply_error("usage", "api.diff needs the spec's text");
  std::string error;
  auto spec = control::discovery::parse_spec(args["spec"].get<std::string>(), error);
  if (!spec) return control::reply_error("invalid", "the spec: " + error);
  uint64_t zombie = config().inventory_zombie_after_s;
  if (args.contains("zombie_after")) {
    if (!args["zombie_after"].is_number_unsigned() || args["zombie_after"].get<uint64_t>() == 0)
      return control::reply_error("usage", "zombie_after must be a positive number of seconds");
    zombie = args["zombie_after"].get<uint64_t>();
  }
  std::lock_guard<std::mutex> lock(inv_mu_);
  return control::reply_ok(inventory_.diff(*spec, zombie, control::unix_ms() / 1000));
}

}  // namespace bulwark::control
