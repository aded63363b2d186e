// bash completion from the command table (see completion.h).
#include "control/cli/completion.h"

#include <map>
#include <vector>

namespace bulwark::cli {

using namespace control::protocol;

namespace {

// The COMPREPLY line for one command's options and words, or "" if it has none.
std::string reply_for(const CommandRow& row) {
  std::string words, extra;
  bool files = false;
  for (const auto& o : row.cli.options) {
    files = files || o.completes_files;
    if (!is_positional(o.names)) words += (words.empty() ? "--" : " --") + cli_key(o.names);
    if (!o.words.empty()) extra += " " + o.words;
  }
  words += extra;
  if (words.empty() && !files) return "";
  return std::string("COMPREPLY=($(compgen ") + (files ? "-f " : "") + "-W \"" + words +
         "\" -- \"$cur\"))";
}

}  // namespace

std::string bash_completion(const CLI::App& app, const CommandSet& table) {
  // The global options: those that take a value are skipped with it when finding the
  // subcommand.
  std::string globals, with_value;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_lnames().empty() || o == app.get_help_ptr()) continue;
    const std::string name = "--" + o->get_lnames().front();
    globals += name + " ";
    if (o->get_items_expected_min() > 0) with_value += (with_value.empty() ? "" : "|") + name;
  }
  // First words in the table's order, each with its rows.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CommandRow*>> rows;
  for (const auto& row : table.rows) {
    const std::string word = row.name.substr(0, row.name.find('.'));
    if (!rows.contains(word)) order.push_back(word);
    rows[word].push_back(&row);
  }
  std::string top;
  for (const auto& w : order) top += w + " ";
  std::string cases;
  for (const auto& w : order) {
    const auto& in = rows[w];
    if (in.size() == 1 && in[0]->name == w) {  // a command of its own
      const std::string r = reply_for(*in[0]);
      if (!r.empty()) cases += "    " + w + ") " + r + " ;;\n";
      continue;
    }
    std::string subs;
    for (const CommandRow* row : in)
      subs += (subs.empty() ? "" : " ") + row->name.substr(w.size() + 1);
    cases += "    " + w + ")\n      case \"$subsub\" in\n        \"\") COMPREPLY=($(compgen -W \"" +
             subs + "\" -- \"$cur\")) ;;\n";
    for (const CommandRow* row : in) {
      const std::string r = reply_for(*row);
      if (!r.empty()) cases += "        " + row->name.substr(w.size() + 1) + ") " + r + " ;;\n";
    }
    cases += "      esac ;;\n";
  }
  return R"(# bash completion for bulwarkctl: source <(bulwarkctl completion bash)
_bulwarkctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  local top=")" +
         top + R"(completion"
  local i sub="" subsub=""
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      )" +
         with_value + R"() ((i++)) ;;
      -*) ;;
      *) if [[ -z $sub ]]; then sub=${words[i]}; elif [[ -z $subsub ]]; then subsub=${words[i]}; fi ;;
    esac
  done
  case "$sub" in
    "") COMPREPLY=($(compgen -W "$top )" +
         globals + R"(--help" -- "$cur")) ;;
)" + cases +
         R"(    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -F _bulwarkctl bulwarkctl
)";
}

}  // namespace bulwark::cli
