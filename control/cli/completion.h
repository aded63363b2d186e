// Shell completion for bulwarkctl (bash), printed by `bulwarkctl completion bash`.
#pragma once

#include <string>

namespace bulwark::cli {

inline std::string bash_completion() {
  return R"(# bash completion for bulwarkctl: source <(bulwarkctl completion bash)
_bulwarkctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  local top="status ports workers flows stats version rules config block api events completion"
  local i sub="" subsub=""
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      --socket|--timeout) ((i++)) ;;
      -*) ;;
      *) if [[ -z $sub ]]; then sub=${words[i]}; elif [[ -z $subsub ]]; then subsub=${words[i]}; fi ;;
    esac
  done
  case "$sub" in
    "") COMPREPLY=($(compgen -W "$top --json --socket --timeout --help" -- "$cur")) ;;
    rules)
      case "$subsub" in
        "") COMPREPLY=($(compgen -W "list show test load" -- "$cur")) ;;
        load) COMPREPLY=($(compgen -f -W "--add --comment" -- "$cur")) ;;
        test) COMPREPLY=($(compgen -f -W "--request --crlf --client-ip --version" -- "$cur")) ;;
      esac ;;
    config)
      case "$subsub" in
        "") COMPREPLY=($(compgen -W "show edit diff commit discard rollback confirm versions" -- "$cur")) ;;
        show) COMPREPLY=($(compgen -W "--version --candidate" -- "$cur")) ;;
        edit) COMPREPLY=($(compgen -f -W "--file" -- "$cur")) ;;
        diff) COMPREPLY=($(compgen -W "--from --to" -- "$cur")) ;;
        commit) COMPREPLY=($(compgen -W "--confirm --comment" -- "$cur")) ;;
        rollback) COMPREPLY=($(compgen -W "--comment" -- "$cur")) ;;
      esac ;;
    block)
      case "$subsub" in
        "") COMPREPLY=($(compgen -W "add list remove" -- "$cur")) ;;
        add) COMPREPLY=($(compgen -W "--ip --prefix --fingerprint --api-key --api-key-sha256 --ttl --action --comment" -- "$cur")) ;;
      esac ;;
    api)
      case "$subsub" in
        "") COMPREPLY=($(compgen -W "list show export diff" -- "$cur")) ;;
        list) COMPREPLY=($(compgen -W "--host" -- "$cur")) ;;
        show) COMPREPLY=($(compgen -W "--host GET POST PUT PATCH DELETE" -- "$cur")) ;;
        export) COMPREPLY=($(compgen -f -W "--host --title --output" -- "$cur")) ;;
        diff) COMPREPLY=($(compgen -f -W "--zombie-after" -- "$cur")) ;;
      esac ;;
    events) COMPREPLY=($(compgen -W "--follow --count" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -F _bulwarkctl bulwarkctl
)";
}

}  // namespace bulwark::cli
