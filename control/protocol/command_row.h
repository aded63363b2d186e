// A row of the command table: everything about one management command in one place. Its
// name and one-line help, its arguments (the protocol: bulwark-control checks every
// request against them), the server's handler, how bulwarkctl builds the request from
// its command line, and how bulwarkctl prints the result. The core's rows are defined in
// control/*_rows.cc, each feature's in control/features/<f>/<f>_rows.cc, and the table
// (control/command_table.h) is compiled into both binaries.
//
// bulwarkctl links the rows but not the server: a row's handler is made from a pointer
// to a pure virtual member of the command interface its feature implements (e.g.
// blocklist::BlocklistCommands::add). Taking that pointer needs no definition; only
// bulwark-control, which binds the rows to the objects implementing the interface
// (control/command_dispatch.h), calls it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "control/protocol/channel.h"
#include "control/protocol/protocol.h"

namespace bulwark::control::protocol {

class Request;

enum class ArgType { string, uint, boolean, number, string_map };
// "a string", "an unsigned integer", ... (for error messages).
const char* type_phrase(ArgType t);

// One argument a request may carry.
struct Arg {
  std::string name;
  ArgType type = ArgType::string;
  bool required = false;
  json fallback;  // the value when absent; null: none (the handler asks Request::has)
  std::string help;
};
Arg required(std::string name, ArgType type, std::string help);
Arg optional(std::string name, ArgType type, std::string help, json fallback = nullptr);

// What every command interface derives from: the object a row's handler runs on. Its
// handlers are `json name(const Request&)`.
class CommandHost {
 public:
  using json = protocol::json;
  using Request = protocol::Request;
  virtual ~CommandHost() = default;
};
using Handler = std::function<json(CommandHost& host, const Request& request)>;

// The handler of a row answered by C's member `m`. The dispatcher binds C's rows only to
// objects of C, so the cast is always to the object's own type.
template <class C>
Handler handled_by(json (C::*m)(const Request&)) {
  return [m](CommandHost& host, const Request& r) { return (static_cast<C&>(host).*m)(r); };
}

// Value kinds of bulwarkctl options that are not an argument themselves but an input of
// the row's CLI step (a file to read, a duration to convert, a mode).
enum class CliValue { text, flag, texts };

// One option (or positional) of a bulwarkctl subcommand. Built with option() or input()
// and the modifiers below: option("--top", "top").with_initial("10").in_range(0, 256).
struct CliOption {
  std::string names;                // CLI11 spelling: "--top", "-n,--count", or a positional "id"
  std::string arg;                  // the argument it sets; empty: an input of the row's CLI step
  CliValue input = CliValue::text;  // inputs only (an argument's option has its type)
  std::string help;                 // its --help text; empty: the argument's help
  std::string initial;  // the value when not given, shown in --help ("10", "-", "block")
  bool required = false;
  bool if_set = false;  // the argument is sent only when non-zero / non-empty
  std::optional<std::pair<double, double>> range;
  std::vector<std::string> choices;
  bool existing_files = false;   // each value must name an existing file
  bool completes_files = false;  // bash completion offers file names
  std::string words;             // more words bash completion offers (HTTP methods)
  std::string group;             // the row's CliGroup it belongs to

  CliOption with_help(std::string h) && {
    help = std::move(h);
    return std::move(*this);
  }
  CliOption with_initial(std::string v) && {
    initial = std::move(v);
    return std::move(*this);
  }
  CliOption is_required() && {
    required = true;
    return std::move(*this);
  }
  CliOption only_if_set() && {
    if_set = true;
    return std::move(*this);
  }
  CliOption in_range(double lo, double hi) && {
    range = {lo, hi};
    return std::move(*this);
  }
  CliOption one_of(std::vector<std::string> c) && {
    choices = std::move(c);
    return std::move(*this);
  }
  CliOption existing_file() && {
    existing_files = completes_files = true;
    return std::move(*this);
  }
  CliOption file_name() && {
    completes_files = true;
    return std::move(*this);
  }
  CliOption completing(std::string w) && {
    words = std::move(w);
    return std::move(*this);
  }
  CliOption in_group(std::string g) && {
    group = std::move(g);
    return std::move(*this);
  }
};
// An option setting argument `arg` (help: the argument's).
CliOption option(std::string names, std::string arg);
// An option read by the row's CLI step.
CliOption input(std::string names, CliValue kind, std::string help);
// The key of an option among the inputs: its long name without dashes ("-o,--output" ->
// "output"), or the positional's name.
std::string cli_key(const std::string& names);
bool is_positional(const std::string& names);

// Options of which exactly one must be given (block add's "what to block").
struct CliGroup {
  std::string name{}, help{};
};

// The inputs of a parsed command line, by cli_key().
struct CliInputs {
  std::map<std::string, std::string> text;                // text inputs (initial if not given)
  std::map<std::string, std::vector<std::string>> texts;  // list inputs
  std::set<std::string> given;                            // inputs given (flags too)
};

// What a row's CLI step works with.
struct CliRun {
  json& args;  // the request's arguments; the options' own already set
  const CliInputs& inputs;
  CommandChannel& channel;  // bulwark-control (connected on first use)
  bool json_out;
};
// Finishes the request from the inputs (reads files, converts durations): nullopt to send
// it, or an exit code to stop there (an error already printed, or done: events --follow).
using CliStep = std::function<std::optional<int>(CliRun& run)>;

// (Every member has a default so that rows name only what they have.)
struct CliSide {
  std::vector<CliOption> options{};  // in --help order
  std::vector<CliGroup> groups{};
  CliStep step{};  // optional
};

using Renderer = std::function<std::string(const json& result)>;
// Replaces the usual output of a success (--json or the renderer); returns the exit code.
using Printer = std::function<int(const json& result, const CliInputs& inputs)>;
// The exit code of a success (default 0).
using SuccessExit = std::function<int(const json& result)>;

struct CommandRow {
  std::string name{};  // "block.add": bulwarkctl block add
  std::string help{};  // one line: the subcommand's description
  std::vector<Arg> args{};
  Handler handler{};   // bulwark-control
  CliSide cli{};       // bulwarkctl
  Renderer render{};   // human output of the result
  Printer print{};     // optional (api export writes the document, --json or not)
  SuccessExit exit{};  // optional (api diff: 6 when the traffic drifted)

  const Arg* find_arg(const std::string& arg_name) const;
};

// The first word of rows named "word.command", with its help ("block": the manual block
// list).
struct CommandGroup {
  std::string name{}, help{};
};

struct CommandSet {
  std::vector<CommandGroup> groups{};
  std::vector<CommandRow> rows{};
};

}  // namespace bulwark::control::protocol
