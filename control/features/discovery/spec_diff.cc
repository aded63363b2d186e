// Drift between the organisation's spec and the traffic (see inventory.h): shadow
// endpoints (served, not documented), zombie endpoints (documented, no longer used) and
// undocumented query parameters.
#include <set>
#include <tuple>

#include "control/features/discovery/inventory.h"
#include "control/features/discovery/inventory_internal.h"

namespace bulwark::control::discovery {

using json = nlohmann::json;

json Inventory::diff(const Spec& spec, uint64_t zombie_after_s, uint64_t now) const {
  json shadow = json::array(), zombie = json::array(), undocumented = json::array();
  // Latest traffic per spec operation, and each undocumented name once per operation.
  std::map<const SpecOperation*, uint64_t> last_seen;
  std::set<std::tuple<std::string, std::string, std::string>> params;
  for (const auto& [name, h] : hosts_)
    for (const auto& [key, e] : h->endpoints) {
      const Spec::Match m = spec.match(e.method, e.path);
      if (!m.operation) {
        shadow.push_back({{"host", e.host}, {"method", e.method}, {"path", e.path}});
        continue;
      }
      auto& ls = last_seen[m.operation];
      ls = std::max(ls, e.last_seen);
      for (const auto& q : e.query)
        if (!m.operation->query.count(q)) params.insert({m.path->path, e.method, q});
    }
  // Only an inventory that has watched long enough can say something went unused.
  const bool can_tell = since_ != 0 && now >= since_ && now - since_ >= zombie_after_s;
  if (can_tell)
    for (const auto& sp : spec.paths)
      for (const auto& op : sp.operations) {
        const auto it = last_seen.find(&op);
        if (it != last_seen.end() && it->second + zombie_after_s >= now) continue;
        zombie.push_back({{"method", op.method},
                          {"path", sp.path},
                          {"last_seen", it == last_seen.end() ? json() : json(it->second)}});
      }
  for (const auto& [path, method, name] : params)
    undocumented.push_back({{"method", method}, {"path", path}, {"in", "query"}, {"name", name}});
  return {{"shadow", std::move(shadow)},
          {"zombie", std::move(zombie)},
          {"undocumented_parameters", std::move(undocumented)}};
}

}  // namespace bulwark::control::discovery
