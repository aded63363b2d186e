// The command table (control/command_table.h): every row complete (handler, CLI wiring,
// renderer, sound arguments), bulwark-control binding exactly the table's rows and
// refusing malformed arguments per row with code usage, and bulwarkctl's subcommands
// being the table's rows, building requests the server accepts and mapping replies to
// exit codes.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>

#include "control/cli/cli_table.h"
#include "control/command_dispatch.h"
#include "control/command_table.h"
#include "control/controller.h"
#include "control/protocol/request.h"
#include "tests/unit/temp_dir.h"

using namespace bulwark::control;
using namespace bulwark::control::protocol;
using bulwark::test::TempDir;

namespace {

const std::vector<CommandRow>& rows() { return command_table().rows; }

// A value of each type that passes the row's checks, and one that does not.
json good_value(ArgType t) {
  switch (t) {
    case ArgType::string: return "x";
    case ArgType::uint: return 1;
    case ArgType::boolean: return true;
    case ArgType::number: return 1.5;
    case ArgType::string_map: return {{"a.yaml", "x"}};
  }
  return nullptr;
}
std::vector<json> bad_values(ArgType t) {
  switch (t) {
    case ArgType::string: return {5, nullptr, json::array()};
    case ArgType::uint: return {"1", -1, 1.5, true};
    case ArgType::boolean: return {"yes", 1};
    case ArgType::number: return {"1.5", false};
    case ArgType::string_map: return {"a", {{"a.yaml", 1}}, json::array()};
  }
  return {};
}

// The row's required arguments, each with a good value.
json required_args(const CommandRow& row) {
  json args = json::object();
  for (const auto& a : row.args)
    if (a.required) args[a.name] = good_value(a.type);
  return args;
}

// bulwark-control on a private state directory, no dataplane.
struct Server {
  TempDir tmp{"bulwark-unit-commands"};
  Controller ctl;
  Server() {
    std::ofstream(tmp.path + "/config.yaml")
        << "dataplane: {socket: " << tmp.path << "/dp.sock, stats_shm: /bulwark-unit-none}\n"
        << "metrics: {listen: \"off\"}\nevents: {file: " << tmp.path << "/events.jsonl}\n";
    ControllerOptions o;
    o.state_dir = tmp.path + "/state";
    o.initial_config = tmp.path + "/config.yaml";
    std::string err;
    BOOST_REQUIRE_MESSAGE(ctl.start(o, err), err);
  }
  json call(const std::string& cmd, const json& args) {
    return ctl.handle({{"cmd", cmd}, {"args", args}}, "tester");
  }
};

// Refused with code usage and a message containing `what`.
void expect_usage(const json& reply, const std::string& what, const std::string& context) {
  BOOST_TEST_CONTEXT(context) {
    BOOST_TEST(reply["ok"] == false);
    BOOST_TEST(reply["error"]["code"] == "usage");
    const std::string message = reply["error"]["message"].get<std::string>();
    BOOST_TEST(message.find(what) != std::string::npos, message);
  }
}

// Records the requests bulwarkctl sends; answers each with `reply`.
struct FakeChannel : CommandChannel {
  json reply = {{"ok", false}, {"error", {{"code", "conflict"}, {"message", "test"}}}};
  std::vector<std::pair<std::string, json>> sent;
  bool call(const std::string& cmd, const json& args, json& out, std::string&) override {
    sent.emplace_back(cmd, args);
    out = reply;
    return true;
  }
  bool follow(const std::function<void(const json&)>&, std::string& error) override {
    error = "no stream here";
    return false;
  }
};

// bulwarkctl's command line parsed as `words` (after the program name).
struct ParsedCli {
  CLI::App app{"test"};
  bulwark::cli::CliTable table{app, command_table()};
  explicit ParsedCli(std::vector<std::string> words) {
    std::reverse(words.begin(), words.end());  // CLI11 takes them last first
    app.parse(words);
  }
};

// A command line for `row` that bulwarkctl accepts: its words, each required positional
// and one option of each group with a value, and `file` for every file input.
std::vector<std::string> sample_command_line(const CommandRow& row, const std::string& file) {
  std::vector<std::string> words;
  for (size_t from = 0, dot; from <= row.name.size(); from = dot + 1) {
    dot = row.name.find('.', from);
    if (dot == std::string::npos) dot = row.name.size();
    words.push_back(row.name.substr(from, dot - from));
  }
  std::set<std::string> groups_done;
  for (const auto& o : row.cli.options) {
    const Arg* a = row.find_arg(o.arg);
    const bool file_input = !a && o.input != CliValue::flag && o.completes_files;
    const bool group_first = !o.group.empty() && groups_done.insert(o.group).second;
    if (!(o.required || file_input || group_first)) continue;
    if (!is_positional(o.names)) words.push_back("--" + cli_key(o.names));
    words.push_back(file_input ? file : a && a->type == ArgType::uint ? "1" : "198.18.0.1");
  }
  return words;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(commands)

BOOST_AUTO_TEST_CASE(every_row_is_complete) {
  std::set<std::string> names, groups;
  for (const auto& g : command_table().groups) groups.insert(g.name);
  BOOST_TEST(rows().size() >= 26u);
  for (const auto& row : rows()) {
    BOOST_TEST_CONTEXT(row.name) {
      BOOST_TEST(names.insert(row.name).second);  // each name once
      BOOST_TEST(!row.help.empty());
      BOOST_TEST(static_cast<bool>(row.handler));
      BOOST_TEST(static_cast<bool>(row.render));
      if (const size_t dot = row.name.find('.'); dot != std::string::npos)
        BOOST_TEST(groups.contains(row.name.substr(0, dot)));  // its group has a help
      std::set<std::string> args;
      for (const auto& a : row.args) {
        BOOST_TEST(args.insert(a.name).second);
        BOOST_TEST(!a.help.empty());
        BOOST_TEST(!(a.required && !a.fallback.is_null()), a.name << ": required with a default");
        // A default passes the row's own checks.
        json with_default = required_args(row);
        with_default[a.name] = a.fallback;
        if (!a.fallback.is_null()) BOOST_TEST(!check_args(row, with_default).has_value());
      }
      std::set<std::string> set_by_option;
      for (const auto& o : row.cli.options) {
        if (!o.arg.empty()) {
          BOOST_TEST(row.find_arg(o.arg) != nullptr, o.names << " sets no argument");
          set_by_option.insert(o.arg);
        }
      }
      // A required argument comes from an option or from the row's CLI step.
      for (const auto& a : row.args)
        if (a.required && !set_by_option.contains(a.name))
          BOOST_TEST(static_cast<bool>(row.cli.step), a.name << " has no way in from the CLI");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_server_binds_every_row_and_nothing_else) {
  Server s;
  std::vector<std::string> table;
  for (const auto& row : rows()) table.push_back(row.name);
  std::sort(table.begin(), table.end());
  BOOST_TEST(s.ctl.command_names() == table, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_refused_per_row) {
  Server s;
  expect_usage(s.call("no.such.command", json::object()), "unknown command 'no.such.command'",
               "unknown command");
  expect_usage(s.ctl.handle({{"cmd", 5}}, "t"), "'cmd'", "cmd not a string");
  expect_usage(s.ctl.handle({{"cmd", "status"}, {"args", json::array()}}, "t"), "'args'",
               "args not a map");
  for (const auto& row : rows()) {
    const json base = required_args(row);
    json extra = base;
    extra["no_such_argument"] = 1;
    expect_usage(s.call(row.name, extra), row.name + ": unknown argument 'no_such_argument'",
                 row.name + " unknown argument");
    for (const auto& a : row.args) {
      for (const auto& bad : bad_values(a.type)) {
        json args = base;
        args[a.name] = bad;
        expect_usage(s.call(row.name, args), row.name + ": argument '" + a.name + "' must be",
                     row.name + " " + a.name + " = " + bad.dump());
      }
      if (a.required) {
        json args = base;
        args.erase(a.name);
        expect_usage(s.call(row.name, args), row.name + ": missing argument '" + a.name + "'",
                     row.name + " without " + a.name);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(handlers_read_typed_arguments) {
  const CommandRow row{
      .name = "t.cmd",
      .help = "test",
      .args = {required("n", ArgType::uint, "n"), optional("s", ArgType::string, "s", "dflt"),
               optional("o", ArgType::number, "o")}};
  const json args = {{"n", 7}};
  BOOST_REQUIRE(!check_args(row, args));
  const Request r(row, args, "u");
  BOOST_TEST(r.uint("n") == 7u);
  BOOST_TEST(r.text("s") == "dflt");
  BOOST_TEST(!r.has("s"));
  BOOST_TEST(r.user() == "u");
  BOOST_CHECK_THROW(r.number("o"), std::logic_error);  // absent, no default
  BOOST_CHECK_THROW(r.text("n"), std::logic_error);    // declared with another type
  BOOST_CHECK_THROW(r.flag("x"), std::logic_error);    // not declared
  BOOST_TEST(!check_args(row, {{"n", 18446744073709551615ull}}).has_value());
}

// A row whose handler misuses its request: the dispatcher reports a failure of that
// command, bulwark-control goes on.
struct Misbehaving : CommandHost {
  json broken(const Request& r) { return reply_ok(r.uint("undeclared")); }
  static const CommandSet& commands() {
    static const CommandSet set{
        .rows = {{.name = "t.broken", .help = "t", .handler = handled_by(&Misbehaving::broken)}}};
    return set;
  }
};

BOOST_AUTO_TEST_CASE(a_handler_failure_is_the_commands_error) {
  Misbehaving host;
  CommandDispatch d;
  d.bind(host);
  const json reply = d.handle({{"cmd", "t.broken"}}, "u");
  BOOST_TEST(reply["error"]["code"] == "invalid");
  BOOST_TEST(reply["error"]["message"].get<std::string>().rfind("t.broken failed:", 0) == 0);
  BOOST_CHECK_THROW(d.bind(host), std::logic_error);  // bound twice
}

BOOST_AUTO_TEST_CASE(bulwarkctl_subcommands_are_the_table) {
  CLI::App app{"test"};
  const bulwark::cli::CliTable cli(app, command_table());
  // Leaves of the subcommand tree, named like rows (option groups have no name).
  std::set<std::string> leaves;
  std::function<void(const CLI::App&, const std::string&)> walk = [&](const CLI::App& a,
                                                                      const std::string& prefix) {
    for (const CLI::App* sub : a.get_subcommands({})) {
      if (sub->get_name().empty()) continue;
      const std::string name = prefix + sub->get_name();
      if (sub->get_subcommands([](const CLI::App* x) { return !x->get_name().empty(); }).empty())
        leaves.insert(name);
      else
        walk(*sub, name + ".");
    }
  };
  walk(app, "");
  std::set<std::string> table;
  for (const auto& row : rows()) table.insert(row.name);
  BOOST_TEST(leaves == table, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_command_line_parses_to_its_row_and_a_request_the_server_takes) {
  TempDir tmp;
  const std::string file = tmp.path + "/input.txt";
  std::ofstream(file) << "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const auto& row : rows()) {
    const auto words = sample_command_line(row, file);
    BOOST_TEST_CONTEXT(row.name) {
      ParsedCli p(words);
      BOOST_REQUIRE(p.table.parsed() != nullptr);
      BOOST_TEST(p.table.parsed()->name == row.name);
      FakeChannel ch;
      BOOST_TEST(p.table.run(ch, false) == kExitRefused);  // the fake's conflict
      BOOST_REQUIRE(ch.sent.size() >= 1u);
      const auto& [cmd, args] = ch.sent.back();
      BOOST_TEST(cmd == row.name);
      const auto problem = check_args(row, args);
      BOOST_TEST(!problem.has_value(), (problem ? *problem : ""));
    }
  }
}

BOOST_AUTO_TEST_CASE(bulwarkctl_builds_the_requests_it_always_sent) {
  const std::pair<std::vector<std::string>, json> cases[] = {
      {{"flows"}, {{"top", 10}}},
      {{"flows", "--top", "3"}, {{"top", 3}}},
      {{"config", "show"}, {{"candidate", false}}},
      {{"config", "show", "--version", "0"}, {{"candidate", false}}},  // 0: the active one
      {{"config", "rollback", "4", "--comment", "why"}, {{"version", 4}, {"comment", "why"}}},
      {{"config", "commit", "--confirm", "2.5"}, {{"confirm_minutes", 2.5}, {"comment", ""}}},
      {{"events", "-n", "5"}, {{"count", 5}}},
      {{"api", "export"}, {{"host", ""}, {"title", ""}}},
      {{"block", "add", "--api-key", "k", "--ttl", "2h", "--comment", "c"},
       {{"kind", "api_key"},
        {"value", "k"},
        {"ttl_seconds", 7200},
        {"action", "block"},
        {"comment", "c"}}},
  };
  for (const auto& [words, want] : cases) {
    BOOST_TEST_CONTEXT(json(words).dump()) {
      ParsedCli p(words);
      FakeChannel ch;
      p.table.run(ch, false);
      BOOST_REQUIRE(ch.sent.size() == 1u);
      BOOST_TEST(ch.sent[0].second == want, ch.sent[0].second.dump());
    }
  }
  // A bad duration is the command line's fault: nothing is sent.
  ParsedCli p({"block", "add", "--ip", "198.18.0.1", "--ttl", "soon"});
  FakeChannel ch;
  BOOST_TEST(p.table.run(ch, false) == kExitUsage);
  BOOST_TEST(ch.sent.empty());
}

BOOST_AUTO_TEST_CASE(replies_map_to_exit_codes) {
  const std::pair<const char*, int> codes[] = {
      {"invalid", kExitRefused},    {"conflict", kExitRefused},
      {"not_found", kExitNotFound}, {"unavailable", kExitUnavailable},
      {"usage", kExitUsage},        {"something new", kExitRefused}};
  for (const auto& [code, exit] : codes) {
    ParsedCli p({"block", "list"});
    FakeChannel ch;
    ch.reply = {{"ok", false}, {"error", {{"code", code}, {"message", "m"}}}};
    BOOST_TEST(p.table.run(ch, false) == exit, code);
  }
  // api diff: drift is exit 6, none is 0.
  TempDir tmp;
  std::ofstream(tmp.path + "/spec.yaml") << "openapi: 3.0.0\n";
  const json drift = {{"shadow", json::array({{{"host", "h"}, {"method", "GET"}, {"path", "/x"}}})},
                      {"zombie", json::array()},
                      {"undocumented_parameters", json::array()}};
  for (const auto& [result, exit] :
       {std::pair{drift, kExitDrift}, std::pair{json{{"shadow", json::array()},
                                                     {"zombie", json::array()},
                                                     {"undocumented_parameters", json::array()}},
                                                kExitOk}}) {
    ParsedCli p({"api", "diff", tmp.path + "/spec.yaml", "--zombie-after", "3s"});
    FakeChannel ch;
    ch.reply = reply_ok(result);
    BOOST_TEST(p.table.run(ch, true) == exit);
    BOOST_TEST(ch.sent[0].second["zombie_after"] == 3);
  }
}

BOOST_AUTO_TEST_SUITE_END()
