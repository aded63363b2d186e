// Rows of the API inventory's commands (handlers in discovery_handlers.cc), with how
// bulwarkctl reads the spec for api diff, writes api export's document and prints the
// results (reply shapes in inventory.h).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "control/cli/cli_input.h"
#include "control/cli/render_text.h"
#include "control/features/discovery/discovery_commands.h"

namespace bulwark::control::discovery {

using namespace protocol;

namespace {

using cli::count;
using cli::day;
using cli::nonzero;
using cli::str;

std::string render_list(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["endpoints"]) {
    std::string path = str(e["path"]);
    if (e.value("shadow", false)) path += " (shadow)";
    rows.push_back({str(e["host"]), str(e["method"]), path, count(e["count"]), nonzero(e["status"]),
                    nonzero(e["auth"]), nonzero(e["sensitive"]), day(e["last_seen"])});
  }
  std::string o = rows.empty() ? std::string("no endpoints seen\n")
                               : cli::table({"HOST", "METHOD", "PATH", "REQUESTS", "STATUS",
                                             "CREDENTIALS", "SENSITIVE", "LAST SEEN"},
                                            rows);
  o += fmt::format("{} endpoints, {} hosts, observing since {}", rows.size(), str(r["hosts"]),
                   day(r["since"]));
  if (r.value("overflow_requests", uint64_t{0}))
    o += fmt::format("; {} requests beyond the inventory's bounds", count(r["overflow_requests"]));
  return o + "\n";
}

std::string render_show(const json& e) {
  std::string o = fmt::format("{} {}{}{}\n", str(e["method"]), str(e["host"]), str(e["path"]),
                              e.value("shadow", false) ? "  (shadow: not in the spec)" : "");
  o += fmt::format("  requests     {} (first {}, last {})\n", count(e["count"]),
                   day(e["first_seen"]), day(e["last_seen"]));
  o += "  status       " + nonzero(e["status"]) + "\n";
  o += "  media types  " + nonzero(e["content_types"]) + "\n";
  for (const char* k : {"request_bytes", "response_bytes"})
    if (e.contains(k))
      o += fmt::format("  {:<12} min {} max {} mean {:.0f}\n", k[2] == 'q' ? "request" : "response",
                       count(e[k]["min"]), count(e[k]["max"]), e[k].value("mean", 0.0));
  std::string q;
  const json query = e.value("query", json::array());
  for (const auto& n : query) q += (q.empty() ? "" : ", ") + str(n);
  o += "  query        " + (q.empty() ? std::string("-") : q) + "\n";
  o += "  credentials  " + nonzero(e["auth"]) + "\n";
  std::string s;
  const json sensitive = e.value("sensitive", json::object());  // named: items() keeps a reference
  for (const auto& [cls, v] : sensitive.items())
    s += fmt::format("{}{}: {} records in {} responses", s.empty() ? "" : "; ", cls,
                     count(v["records"]), count(v["responses"]));
  o += "  sensitive    " + (s.empty() ? std::string("-") : s) + "\n";
  if (e.value("unscanned", uint64_t{0}))
    o += fmt::format("  unscanned    {} responses (e.g. compressed)\n", count(e["unscanned"]));
  return o;
}

std::string render_diff(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r["shadow"])
    rows.push_back({"shadow", str(s.value("host", json())), str(s["method"]), str(s["path"]),
                    "seen, not in the spec"});
  for (const auto& z : r["zombie"])
    rows.push_back({"zombie", "-", str(z["method"]), str(z["path"]),
                    z["last_seen"].is_null() ? std::string("never seen")
                                             : "last seen " + day(z["last_seen"])});
  for (const auto& p : r["undocumented_parameters"])
    rows.push_back(
        {"parameter", "-", str(p["method"]), str(p["path"]),
         fmt::format("{} parameter '{}' not in the spec", str(p["in"]), str(p["name"]))});
  if (rows.empty()) return "no drift: the traffic matches the spec\n";
  return cli::table({"KIND", "HOST", "METHOD", "PATH", "WHAT"}, rows) +
         fmt::format("{} shadow, {} zombie, {} undocumented parameters\n", r["shadow"].size(),
                     r["zombie"].size(), r["undocumented_parameters"].size());
}

