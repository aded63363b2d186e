// Unix stream sockets for the management and dataplane channels, and blocking
// message I/O with timeouts on them (wire.h frames). Used off the packet path only.
#pragma once

#include <sys/types.h>

#include <string>

#include "dataplane/api/wire.h"

namespace bulwark::api {

// Listens on `path` (a stale socket file there is replaced; its directory is created).
// `mode` applies to the socket file; a non-empty `group` becomes its group. -1 and
// `error` on failure.
int listen_unix(const std::string& path, mode_t mode, const std::string& group, std::string& error);
// Connects; -1 and `error` (naming the path and what to check) on failure.
int connect_unix(const std::string& path, std::string& error);

// Sends one message, waiting at most `timeout_ms` for the socket to take it.
bool send_message(int fd, const json& msg, int timeout_ms, std::string& error);
// Waits at most `timeout_ms` (-1: forever) for one whole message; bytes beyond it stay
// in `reader`. false and `error` on timeout ("timeout"), close or a broken frame.
bool recv_message(int fd, FrameReader& reader, json& out, int timeout_ms, std::string& error);

// The uid of the peer of a connected unix socket (SO_PEERCRED), -1 if unknown.
long peer_uid(int fd);

}  // namespace bulwark::api
