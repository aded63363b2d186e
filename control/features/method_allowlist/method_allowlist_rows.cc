// The row of the method allow-list's command, with how bulwarkctl prints it.
#include <fmt/format.h>

#include "control/cli/render_text.h"
#include "control/features/method_allowlist/method_allowlist_commands.h"

namespace bulwark::control::method_allowlist {

using namespace protocol;

namespace {

using cli::str;

std::string render_methods(const json& r) {
  std::string out = fmt::format("rules version {}: ", str(r["version"]));
  if (r["endpoints"].empty()) return out + "no method_allowlist endpoints\n";
  out += fmt::format("mode {}, {} endpoints\n", str(r["mode"]), r["endpoints"].size());
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["endpoints"])
    rows.push_back({str(e["path"]), str(e["allow"]), str(e["origin"])});
  out += cli::table({"ENDPOINT", "ALLOW", "DEFINED AT"}, rows);
  if (r.contains("requests"))
    out += fmt::format("requests with a method not served: {} refused (405), {} monitored\n",
                       str(r["requests"]["refused"]), str(r["requests"]["monitored"]));
  else
    out += "requests: " + str(r["requests_error"]) + "\n";
  return out;
}

}  // namespace

const CommandSet& MethodAllowlistCommands::commands() {
  using C = MethodAllowlistCommands;
  static const CommandSet set{
      .rows = {
          {.name = "methods",
           .help = "the method allow-list: endpoints, the methods each serves, requests "
                   "refused",
           .handler = handled_by(&C::methods),
           .render = render_methods},
      }};
  return set;
}

}  // namespace bulwark::control::method_allowlist
