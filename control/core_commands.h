// The core's commands: status, ports, workers, flows, stats, version, rules.*, config.*
// and events. The interface here is what the Controller implements; the rows (shared
// with bulwarkctl) are in status_rows.cc, rules_rows.cc, config_rows.cc and
// events_rows.cc, gathered by commands() (core_commands.cc).
#pragma once

#include <string>
#include <vector>

#include "control/protocol/command_row.h"
#include "control/protocol/request.h"

namespace bulwark::control {

class CoreCommands : public protocol::CommandHost {
 public:
  virtual json cmd_status(const Request& r) = 0;
  virtual json cmd_ports(const Request& r) = 0;
  virtual json cmd_workers(const Request& r) = 0;
  virtual json cmd_flows(const Request& r) = 0;
  virtual json cmd_stats(const Request& r) = 0;
  virtual json cmd_version(const Request& r) = 0;
  virtual json cmd_rules_list(const Request& r) = 0;
  virtual json cmd_rules_show(const Request& r) = 0;
  virtual json cmd_rules_test(const Request& r) = 0;
  virtual json cmd_rules_load(const Request& r) = 0;
  virtual json cmd_config_show(const Request& r) = 0;
  virtual json cmd_config_edit(const Request& r) = 0;
  virtual json cmd_config_diff(const Request& r) = 0;
  virtual json cmd_config_commit(const Request& r) = 0;
  virtual json cmd_config_discard(const Request& r) = 0;
  virtual json cmd_config_rollback(const Request& r) = 0;
  virtual json cmd_config_confirm(const Request& r) = 0;
  virtual json cmd_config_versions(const Request& r) = 0;
  virtual json cmd_events(const Request& r) = 0;

  // The core's rows and groups, in bulwarkctl's order.
  static const protocol::CommandSet& commands();
};

// The core's rows by subject (each in its *_rows.cc).
std::vector<protocol::CommandRow> status_rows();  // status, ports, workers, flows, stats, version
std::vector<protocol::CommandRow> rules_rows();
std::vector<protocol::CommandRow> config_rows();
std::vector<protocol::CommandRow> events_rows();

// The human output of a change that made a version (rules load, config commit, config
// rollback; rules_rows.cc).
std::string render_applied(const protocol::json& r);

}  // namespace bulwark::control
