// Request dispatch to the bound rows (see command_dispatch.h).
#include "control/command_dispatch.h"

#include <stdexcept>

#include "control/protocol/request.h"

namespace bulwark::control {

using namespace protocol;

void CommandDispatch::add(const CommandRow& row, CommandHost& host) {
  if (!row.handler) throw std::logic_error("command " + row.name + " has no handler");
  if (!rows_.emplace(row.name, std::make_pair(&row, &host)).second)
    throw std::logic_error("command " + row.name + " is bound twice");
}

std::vector<std::string> CommandDispatch::names() const {
  std::vector<std::string> out;
  for (const auto& [name, bound] : rows_) out.push_back(name);
  return out;
}

json CommandDispatch::handle(const json& request, const std::string& user) const {
  if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string())
    return reply_error(Error::usage, "request without a 'cmd' string");
  const std::string cmd = request["cmd"].get<std::string>();
  const json args = request.value("args", json::object());
  if (!args.is_object()) return reply_error(Error::usage, "'args' must be a map");
  const auto it = rows_.find(cmd);
  if (it == rows_.end()) return reply_error(Error::usage, "unknown command '" + cmd + "'");
  const auto& [row, host] = it->second;
  if (auto problem = check_args(*row, args)) return reply_error(Error::usage, *problem);
  try {
    return row->handler(*host, Request(*row, args, user));
  } catch (const std::exception& e) {
    return reply_error(Error::invalid, cmd + " failed: " + e.what());
  }
}

}  // namespace bulwark::control
