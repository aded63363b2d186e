// Helpers for reading YAML documents (configuration, rules) with yaml-cpp: every error
// carries the line of the node it is about, so messages read "file:line: reason".
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>
#include <string>

namespace bulwark::yaml {

struct ConfigError : std::runtime_error {
  ConfigError(const YAML::Node& n, const std::string& what)
      : std::runtime_error(what), line(n.Mark().line + 1) {}
  int line;
};

inline void require_map(const YAML::Node& n, const std::string& where,
                        const std::set<std::string>& known) {
  if (!n.IsMap()) throw ConfigError(n, "'" + where + "' must be a mapping");
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw ConfigError(kv.first,
                        "unknown key '" + key + "' in '" + where + "' (known: " + list + ")");
    }
  }
}

template <typename T>
T scalar(const YAML::Node& n, const std::string& what, T lo, T hi) {
  if (!n.IsScalar()) throw ConfigError(n, "'" + what + "' must be a number");
  long long v;
  try {
    v = n.as<long long>();
  } catch (const YAML::Exception&) {
    throw ConfigError(n, "'" + what + "' must be a whole number, not '" + n.Scalar() + "'");
  }
  if (v < static_cast<long long>(lo) || v > static_cast<long long>(hi))
    throw ConfigError(n, "'" + what + "' is " + std::to_string(v) + ", must be " +
                             std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<T>(v);
}

inline std::string string_of(const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar() || n.Scalar().empty())
    throw ConfigError(n, "'" + what + "' must be a non-empty string");
  return n.Scalar();
}

inline bool bool_of(const YAML::Node& n, const std::string& what) {
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    throw ConfigError(n, "'" + what + "' must be true or false");
  }
}

// Runs `load` (which reads YAML and may throw ConfigError or YAML::Exception) and turns
// any error into "origin:line: reason". Returns false on error.
template <class F>
bool with_line_errors(const std::string& origin, std::string& error, F&& load) {
  try {
    load();
  } catch (const ConfigError& e) {
    error = origin + ":" + std::to_string(e.line) + ": " + e.what();
    return false;
  } catch (const YAML::Exception& e) {
    error = origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  return true;
}

}  // namespace bulwark::yaml