// api diff: exit 6 if the result shows any drift (shadow, zombie, undocumented parameter).
int drift_exit(const json& d) {
  for (const char* k : {"shadow", "zombie", "undocumented_parameters"})
    if (d.contains(k) && d[k].is_array() && !d[k].empty()) return kExitDrift;
  return kExitOk;
}

std::string render_document(const json& r) { return r.dump(2) + "\n"; }

// api export: the document itself, --json or not, to stdout or -o FILE.
int write_document(const json& result, const CliInputs& in) {
  const std::string doc = render_document(result);
  const std::string& out_file = in.text.at("output");
  if (out_file.empty()) {
    std::fputs(doc.c_str(), stdout);
    return kExitOk;
  }
  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  if (!(out << doc) || !out.flush()) return cli::fail(kExitUsage, "cannot write " + out_file);
  return kExitOk;
}

// api diff: the spec's text and --zombie-after in seconds.
std::optional<int> spec_and_age(CliRun& run) {
  const std::string& file = run.inputs.text.at("spec");
  std::string text;
  if (!cli::read_text(file, text)) return cli::fail(kExitUsage, "cannot read " + file);
  const std::string& after = run.inputs.text.at("zombie-after");
  uint64_t seconds = 0;
  if (!cli::parse_duration(after, seconds))
    return cli::fail(kExitUsage,
                     "--zombie-after '" + after + "' is not a duration like 90s, 10m, 2h or 7d");
  run.args["spec"] = text;
  run.args["zombie_after"] = seconds;
  return std::nullopt;
}

}  // namespace

const CommandSet& DiscoveryCommands::commands() {
  using C = DiscoveryCommands;
  const auto host = [](const char* help) { return optional("host", ArgType::string, help, ""); };
  static const CommandSet set{
      .groups = {{"api", "API discovery: the endpoints seen in the traffic"}},
      .rows = {
          {.name = "api.list",
           .help = "discovered endpoints with requests and data",
           .args = {host("only this host")},
           .handler = handled_by(&C::api_list),
           .cli = {.options = {option("--host", "host")}},
           .render = render_list},
          {.name = "api.show",
           .help = "one endpoint in full (the path as a template or a concrete request path)",
           .args = {required("method", ArgType::string, "HTTP method, e.g. GET"),
                    required("path", ArgType::string, "e.g. /v1/users/{id} or /v1/users/8812"),
                    host("the endpoint's host (default: any)")},
           .handler = handled_by(&C::api_show),
           .cli = {.options = {option("method", "method")
                                   .is_required()
                                   .completing("GET POST PUT PATCH DELETE"),
                               option("path", "path").is_required(), option("--host", "host")}},
           .render = render_show},
          {.name = "api.export",
           .help = "the discovered API as an OpenAPI 3.0.3 document (JSON, to stdout or -o)",
           .args = {host("only this host"),
                    optional("title", ArgType::string,
                             "the document's info.title (empty: \"Discovered API\")",
                             "API inventory observed by Bulwark")},
           .handler = handled_by(&C::api_export),
           .cli = {.options = {option("--host", "host"),
                               option("--title", "title").with_help("the document's info.title"),
                               input("-o,--output", CliValue::text,
                                     "write to FILE instead of stdout")
                                   .file_name()}},
           .render = render_document,
           .print = write_document},
          {.name = "api.diff",
           .help = "compare the traffic with the organisation's spec (OpenAPI 3 / Swagger 2, "
                   "YAML or JSON): shadow endpoints (seen, not in the spec), zombie endpoints "
                   "(in the spec, no traffic for --zombie-after), undocumented query "
                   "parameters. Exit 0: no drift, 6: drift found",
           .args = {required("spec", ArgType::string, "the spec's text"),
                    optional("zombie_after", ArgType::uint,
                             "seconds without traffic that make a documented endpoint a zombie "
                             "(default: the configured inventory.zombie_after)")},
           .handler = handled_by(&C::api_diff),
           .cli = {.options = {input("spec", CliValue::text, "the spec file ('-': stdin)")
                                   .is_required()
                                   .file_name(),
                               input("--zombie-after", CliValue::text,
                                     "no traffic for this long makes a documented endpoint a "
                                     "zombie: 90s, 10m, 2h, 7d")
                                   .with_initial("7d")},
                   .step = spec_and_age},
           .render = render_diff,
           .exit = drift_exit},
      }};
  return set;
}

}  // namespace bulwark::control::discovery
