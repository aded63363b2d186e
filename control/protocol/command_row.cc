// Builders and lookups of command rows (see command_row.h).
#include "control/protocol/command_row.h"

namespace bulwark::control::protocol {

const char* type_phrase(ArgType t) {
  switch (t) {
    case ArgType::string: return "a string";
    case ArgType::uint: return "an unsigned integer";
    case ArgType::boolean: return "true or false";
    case ArgType::number: return "a number";
    case ArgType::string_map: return "a map of strings";
  }
  return "?";
}

Arg required(std::string name, ArgType type, std::string help) {
  return Arg{std::move(name), type, true, nullptr, std::move(help)};
}

Arg optional(std::string name, ArgType type, std::string help, json fallback) {
  return Arg{std::move(name), type, false, std::move(fallback), std::move(help)};
}

CliOption option(std::string names, std::string arg) {
  CliOption o;
  o.names = std::move(names);
  o.arg = std::move(arg);
  return o;
}

CliOption input(std::string names, CliValue kind, std::string help) {
  CliOption o;
  o.names = std::move(names);
  o.input = kind;
  o.help = std::move(help);
  return o;
}

bool is_positional(const std::string& names) { return !names.empty() && names[0] != '-'; }

std::string cli_key(const std::string& names) {
  std::string last = names.substr(names.rfind(',') + 1);  // npos + 1 == 0
  return last.substr(last.find_first_not_of('-'));
}

const Arg* CommandRow::find_arg(const std::string& arg_name) const {
  for (const auto& a : args)
    if (a.name == arg_name) return &a;
  return nullptr;
}

}  // namespace bulwark::control::protocol
