// bulwarkctl: the operator's CLI for a Bulwark appliance. Talks to bulwark-control
// over its management socket; never to the dataplane directly.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "control/cli/client.h"
#include "control/cli/completion.h"
#include "control/cli/render.h"

namespace {

using namespace bulwark::cli;
namespace api = bulwark::api;
namespace fs = std::filesystem;

const char* kExitCodes =
    "Exit codes:\n"
    "  0  done\n"
    "  1  refused: the rules or configuration are invalid (the message names file and line),\n"
    "     or the change conflicts with the state (e.g. a commit awaits confirmation)\n"
    "  2  bad command line\n"
    "  3  bulwark-control cannot be reached (not running, wrong --socket, no permission)\n"
    "  4  not found (version, rule, candidate)\n"
    "  5  the dataplane is not running (for commands that read its counters)\n"
    "  6  api diff: the traffic drifted from the spec (shadow or zombie endpoints,\n"
    "     undocumented parameters); 0 means no drift\n";

bool read_text(const std::string& path, std::string& out) {
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// "90s", "10m", "2h", "7d" or plain seconds.
bool parse_duration(const std::string& text, uint64_t& seconds) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  const std::string unit = text.substr(digits);
  const uint64_t per = unit.empty() || unit == "s" ? 1
                       : unit == "m"               ? 60
                       : unit == "h"               ? 3600
                       : unit == "d"               ? 86400
                                                   : 0;
  seconds = std::stoull(text.substr(0, digits)) * per;
  return per != 0 && seconds > 0;
}

int fail(int code, const std::string& msg) {
  std::fprintf(stderr, "bulwarkctl: %s\n", msg.c_str());
  return code;
}

// Opens $VISUAL/$EDITOR (or vi) on `text`; the edited text, or false if the editor failed.
bool edit_text(std::string& text, std::string& error) {
  char tmpl[] = "/tmp/bulwark-config-XXXXXX.yaml";
  const int fd = mkstemps(tmpl, 5);
  if (fd < 0) {
    error = "cannot create a temporary file";
    return false;
  }
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    close(fd);
    error = "cannot write a temporary file";
    return false;
  }
  close(fd);
  const char* ed = std::getenv("VISUAL");
  if (!ed || !*ed) ed = std::getenv("EDITOR");
  if (!ed || !*ed) ed = "vi";
  const std::string cmd = std::string(ed) + " '" + tmpl + "'";
  const int rc = std::system(cmd.c_str());
  const bool ok = rc == 0 && read_text(tmpl, text);
  unlink(tmpl);
  if (!ok) error = "the editor (" + std::string(ed) + ") failed; nothing staged";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwarkctl: manage a Bulwark appliance (talks to bulwark-control)."};
  app.footer(std::string("\nExamples:\n"
                         "  bulwarkctl status\n"
                         "  bulwarkctl rules load rules/packs/*.yaml --comment 'new packs'\n"
                         "  bulwarkctl rules test --request req.txt --crlf\n"
                         "  bulwarkctl config edit && bulwarkctl config diff && "
                         "bulwarkctl config commit --confirm 5\n"
                         "  bulwarkctl config confirm\n"
                         "  bulwarkctl events --follow\n"
                         "  bulwarkctl api diff openapi.yaml --zombie-after 30d\n\n") +
             kExitCodes);
  app.require_subcommand(1);
  std::string socket =
      std::getenv("BULWARK_SOCKET") ? std::getenv("BULWARK_SOCKET") : "/run/bulwark/control.sock";
  bool json_out = false;
  int timeout_s = 90;
  app.add_option("--socket", socket, "bulwark-control's management socket (env BULWARK_SOCKET)")
      ->capture_default_str();
  app.add_flag("--json", json_out, "print the result as JSON (for scripts)");
  app.add_option("--timeout", timeout_s, "seconds to wait for an answer")
      ->check(CLI::Range(1, 3600));

  auto* status =
      app.add_subcommand("status", "appliance overview: versions, dataplane, rules, traffic");
  auto* ports =
      app.add_subcommand("ports", "ports and their queues: packets, bytes, drops, errors");
  auto* workers =
      app.add_subcommand("workers", "worker lcores: load, packets, flows, rule-swap stalls");
  uint64_t top_n = 10;
  auto* flows = app.add_subcommand(
      "flows", "flow tables (active, created, expired, evicted) and the top talkers");
  flows->add_option("--top", top_n, "how many top talkers")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  auto* stats = app.add_subcommand("stats", "every metric, the same numbers Prometheus scrapes");
  auto* version =
      app.add_subcommand("version", "versions of bulwarkctl, bulwark-control, configuration");

