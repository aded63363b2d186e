// The API inventory feature's life in bulwark-control: loading, configuration, the
// dataplane's batches, saving and metrics (see discovery_feature.h).
#include "control/features/discovery/discovery_feature.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/event_log.h"

namespace bulwark::control::discovery {
namespace {

constexpr uint64_t kSaveEveryMs = 10000;

Limits limits_of(const ControlConfig& c) {
  Limits l;
  l.max_endpoints = c.inventory_max_endpoints;
  l.max_hosts = c.inventory_max_hosts;
  l.collapse_threshold = c.inventory_collapse;
  return l;
}

// The configured spec (inventory.spec), parsed; null without one. false and `error` if
// it cannot be read or parsed.
bool read_spec(const std::string& file, std::shared_ptr<Spec>& out, std::string& error) {
  out.reset();
  if (file.empty()) return true;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "inventory.spec " + file + ": cannot read the file";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto spec = parse_spec(ss.str(), error);
  if (!spec) {
    error = "inventory.spec " + file + ": " + error;
    return false;
  }
  out = std::make_shared<Spec>(std::move(*spec));
  return true;
}

}  // namespace

std::unique_ptr<ControlFeature> DiscoveryCommands::make(const FeatureContext& ctx) {
  return std::make_unique<DiscoveryFeature>(ctx);
}

bool DiscoveryFeature::start(const ControlConfig& first, std::string&) {
  std::string error;
  std::lock_guard<std::mutex> lock(mu_);
  // The configured bounds from the start: loading under smaller ones would fold what
  // was kept into overflow, and the next save would make that permanent.
  inventory_ = Inventory(limits_of(first));
  const std::string file = path();
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (exists && !std::ifstream(file, std::ios::binary)) {
    // Not readable now (permissions, I/O): nothing is saved over it this run.
    save_blocked_ = true;
    ctx_.events.control_event("inventory_unreadable",
                              {{"file", file}, {"error", std::strerror(errno)}});
    return true;
  }
  if (!inventory_.load(file, error)) {
    // Damaged: kept aside for a look, not overwritten by the next save.
    std::rename(file.c_str(), (file + ".damaged").c_str());
    ctx_.events.control_event("inventory_damaged", {{"file", file}, {"error", error}});
  }
  return true;  // the inventory starts empty rather than stopping bulwark-control
}

bool DiscoveryFeature::prepare_config(const ControlConfig& c, std::function<void()>& use,
                                      std::string& error) {
  std::shared_ptr<Spec> spec;
  if (!read_spec(c.inventory_spec, spec, error)) return false;
  use = [this, limits = limits_of(c), spec] {
    std::lock_guard<std::mutex> lock(mu_);
    inventory_.set_limits(limits);
    inventory_.set_spec(spec.get());
    dirty_ = true;
  };
  return true;
}

bool DiscoveryFeature::claim_line(const std::string& line) {
  static constexpr std::string_view kPrefix = R"({"type":"api_observations")";
  if (line.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  json batch = json::parse(line, nullptr, false);
  if (batch.is_discarded()) return true;
  std::vector<json> events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    events = inventory_.ingest(batch, unix_ms() / 1000);
    dirty_ = true;
  }
  for (auto& e : events) {
    const std::string type = e.value("type", "api_event");
    e.erase("type");
    ctx_.events.control_event(type, std::move(e));
  }
  return true;
}

void DiscoveryFeature::save(bool force) {
  const uint64_t now = unix_ms();
  // One save at a time; the inventory's lock only while it is turned into text, so
  // batches, scrapes and api commands do not wait for the disk.
  std::lock_guard<std::mutex> saving(save_mu_);
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (save_blocked_ || !dirty_ || (!force && now < next_save_ms_)) return;
    text = inventory_.snapshot();
    dirty_ = false;
    next_save_ms_ = now + kSaveEveryMs;
  }
  std::string error;
  if (!Inventory::write_snapshot(path(), text, error))
    ctx_.events.control_event("inventory_save_failed", {{"error", error}});
}

}  // namespace bulwark::control::discovery
