// bulwarkctl's subcommands from the command table (see cli_table.h).
#include "control/cli/cli_table.h"

#include <cstdio>
#include <map>
#include <stdexcept>

#include "control/cli/cli_input.h"

namespace bulwark::cli {

using namespace control::protocol;

namespace {

const CommandGroup* find_group(const CommandSet& table, const std::string& name) {
  for (const auto& g : table.groups)
    if (g.name == name) return &g;
  return nullptr;
}

// The text field of a refusal's error, or `fallback`.
std::string error_field(const json& reply, const char* key, const char* fallback) {
  const auto e = reply.find("error");
  if (e == reply.end() || !e->is_object()) return fallback;
  const auto v = e->find(key);
  return v != e->end() && v->is_string() ? v->get<std::string>() : fallback;
}

}  // namespace

CliTable::CliTable(CLI::App& app, const CommandSet& table) {
  std::map<std::string, CLI::App*> groups;
  for (const auto& row : table.rows) {
    CLI::App* parent = &app;
    std::string leaf = row.name;
    if (const size_t dot = row.name.find('.'); dot != std::string::npos) {
      const std::string word = row.name.substr(0, dot);
      leaf = row.name.substr(dot + 1);
      auto it = groups.find(word);
      if (it == groups.end()) {
        const CommandGroup* g = find_group(table, word);
        CLI::App* group = app.add_subcommand(word, g ? g->help : "");
        group->require_subcommand(1);
        it = groups.emplace(word, group).first;
      }
      parent = it->second;
    }
    Sub sub{&row, parent->add_subcommand(leaf, row.help), {}};
    std::map<std::string, CLI::Option_group*> option_groups;
    for (const auto& g : row.cli.groups)
      option_groups[g.name] = sub.app->add_option_group(g.name, g.help);
    for (const auto& o : row.cli.options) {
      CLI::App* at = sub.app;
      if (!o.group.empty()) {
        const auto g = option_groups.find(o.group);
        if (g == option_groups.end())
          throw std::logic_error(row.name + ": option " + o.names + " is in no group of the row");
        at = g->second;
      }
      sub.values.push_back(&bind(*at, row, o));
    }
    for (auto& [name, g] : option_groups) g->require_option(1);
    subs_.push_back(sub);
  }
}

CliTable::Value& CliTable::bind(CLI::App& at, const CommandRow& row, const CliOption& o) {
  Value& v = values_.emplace_back();
  v.option = &o;
  v.arg = o.arg.empty() ? nullptr : row.find_arg(o.arg);
  if (!o.arg.empty() && v.arg == nullptr)
    throw std::logic_error(row.name + ": option " + o.names + " sets no argument of the row");
  const std::string help = !o.help.empty() ? o.help : v.arg ? v.arg->help : "";
  const bool as_uint = v.arg && v.arg->type == ArgType::uint;
  if (as_uint) {
    v.uint = o.initial.empty() ? 0 : std::stoull(o.initial);
    v.cli = at.add_option(o.names, v.uint, help);
  } else if (v.arg && v.arg->type == ArgType::number) {
    v.number = o.initial.empty() ? 0 : std::stod(o.initial);
    v.cli = at.add_option(o.names, v.number, help);
  } else if (v.arg ? v.arg->type == ArgType::boolean : o.input == CliValue::flag) {
    v.cli = at.add_flag(o.names, v.flag, help);
  } else if (v.arg ? v.arg->type == ArgType::string : o.input == CliValue::text) {
    v.text = o.initial;
    v.cli = at.add_option(o.names, v.text, help);
  } else if (!v.arg) {
    v.cli = at.add_option(o.names, v.texts, help);
  } else {
    throw std::logic_error(row.name + ": argument " + o.arg + " has no command-line form");
  }
  if (o.required) v.cli->required();
  if (o.existing_files) v.cli->check(CLI::ExistingFile);
  // The range's type shows in --help ("INT in [0 - 256]", "FLOAT in [0.001 - 1440]").
  if (o.range && as_uint)
    v.cli->check(
        CLI::Range(static_cast<int64_t>(o.range->first), static_cast<int64_t>(o.range->second)));
  else if (o.range)
    v.cli->check(CLI::Range(o.range->first, o.range->second));
  if (!o.choices.empty()) v.cli->check(CLI::IsMember(o.choices));
  if (!o.initial.empty()) v.cli->capture_default_str();
  return v;
}

const CliTable::Sub* CliTable::parsed_sub() const {
  for (const auto& s : subs_)
    if (s.app->parsed()) return &s;
  return nullptr;
}

const CommandRow* CliTable::parsed() const {
  const Sub* s = parsed_sub();
  return s ? s->row : nullptr;
}

void CliTable::collect(json& args, CliInputs& inputs) const {
  const Sub* s = parsed_sub();
  if (s == nullptr) return;
  for (const Value* v : s->values) {
    const std::string key = cli_key(v->option->names);
    if (v->arg == nullptr) {
      if (v->cli->count() > 0) inputs.given.insert(key);
      if (v->option->input == CliValue::text) inputs.text[key] = v->text;
      if (v->option->input == CliValue::texts) inputs.texts[key] = v->texts;
      continue;
    }
    json value;
    switch (v->arg->type) {
      case ArgType::uint: value = v->uint; break;
      case ArgType::number: value = v->number; break;
      case ArgType::boolean: value = v->flag; break;
      case ArgType::string: value = v->text; break;
      case ArgType::string_map: continue;  // refused by bind()
    }
    // The value as given, or the initial one; an "only if set" zero or empty means none.
    const bool unset = (value.is_number() && value.get<double>() == 0) ||
                       (value.is_string() && value.get<std::string>().empty());
    if (!(v->option->if_set && unset)) args[v->arg->name] = value;
  }
}

int CliTable::run(CommandChannel& channel, bool json_out) const {
  const CommandRow* row = parsed();
  if (row == nullptr) return fail(kExitUsage, "no command given");
  json args = json::object();
  CliInputs inputs;
  collect(args, inputs);
  CliRun r{args, inputs, channel, json_out};
  if (row->cli.step)
    if (const auto code = row->cli.step(r)) return *code;
  json reply;
  std::string error;
  if (!channel.call(row->name, args, reply, error)) return fail(kExitNoControl, error);
  if (!succeeded(reply)) {
    if (json_out) std::printf("%s\n", reply.dump(2).c_str());
    return fail(exit_code_for(error_field(reply, "code", "invalid")),
                error_field(reply, "message", "refused"));
  }
  const json& result = reply["result"];
  if (row->print) return row->print(result, inputs);
  if (json_out)
    std::printf("%s\n", result.dump(2).c_str());
  else
    std::fputs(row->render(result).c_str(), stdout);
  return row->exit ? row->exit(result) : kExitOk;
}

}  // namespace bulwark::cli
