// bulwark-control's side of the command table: every row bound to the object that
// answers it (the Controller for the core's rows, each feature's object for its own),
// and each request checked against its row (protocol/request.h) before its handler runs.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "control/protocol/command_row.h"

namespace bulwark::control {

class CommandDispatch {
 public:
  // Binds the rows of command interface C to `host`. A name bound twice is a bug:
  // std::logic_error.
  template <class C>
  void bind(C& host) {
    for (const auto& row : C::commands().rows) add(row, host);
  }
  // One request {cmd, args} -> its reply (see protocol.h). Anything a handler throws is a
  // failure of that command, not of bulwark-control.
  protocol::json handle(const protocol::json& request, const std::string& user) const;
  // The names bound, sorted.
  std::vector<std::string> names() const;

 private:
  void add(const protocol::CommandRow& row, protocol::CommandHost& host);
  // Written while bulwark-control starts, read-only afterwards (any management thread).
  std::map<std::string, std::pair<const protocol::CommandRow*, protocol::CommandHost*>> rows_;
};

}  // namespace bulwark::control
