// The api commands: list, show, export and diff of the API inventory (rows in
// discovery_rows.cc, reply shapes in inventory.h).
#include "control/features/discovery/discovery_feature.h"

namespace bulwark::control::discovery {

using protocol::Error;
using protocol::json;
using protocol::reply_error;
using protocol::reply_ok;

json DiscoveryFeature::api_list(const Request& r) {
  const std::string host = r.text("host");
  std::lock_guard<std::mutex> lock(mu_);
  return reply_ok(inventory_.list(host));
}

json DiscoveryFeature::api_show(const Request& r) {
  const std::string host = r.text("host"), method = r.text("method"), path = r.text("path");
  std::lock_guard<std::mutex> lock(mu_);
  auto e = inventory_.show(host, method, path);
  if (!e)
    return reply_error(Error::not_found, "no endpoint " + method + " " + path +
                                             (host.empty() ? "" : " on " + host) +
                                             " in the inventory");
  return reply_ok(*e);
}

json DiscoveryFeature::api_export(const Request& r) {
  const std::string host = r.text("host"), title = r.text("title");
  std::lock_guard<std::mutex> lock(mu_);
  return reply_ok(inventory_.export_openapi(host, title, ctx_.control_version));
}

json DiscoveryFeature::api_diff(const Request& r) {
  std::string error;
  auto spec = parse_spec(r.text("spec"), error);
  if (!spec) return reply_error(Error::invalid, "the spec: " + error);
  uint64_t zombie = ctx_.config().inventory_zombie_after_s;
  if (r.has("zombie_after")) {
    zombie = r.uint("zombie_after");
    if (zombie == 0)
      return reply_error(Error::usage, "zombie_after must be a positive number of seconds");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return reply_ok(inventory_.diff(*spec, zombie, unix_ms() / 1000));
}

}  // namespace bulwark::control::discovery