  auto* rules = app.add_subcommand("rules", "detection rules of the active version");
  rules->require_subcommand(1);
  auto* rules_list = rules->add_subcommand("list", "rules with action, mode and hits");
  uint64_t rule_id = 0;
  auto* rules_show = rules->add_subcommand("show", "one rule, with its source");
  rules_show->add_option("id", rule_id, "rule id")->required();
  std::string request_file = "-", client_ip;
  bool crlf = false;
  uint64_t test_version = 0;
  auto* rules_test = rules->add_subcommand("test", "evaluate a raw HTTP request against the rules");
  rules_test->add_option("--request", request_file, "file with the raw request(s); - for stdin")
      ->capture_default_str();
  rules_test->add_flag("--crlf", crlf, "turn bare LF line ends into CRLF (typed requests)");
  rules_test->add_option("--client-ip", client_ip, "client address for client_ip tests");
  rules_test->add_option("--version", test_version, "test against this version (default: active)");
  std::vector<std::string> rule_files;
  bool add = false;
  std::string comment;
  auto* rules_load = rules->add_subcommand(
      "load", "make the given rule files the rule set: validate, compile, push, new version");
  rules_load->add_option("files", rule_files, "rule files (YAML, or Suricata .rules)")
      ->required()
      ->check(CLI::ExistingFile);
  rules_load->add_flag("--add", add, "keep the other rule files of the active version");
  rules_load->add_option("--comment", comment, "why (kept in the version history)");

  auto* config = app.add_subcommand("config", "configuration versions");
  config->require_subcommand(1);
  uint64_t show_version = 0;
  bool show_candidate = false;
  auto* config_show = config->add_subcommand("show", "the active (or a given) configuration");
  config_show->add_option("--version", show_version, "version number");
  config_show->add_flag("--candidate", show_candidate, "the staged candidate");
  std::string edit_file;
  auto* config_edit = config->add_subcommand(
      "edit", "stage a candidate: from --file, else in $EDITOR (validated, not applied)");
  config_edit->add_option("--file", edit_file, "YAML file to stage ('-': stdin)");
  uint64_t diff_from = 0, diff_to = 0;
  auto* config_diff = config->add_subcommand("diff", "candidate against active, or two versions");
  config_diff->add_option("--from", diff_from, "version");
  config_diff->add_option("--to", diff_to, "version");
  double confirm_minutes = 0;
  auto* config_commit = config->add_subcommand("commit", "apply the candidate as a new version");
  config_commit
      ->add_option("--confirm", confirm_minutes,
                   "roll back by itself after MINUTES unless `config confirm` runs")
      ->check(CLI::Range(0.001, 1440.0));
  config_commit->add_option("--comment", comment, "why (kept in the version history)");
  auto* config_discard = config->add_subcommand("discard", "drop the staged candidate");
  uint64_t rollback_to = 0;
  auto* config_rollback =
      config->add_subcommand("rollback", "make an earlier version active again (as a new version)");
  config_rollback->add_option("version", rollback_to,
                              "version to go back to (default: the one the active replaced)");
  config_rollback->add_option("--comment", comment, "why");
  auto* config_confirm = config->add_subcommand("confirm", "keep a commit made with --confirm");
  auto* config_versions = config->add_subcommand("versions", "version history");

  bool follow = false;
  uint64_t event_count = 20;
  auto* events = app.add_subcommand("events", "recent events; --follow streams new ones");
  events->add_flag("-f,--follow", follow, "keep printing events as they happen (Ctrl-C ends)");
  events->add_option("-n,--count", event_count, "how many recent events")->capture_default_str();

  auto* block = app.add_subcommand("block", "the manual block list (kept across restarts)");
  block->require_subcommand(1);
  std::string block_ip, block_prefix, block_fp, block_key, block_key_sha, block_ttl,
      block_action = "block";
  auto* block_add =
      block->add_subcommand("add", "block a client address, prefix, TLS fingerprint or API key");
  auto* what = block_add->add_option_group("what", "what to block (one)");
  what->add_option("--ip", block_ip, "a client address");
  what->add_option("--prefix", block_prefix, "an address prefix, e.g. 203.0.113.0/24");
  what->add_option("--fingerprint", block_fp, "a JA4, or a JA3 hash");
  what->add_option("--api-key", block_key, "an API key or bearer token (only its SHA-256 is kept)");
  what->add_option("--api-key-sha256", block_key_sha, "an API key's SHA-256 (64 hex digits)");
  what->require_option(1);
  block_add->add_option("--ttl", block_ttl,
                        "expires after this long: 90s, 10m, 2h, 7d (default: never)");
  block_add
      ->add_option("--action", block_action,
                   "block (reset), respond (403 with a JSON body) or challenge (browsers "
                   "without a clearance get the proof-of-work page)")
      ->check(CLI::IsMember({"block", "respond", "challenge"}))
      ->capture_default_str();
  block_add->add_option("--comment", comment, "why");
  auto* block_list =
      block->add_subcommand("list", "entries with what they block and when they expire");
  uint64_t block_id = 0;
  auto* block_remove = block->add_subcommand("remove", "remove an entry");
  block_remove->add_option("id", block_id, "entry number (block list)")->required();

