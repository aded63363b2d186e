// Argument checks and typed access (see request.h).
#include "control/protocol/request.h"

#include <stdexcept>

namespace bulwark::control::protocol {
namespace {

bool has_type(const json& v, ArgType t) {
  switch (t) {
    case ArgType::string: return v.is_string();
    case ArgType::uint:
      return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    case ArgType::boolean: return v.is_boolean();
    case ArgType::number: return v.is_number();
    case ArgType::string_map:
      if (!v.is_object()) return false;
      for (const auto& [k, x] : v.items())
        if (!x.is_string()) return false;
      return true;
  }
  return false;
}

// The value as the message shows it: JSON text, cut short.
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

std::string names_of(const CommandRow& row) {
  std::string out;
  for (const auto& a : row.args) out += (out.empty() ? "" : ", ") + a.name;
  return out.empty() ? "none" : out;
}

}  // namespace

std::optional<std::string> check_args(const CommandRow& row, const json& args) {
  for (const auto& [name, v] : args.items()) {
    const Arg* a = row.find_arg(name);
    if (a == nullptr)
      return row.name + ": unknown argument '" + name + "' (it takes " + names_of(row) + ")";
    if (!has_type(v, a->type)) {
      if (a->type == ArgType::string_map && v.is_object())
        for (const auto& [k, x] : v.items())
          if (!x.is_string())
            return row.name + ": argument '" + name + "' must be " + type_phrase(a->type) +
                   ", and '" + k + "' is " + shown(x);
      return row.name + ": argument '" + name + "' must be " + type_phrase(a->type) + ", not " +
             shown(v);
    }
  }
  for (const auto& a : row.args)
    if (a.required && !args.contains(a.name))
      return row.name + ": missing argument '" + a.name + "' (" + a.help + ")";
  return std::nullopt;
}

bool Request::has(const std::string& name) const { return args_.contains(name); }

const json& Request::value(const std::string& name, ArgType type) const {
  const Arg* a = row_.find_arg(name);
  if (a == nullptr || a->type != type)
    throw std::logic_error(row_.name + " has no argument '" + name + "' that is " +
                           type_phrase(type));
  const auto it = args_.find(name);
  if (it != args_.end()) return *it;
  if (a->fallback.is_null())
    throw std::logic_error(row_.name + ": argument '" + name +
                           "' was not given and has no default");
  return a->fallback;
}

std::string Request::text(const std::string& name) const {
  return value(name, ArgType::string).get<std::string>();
}

uint64_t Request::uint(const std::string& name) const {
  const json& v = value(name, ArgType::uint);
  return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
}

bool Request::flag(const std::string& name) const {
  return value(name, ArgType::boolean).get<bool>();
}

double Request::number(const std::string& name) const {
  return value(name, ArgType::number).get<double>();
}

std::map<std::string, std::string> Request::texts(const std::string& name) const {
  return value(name, ArgType::string_map).get<std::map<std::string, std::string>>();
}

}  // namespace bulwark::control::protocol
