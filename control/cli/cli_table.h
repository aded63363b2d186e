// bulwarkctl's subcommands, built from the command table: a CLI11 subcommand per row
// (under its group's: `block add`), its options bound to values kept here, its --help
// from the row. After parsing: the arguments the options set, the inputs for the row's
// CLI step, and the run: step, request, output and exit code as the row says.
#pragma once

#include <CLI/CLI.hpp>
#include <deque>
#include <string>
#include <vector>

#include "control/protocol/command_row.h"

namespace bulwark::cli {

class CliTable {
 public:
  // Adds the table's groups and rows to `app`, in the table's order. A row whose option
  // names no argument of the row (or an argument without a command-line form) is a bug:
  // std::logic_error.
  CliTable(CLI::App& app, const control::protocol::CommandSet& table);
  // The row whose subcommand was parsed; nullptr if none was (e.g. `completion`).
  const control::protocol::CommandRow* parsed() const;
  // The parsed row's arguments from its options, and its step's inputs.
  void collect(control::protocol::json& args, control::protocol::CliInputs& inputs) const;
  // Runs the parsed row against bulwark-control; its exit code.
  int run(control::protocol::CommandChannel& channel, bool json_out) const;

 private:
  // One option's value, where CLI11 writes it.
  struct Value {
    const control::protocol::CliOption* option = nullptr;
    const control::protocol::Arg* arg = nullptr;  // null: an input
    CLI::Option* cli = nullptr;
    uint64_t uint = 0;
    double number = 0;
    bool flag = false;
    std::string text;
    std::vector<std::string> texts;
  };
  struct Sub {
    const control::protocol::CommandRow* row;
    CLI::App* app;
    std::vector<Value*> values;
  };
  Value& bind(CLI::App& at, const control::protocol::CommandRow& row,
              const control::protocol::CliOption& o);
  const Sub* parsed_sub() const;

  std::deque<Value> values_;  // stable addresses (CLI11 holds pointers into them)
  std::vector<Sub> subs_;
};

}  // namespace bulwark::cli