  auto* api = app.add_subcommand("api", "API discovery: the endpoints seen in the traffic");
  api->require_subcommand(1);
  std::string api_host;
  auto* api_list = api->add_subcommand("list", "discovered endpoints with requests and data");
  api_list->add_option("--host", api_host, "only this host");
  std::string api_method, api_path;
  auto* api_show = api->add_subcommand(
      "show", "one endpoint in full (the path as a template or a concrete request path)");
  api_show->add_option("method", api_method, "HTTP method, e.g. GET")->required();
  api_show->add_option("path", api_path, "e.g. /v1/users/{id} or /v1/users/8812")->required();
  api_show->add_option("--host", api_host, "the endpoint's host (default: any)");
  std::string api_title, api_out;
  auto* api_export = api->add_subcommand(
      "export", "the discovered API as an OpenAPI 3.0.3 document (JSON, to stdout or -o)");
  api_export->add_option("--host", api_host, "only this host");
  api_export->add_option("--title", api_title, "the document's info.title");
  api_export->add_option("-o,--output", api_out, "write to FILE instead of stdout");
  std::string api_spec, zombie_after = "7d";
  auto* api_diff = api->add_subcommand(
      "diff",
      "compare the traffic with the organisation's spec (OpenAPI 3 / Swagger 2, YAML or "
      "JSON): shadow endpoints (seen, not in the spec), zombie endpoints (in the spec, no "
      "traffic for --zombie-after), undocumented query parameters. Exit 0: no drift, "
      "6: drift found");
  api_diff->add_option("spec", api_spec, "the spec file ('-': stdin)")->required();
  api_diff
      ->add_option("--zombie-after", zombie_after,
                   "no traffic for this long makes a documented endpoint a zombie: 90s, 10m, "
                   "2h, 7d")
      ->capture_default_str();

