// A request's arguments checked against its row, then read by type: what a handler gets
// instead of args.value(...). check_args() refuses an argument the row does not declare,
// a value of another type and a missing required argument, each with a message that
// names it; the accessors then give the value sent or the row's default. A handler asking
// for an argument its row does not declare with that type, or for an absent one without
// a default, is a bug: std::logic_error (the dispatcher reports it as a failure).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "control/protocol/command_row.h"

namespace bulwark::control::protocol {

// nullopt if `args` (a map) suits `row`, else the message of the usage error.
std::optional<std::string> check_args(const CommandRow& row, const json& args);

class Request {
 public:
  // `row` and `args` (checked) must outlive the request.
  Request(const CommandRow& row, const json& args, std::string user)
      : row_(row), args_(args), user_(std::move(user)) {}

  // Who asked (for the version history and events).
  const std::string& user() const { return user_; }
  // Whether the request carries the argument (defaults do not count).
  bool has(const std::string& name) const;

  std::string text(const std::string& name) const;
  uint64_t uint(const std::string& name) const;
  bool flag(const std::string& name) const;
  double number(const std::string& name) const;
  std::map<std::string, std::string> texts(const std::string& name) const;

 private:
  const json& value(const std::string& name, ArgType type) const;
  const CommandRow& row_;
  const json& args_;
  std::string user_;
};

}  // namespace bulwark::control::protocol
