// Rows of the rule commands: rules list, show, test, load (handlers in
// controller_rules.cc), with their human output.
#include <fmt/format.h>

#include <filesystem>

#include "control/cli/cli_input.h"
#include "control/cli/render_text.h"
#include "control/core_commands.h"

namespace bulwark::control {

using namespace protocol;

namespace {

using cli::count;
using cli::str;

// "20/s burst 10 per api_key" for a limit, "-" for a rule.
std::string limit_text(const json& x) {
  if (!x.contains("limit")) return "-";
  const json& l = x["limit"];
  std::string key;
  for (const auto& k : l["key"]) {
    if (!key.empty()) key += '+';
    key += str(k);
  }
  return fmt::format("{} burst {} per {}{}", str(l["rate"]), str(l["burst"]), key,
                     l["scope"] == "worker" ? " (each worker)" : "");
}

std::string render_rules(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : r["rules"])
    rows.push_back({str(x["id"]), str(x["name"]), limit_text(x), str(x["action"]), str(x["mode"]),
                    count(x["hits"]), str(x["origin"])});
  return fmt::format("version {}\n", str(r["version"])) +
         cli::table({"ID", "NAME", "LIMIT", "ACTION", "MODE", "HITS", "SOURCE"}, rows);
}

std::string render_rule(const json& r) {
  const bool limit = r.contains("limit");
  std::string o =
      fmt::format("{} {}: {}\n", limit ? "limit" : "rule", str(r["id"]), str(r["name"]));
  if (limit) o += "  " + limit_text(r) + "\n";
  o += fmt::format("  action {}, mode {}, {} {}, from {}\n", str(r["action"]), str(r["mode"]),
                   count(r["hits"]), limit ? "requests over the limit" : "hits", str(r["origin"]));
  if (r.contains("source")) o += fmt::format("\n{}", r["source"].get<std::string>());
  return o;
}

std::string render_test(const json& r) {
  std::string o = fmt::format("against version {}\n", str(r["version"]));
  size_t i = 0;
  for (const auto& q : r["requests"]) {
    o += fmt::format("request {}: {} {} (path {})\n", ++i, str(q["method"]), str(q["target"]),
                     str(q["path"]));
    for (const auto& a : q["anomalies"]) o += "  anomaly: " + str(a) + "\n";
    for (const auto& m : q["matched"])
      o += fmt::format("  matched rule {} '{}' ({}, {})\n", str(m["id"]), str(m["name"]),
                       str(m["action"]), str(m["mode"]));
    const json& v = q["verdict"];
    o += v["action"] == "pass"
             ? std::string("  verdict: pass\n")
             : fmt::format("  verdict: {} by rule {}\n", str(v["action"]), str(v["rule"]));
  }
  return o;
}

// rules test: the raw request(s) from --request (a file or stdin).
std::optional<int> read_request(CliRun& run) {
  const std::string& file = run.inputs.text.at("request");
  std::string raw;
  if (!cli::read_text(file, raw)) return cli::fail(kExitUsage, "cannot read " + file);
  run.args["request"] = raw;
  return std::nullopt;
}

// rules load: the files' texts by file name (the name a version keeps them under).
std::optional<int> read_rule_files(CliRun& run) {
  json files = json::object();
  for (const auto& f : run.inputs.texts.at("files")) {
    std::string text;
    const std::string name = std::filesystem::path(f).filename().string();
    if (!cli::read_text(f, text)) return cli::fail(kExitUsage, "cannot read " + f);
    if (files.contains(name))
      return cli::fail(kExitUsage, "two rule files are named " + name + "; rename one");
    files[name] = text;
  }
  run.args["files"] = files;
  return std::nullopt;
}

}  // namespace

std::string render_applied(const json& r) {
  if (r.value("unchanged", false))
    return fmt::format("unchanged: version {} already has these rules\n", str(r["version"]));
  std::string o = fmt::format("version {} active (was {})", str(r["version"]), str(r["previous"]));
  if (r.contains("rolled_back_to"))
    o += fmt::format(", same content as version {}", str(r["rolled_back_to"]));
  o += "\n";
  const json& b = r["bundle"];
  o += fmt::format("  bundle: {} rules, {} bytes, sha256 {}\n", str(b["rules"]), str(b["bytes"]),
                   str(b["sha256"]));
  for (const auto& w : b["warnings"]) o += "  warning: " + str(w) + "\n";
  const json& d = r["dataplane"];
  if (d.is_object())
    o += fmt::format("  dataplane: loaded version {} (prepare {:.1f} ms, swap {:.1f} ms)\n",
                     str(d["version"]), d["prepare_ns"].get<double>() / 1e6,
                     d["swap_ns"].get<double>() / 1e6);
  else
    o += "  dataplane: " + str(d) + "\n";
  if (r.contains("confirm_by_unix_ms"))
    o += fmt::format("  confirm by {} (bulwarkctl config confirm), or it is rolled back\n",
                     cli::when(r["confirm_by_unix_ms"].get<uint64_t>()));
  return o;
}

std::vector<CommandRow> rules_rows() {
  using C = CoreCommands;
  return {
      {.name = "rules.list",
       .help = "rules with action, mode and hits",
       .handler = handled_by(&C::cmd_rules_list),
       .render = render_rules},
      {.name = "rules.show",
       .help = "one rule, with its source",
       .args = {required("id", ArgType::uint, "rule id")},
       .handler = handled_by(&C::cmd_rules_show),
       .cli = {.options = {option("id", "id").is_required()}},
       .render = render_rule},
      {.name = "rules.test",
       .help = "evaluate a raw HTTP request against the rules",
       .args = {required("request", ArgType::string, "the raw request(s)"),
                optional("crlf", ArgType::boolean,
                         "turn bare LF line ends into CRLF (typed requests)", false),
                optional("client_ip", ArgType::string, "client address for client_ip tests", ""),
                optional("version", ArgType::uint, "test against this version (default: active)")},
       .handler = handled_by(&C::cmd_rules_test),
       .cli = {.options = {input("--request", CliValue::text,
                                 "file with the raw request(s); - for stdin")
                               .with_initial("-")
                               .file_name(),
                           option("--crlf", "crlf"),
                           option("--client-ip", "client_ip").only_if_set(),
                           option("--version", "version").only_if_set()},
               .step = read_request},
       .render = render_test},
      {.name = "rules.load",
       .help = "make the given rule files the rule set: validate, compile, push, new version",
       .args = {required("files", ArgType::string_map, "rule file texts by file name"),
                optional("add", ArgType::boolean, "keep the other rule files of the active version",
                         false),
                optional("comment", ArgType::string, "why (kept in the version history)", "")},
       .handler = handled_by(&C::cmd_rules_load),
       .cli = {.options = {input("files", CliValue::texts, "rule files (YAML, or Suricata .rules)")
                               .is_required()
                               .existing_file(),
                           option("--add", "add"), option("--comment", "comment")},
               .step = read_rule_files},
       .render = render_applied},
  };
}

}  // namespace bulwark::control