  std::string shell = "bash";
  auto* completion = app.add_subcommand("completion", "print a shell completion script");
  completion->add_option("shell", shell, "bash")->check(CLI::IsMember({"bash"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (completion->parsed()) {
    std::fputs(bash_completion().c_str(), stdout);
    return kExitOk;
  }

  std::string cmd;
  api::json args = api::json::object();
  if (status->parsed()) cmd = "status";
  if (ports->parsed()) cmd = "ports";
  if (workers->parsed()) cmd = "workers";
  if (flows->parsed()) {
    cmd = "flows";
    args["top"] = top_n;
  }
  if (stats->parsed()) cmd = "stats";
  if (version->parsed()) cmd = "version";
  if (rules_list->parsed()) cmd = "rules.list";
  if (rules_show->parsed()) {
    cmd = "rules.show";
    args["id"] = rule_id;
  }
  if (rules_test->parsed()) {
    cmd = "rules.test";
    std::string raw;
    if (!read_text(request_file, raw)) return fail(kExitUsage, "cannot read " + request_file);
    args["request"] = raw;
    args["crlf"] = crlf;
    if (!client_ip.empty()) args["client_ip"] = client_ip;
    if (test_version) args["version"] = test_version;
  }
  if (rules_load->parsed()) {
    cmd = "rules.load";
    api::json files = api::json::object();
    for (const auto& f : rule_files) {
      std::string text;
      const std::string name = fs::path(f).filename().string();
      if (!read_text(f, text)) return fail(kExitUsage, "cannot read " + f);
      if (files.contains(name))
        return fail(kExitUsage, "two rule files are named " + name + "; rename one");
      files[name] = text;
    }
    args = {{"files", files}, {"add", add}, {"comment", comment}};
  }
  if (config_show->parsed()) {
    cmd = "config.show";
    if (show_version) args["version"] = show_version;
    args["candidate"] = show_candidate;
  }
  if (config_diff->parsed()) {
    cmd = "config.diff";
    if (diff_from) args["from"] = diff_from;
    if (diff_to) args["to"] = diff_to;
  }
  if (config_commit->parsed()) {
    cmd = "config.commit";
    if (confirm_minutes > 0) args["confirm_minutes"] = confirm_minutes;
    args["comment"] = comment;
  }
  if (config_discard->parsed()) cmd = "config.discard";
  if (config_rollback->parsed()) {
    cmd = "config.rollback";
    if (rollback_to) args["version"] = rollback_to;
    args["comment"] = comment;
  }
  if (config_confirm->parsed()) cmd = "config.confirm";
  if (config_versions->parsed()) cmd = "config.versions";
  if (block_add->parsed()) {
    cmd = "block.add";
    const std::pair<const char*, std::string*> kinds[] = {{"ip", &block_ip},
                                                          {"prefix", &block_prefix},
                                                          {"fingerprint", &block_fp},
                                                          {"api_key", &block_key},
                                                          {"api_key_sha256", &block_key_sha}};
    for (const auto& [kind, value] : kinds)
      if (!value->empty()) args = {{"kind", kind}, {"value", *value}};
    uint64_t ttl = 0;
    if (!block_ttl.empty() && !parse_duration(block_ttl, ttl))
      return fail(kExitUsage,
                  "--ttl '" + block_ttl + "' is not a duration like 90s, 10m, 2h or 7d");
    args["ttl_seconds"] = ttl;
    args["action"] = block_action;
    args["comment"] = comment;
  }
  if (block_list->parsed()) cmd = "block.list";
  if (block_remove->parsed()) {
    cmd = "block.remove";
    args["id"] = block_id;
  }
  if (api_list->parsed()) {
    cmd = "api.list";
    args["host"] = api_host;
  }
  if (api_show->parsed()) {
    cmd = "api.show";
    args = {{"host", api_host}, {"method", api_method}, {"path", api_path}};
  }
  if (api_export->parsed()) {
    cmd = "api.export";
    args = {{"host", api_host}, {"title", api_title}};
  }
  if (api_diff->parsed()) {
    cmd = "api.diff";
    std::string text;
    if (!read_text(api_spec, text)) return fail(kExitUsage, "cannot read " + api_spec);
    uint64_t after = 0;
    if (!parse_duration(zombie_after, after))
      return fail(kExitUsage, "--zombie-after '" + zombie_after +
                                  "' is not a duration like 90s, 10m, 2h or 7d");
    args = {{"spec", text}, {"zombie_after", after}};
  }
  if (events->parsed() && !follow) {
    cmd = "events";
    args["count"] = event_count;
  }

  Client client;
  std::string error;
  if (!client.connect(socket, error)) return fail(kExitNoControl, error);
  const int timeout_ms = timeout_s * 1000;

  if (events->parsed() && follow) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    client.follow(
        [&](const api::json& frame) {
          if (frame.contains("dropped")) {
            std::fprintf(stderr, "bulwarkctl: %s events dropped (this terminal was too slow)\n",
                         frame["dropped"].dump().c_str());
            return;
          }
          const std::string line = api::get_string(frame, "event");
          if (json_out) {
            std::printf("%s\n", line.c_str());
          } else {
            const auto e = api::json::parse(line, nullptr, false);
            std::printf("%s\n", render_event(e.is_discarded() ? api::json(line) : e).c_str());
          }
        },
        error);
    return fail(kExitNoControl, "event stream ended: " + error);
  }

  if (config_edit->parsed()) {
    cmd = "config.edit";
    std::string text;
    if (!edit_file.empty()) {
      if (!read_text(edit_file, text)) return fail(kExitUsage, "cannot read " + edit_file);
    } else {
      // Start from the candidate if one is staged, else from the active configuration.
      api::json cur;
      if (!client.call("config.show", {{"candidate", true}}, cur, timeout_ms, error))
        return fail(kExitNoControl, error);
      if (!api::get_bool(cur, "ok") &&
          !client.call("config.show", api::json::object(), cur, timeout_ms, error))
        return fail(kExitNoControl, error);
      if (!api::get_bool(cur, "ok")) return fail(kExitRefused, cur.dump());
      text = cur["result"]["config"].get<std::string>();
      if (!edit_text(text, error)) return fail(kExitRefused, error);
    }
    args["config"] = text;
  }

  api::json reply;
  if (!client.call(cmd, args, reply, timeout_ms, error)) return fail(kExitNoControl, error);
  if (!api::get_bool(reply, "ok")) {
    const std::string code = reply.value("error", api::json::object()).value("code", "invalid");
    const std::string msg = reply.value("error", api::json::object()).value("message", "refused");
    if (json_out) std::printf("%s\n", reply.dump(2).c_str());
    return fail(exit_code_for(code), msg);
  }
  const api::json& result = reply["result"];
  if (cmd == "api.export") {  // the document itself, --json or not
    const std::string doc = result.dump(2) + "\n";
    if (api_out.empty()) {
      std::fputs(doc.c_str(), stdout);
    } else {
      std::ofstream out(api_out, std::ios::binary | std::ios::trunc);
      if (!(out << doc) || !out.flush()) return fail(kExitUsage, "cannot write " + api_out);
    }
    return kExitOk;
  }
  if (json_out)
    std::printf("%s\n", result.dump(2).c_str());
  else
    std::fputs(render(cmd, result).c_str(), stdout);
  if (cmd == "api.diff" && api_drift(result)) return kExitDrift;
  return kExitOk;
}
