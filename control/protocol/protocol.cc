// Error codes and their exit codes (see protocol.h).
#include "control/protocol/protocol.h"

namespace bulwark::control::protocol {

namespace {
constexpr Error kAll[] = {Error::invalid, Error::conflict, Error::not_found, Error::unavailable,
                          Error::usage};
}  // namespace

const char* error_name(Error e) {
  switch (e) {
    case Error::invalid: return "invalid";
    case Error::conflict: return "conflict";
    case Error::not_found: return "not_found";
    case Error::unavailable: return "unavailable";
    case Error::usage: return "usage";
  }
  return "invalid";
}

int exit_code(Error e) {
  switch (e) {
    case Error::usage: return kExitUsage;
    case Error::not_found: return kExitNotFound;
    case Error::unavailable: return kExitUnavailable;
    case Error::invalid:
    case Error::conflict: break;
  }
  return kExitRefused;
}

int exit_code_for(const std::string& error_code) {
  for (const Error e : kAll)
    if (error_code == error_name(e)) return exit_code(e);
  return kExitRefused;
}

}  // namespace bulwark::control::protocol
