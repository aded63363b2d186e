// The management protocol between bulwarkctl and bulwark-control, as both binaries know
// it. A request is {cmd, args}: `cmd` names a row of the command table (command_row.h),
// `args` is a map checked against that row's arguments before anything runs. The reply
// is {ok: true, result} or {ok: false, error: {code, message}} with one of the codes
// below; bulwarkctl turns a code into its exit code. `events.follow` is the one request
// outside the table: it turns the connection into a stream of {event: line} frames
// (and {dropped: n} when the client was too slow).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::control::protocol {

using json = nlohmann::json;

inline constexpr char kFollowEvents[] = "events.follow";

enum class Error {
  invalid,      // the change or request is wrong (the message says where)
  conflict,     // not now (e.g. a commit awaits confirmation)
  not_found,    // no such version, rule, candidate, entry, endpoint
  unavailable,  // the dataplane is needed and not there
  usage,        // a malformed request (unknown command or argument, wrong type, missing)
};

// The code as it travels ("not_found").
const char* error_name(Error e);

// bulwarkctl's exit codes (also in its --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // invalid, conflict
inline constexpr int kExitUsage = 2;        // bad command line or request
inline constexpr int kExitNoControl = 3;    // cannot reach bulwark-control
inline constexpr int kExitNotFound = 4;     // no such version, rule, candidate...
inline constexpr int kExitUnavailable = 5;  // the dataplane is not running
inline constexpr int kExitDrift = 6;        // api diff: the traffic drifted from the spec

int exit_code(Error e);
// The exit code for a code received from bulwark-control (an unknown one is a refusal).
int exit_code_for(const std::string& error_code);

// Whether a reply says ok (anything malformed does not).
inline bool succeeded(const json& reply) {
  const auto it = reply.find("ok");
  return it != reply.end() && it->is_boolean() && it->get<bool>();
}
inline json reply_ok(json result) { return {{"ok", true}, {"result", std::move(result)}}; }
inline json reply_error(Error code, const std::string& message) {
  return {{"ok", false}, {"error", {{"code", error_name(code)}, {"message", message}}}};
}

}  // namespace bulwark::control::protocol
