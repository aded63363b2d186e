// The events row (recent events, or --follow for a stream; handler in
// controller_status.cc) and how an event line reads.
#include <fmt/format.h>

#include <cstdio>

#include "control/cli/cli_input.h"
#include "control/cli/render_text.h"
#include "control/core_commands.h"

namespace bulwark::control {

using namespace protocol;

namespace {

using cli::str;

std::string render_event(const json& e) {
  if (!e.is_object()) return str(e);
  std::string o = str(e.value("time", json())) + " " + str(e.value("type", json()));
  if (e.contains("rule"))
    o += fmt::format(" rule {} '{}'", str(e["rule"]["id"]), str(e["rule"]["name"]));
  if (e.contains("limit"))
    o += fmt::format(" limit {} '{}' key {} ({} over, retry after {} s)", str(e["limit"]["id"]),
                     str(e["limit"]["name"]), str(e.value("key", json())),
                     str(e.value("denied", json())), str(e.value("retry_after", json())));
  if (e.contains("action"))
    o += fmt::format(" {}{}", str(e["action"]), e.value("enforced", true) ? "" : " (monitor)");
  if (e.contains("client_ip")) o += " from " + str(e["client_ip"]);
  if (e.contains("method"))
    o += fmt::format(" {} {}{}", str(e["method"]), str(e["host"]), str(e["path"]));
  for (const char* k : {"version", "previous", "unconfirmed", "restored", "user", "error", "pid"})
    if (e.contains(k) && !e.contains("rule")) o += fmt::format(" {}={}", k, str(e[k]));
  return o;
}

std::string render_events(const json& r) {
  std::string o;
  for (const auto& e : r) o += render_event(e) + "\n";
  return o;
}

// --follow: no request, the event stream until it ends (or Ctrl-C).
std::optional<int> follow_events(CliRun& run) {
  if (!run.inputs.given.contains("follow")) return std::nullopt;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string error;
  run.channel.follow(
      [&](const json& frame) {
        if (frame.contains("dropped")) {
          std::fprintf(stderr, "bulwarkctl: %s events dropped (this terminal was too slow)\n",
                       frame["dropped"].dump().c_str());
          return;
        }
        const auto it = frame.find("event");
        const std::string line = it != frame.end() && it->is_string() ? it->get<std::string>() : "";
        if (run.json_out) {
          std::printf("%s\n", line.c_str());
        } else {
          const auto e = json::parse(line, nullptr, false);
          std::printf("%s\n", render_event(e.is_discarded() ? json(line) : e).c_str());
        }
      },
      error);
  return cli::fail(kExitNoControl, "event stream ended: " + error);
}

}  // namespace

std::vector<CommandRow> events_rows() {
  return {
      {.name = "events",
       .help = "recent events; --follow streams new ones",
       .args = {optional("count", ArgType::uint, "how many recent events", 20)},
       .handler = handled_by(&CoreCommands::cmd_events),
       .cli = {.options = {input("-f,--follow", CliValue::flag,
                                 "keep printing events as they happen (Ctrl-C ends)"),
                           option("-n,--count", "count").with_initial("20")},
               .step = follow_events},
       .render = render_events},
  };
}

}  // namespace bulwark::control
