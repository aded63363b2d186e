// bulwarkctl: the operator's CLI for a Bulwark appliance. Talks to bulwark-control
// over its management socket; never to the dataplane directly. Its subcommands, their
// options and output come from the command table (control/command_table.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "control/cli/cli_table.h"
#include "control/cli/client.h"
#include "control/cli/completion.h"
#include "control/command_table.h"

namespace {

using namespace bulwark::control::protocol;

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwarkctl: manage a Bulwark appliance (talks to bulwark-control)."};
  // Before the subcommands: they take the footer over.
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

  const CommandSet& table = bulwark::control::command_table();
  const bulwark::cli::CliTable commands(app, table);
  std::string shell = "bash";
  auto* completion = app.add_subcommand("completion", "print a shell completion script");
  completion->add_option("shell", shell, "bash")->check(CLI::IsMember({"bash"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (completion->parsed()) {
    std::fputs(bulwark::cli::bash_completion(app, table).c_str(), stdout);
    return kExitOk;
  }
  bulwark::cli::Client client(socket, timeout_s * 1000);
  return commands.run(client, json_out);
}
