// Rows of the configuration commands: config show, edit, diff, commit, discard, rollback,
// confirm, versions (handlers in controller_config.cc), with their human output.
#include <fmt/format.h>

#include "control/cli/cli_input.h"
#include "control/cli/render_text.h"
#include "control/core_commands.h"

namespace bulwark::control {

using namespace protocol;

namespace {

using cli::str;

constexpr char kShow[] = "config.show";

std::string render_versions(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : r) {
    std::string flag = v.value("active", false) ? "*" : "";
    if (v.value("awaiting_confirm", false)) flag += " (unconfirmed)";
    rows.push_back({str(v["version"]) + flag, cli::when(v["time_unix_ms"].get<uint64_t>()),
                    str(v["kind"]), str(v["user"]), str(v["based_on"]), str(v["comment"])});
  }
  return cli::table({"VERSION", "TIME", "KIND", "USER", "BASED ON", "COMMENT"}, rows) +
         "* active\n";
}

// config edit: the text from --file, or the staged candidate (else the active
// configuration) as the operator leaves it in $EDITOR.
std::optional<int> candidate_text(CliRun& run) {
  const std::string& file = run.inputs.text.at("file");
  std::string text, error;
  if (!file.empty()) {
    if (!cli::read_text(file, text)) return cli::fail(kExitUsage, "cannot read " + file);
  } else {
    json cur;
    if (!run.channel.call(kShow, {{"candidate", true}}, cur, error))
      return cli::fail(kExitNoControl, error);
    if (!succeeded(cur) && !run.channel.call(kShow, json::object(), cur, error))
      return cli::fail(kExitNoControl, error);
    if (!succeeded(cur)) return cli::fail(kExitRefused, cur.dump());
    text = cur["result"]["config"].get<std::string>();
    if (!cli::edit_text(text, error)) return cli::fail(kExitRefused, error);
  }
  run.args["config"] = text;
  return std::nullopt;
}

}  // namespace

std::vector<CommandRow> config_rows() {
  using C = CoreCommands;
  const auto comment = [](const char* help) {
    return optional("comment", ArgType::string, help, "");
  };
  return {
      {.name = kShow,
       .help = "the active (or a given) configuration",
       .args = {optional("version", ArgType::uint, "version number"),
                optional("candidate", ArgType::boolean, "the staged candidate", false)},
       .handler = handled_by(&C::cmd_config_show),
       .cli = {.options = {option("--version", "version").only_if_set(),
                           option("--candidate", "candidate")}},
       .render = [](const json& r) { return r["config"].get<std::string>(); }},
      {.name = "config.edit",
       .help = "stage a candidate: from --file, else in $EDITOR (validated, not applied)",
       .args = {required("config", ArgType::string, "the configuration's YAML text")},
       .handler = handled_by(&C::cmd_config_edit),
       .cli = {.options =
                   {input("--file", CliValue::text, "YAML file to stage ('-': stdin)").file_name()},
               .step = candidate_text},
       .render = [](const json& r) { return "candidate staged\n" + r.value("diff", ""); }},
      {.name = "config.diff",
       .help = "candidate against active, or two versions",
       .args = {optional("from", ArgType::uint, "version"),
                optional("to", ArgType::uint, "version")},
       .handler = handled_by(&C::cmd_config_diff),
       .cli = {.options = {option("--from", "from").only_if_set(),
                           option("--to", "to").only_if_set()}},
       .render =
           [](const json& r) {
             const std::string d = r.value("diff", "");
             return d.empty() ? std::string("no differences\n") : d;
           }},
      {.name = "config.commit",
       .help = "apply the candidate as a new version",
       .args = {optional("confirm_minutes", ArgType::number,
                         "roll back by itself after MINUTES unless `config confirm` runs"),
                comment("why (kept in the version history)")},
       .handler = handled_by(&C::cmd_config_commit),
       .cli = {.options =
                   {option("--confirm", "confirm_minutes").in_range(0.001, 1440.0).only_if_set(),
                    option("--comment", "comment")}},
       .render = render_applied},
      {.name = "config.discard",
       .help = "drop the staged candidate",
       .handler = handled_by(&C::cmd_config_discard),
       .render = [](const json&) { return std::string("candidate discarded\n"); }},
      {.name = "config.rollback",
       .help = "make an earlier version active again (as a new version)",
       .args = {optional("version", ArgType::uint,
                         "version to go back to (default: the one the active replaced)", 0),
                comment("why")},
       .handler = handled_by(&C::cmd_config_rollback),
       .cli = {.options = {option("version", "version").only_if_set(),
                           option("--comment", "comment")}},
       .render = render_applied},
      {.name = "config.confirm",
       .help = "keep a commit made with --confirm",
       .handler = handled_by(&C::cmd_config_confirm),
       .render =
           [](const json& r) {
             return fmt::format("version {} confirmed\n", str(r["confirmed"]));
           }},
      {.name = "config.versions",
       .help = "version history",
       .handler = handled_by(&C::cmd_config_versions),
       .render = render_versions},
  };
}

}  // namespace bulwark::control
