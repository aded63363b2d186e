// The normalised view of a request that stages judge it on, built once per request from
// its parsed head: decoded path, raw query, host without port, client address (as
// identified through trusted proxies). The path is written to a caller-provided buffer
// of at least kPathBufferBytes (a head is bounded by the parser, so the path is too).
#pragma once

#include <cstdint>
#include <string_view>

#include "dataplane/proto/http_message.h"
#include "dataplane/proto/http_parser.h"

namespace bulwark::inspect {

struct RequestView {
  const proto::HttpHead* head = nullptr;
  std::string_view path;  // normalised (as nginx and Go route it)
  // The path as Tomcat and Jetty route it: ";" parameters stripped from each raw segment
  // before decoding ("/login;x" is "/login", "/a/..;/b" is "/b"); the same view as `path`
  // when the target has no ';'. Endpoint lists match on it (route_match.h).
  std::string_view route;
  uint32_t path_flags = 0;    // proto::PathFlags of both normalisations
  std::string_view norm_uri;  // normalised path + "?" + decoded query
  std::string_view query;     // raw
  std::string_view host;      // without port; an absolute-form target's authority wins
  const uint8_t* client_ip = nullptr;
  uint8_t client_ip_len = 0;  // 4 or 16
  std::string_view ja3, ja4;  // the connection's TLS fingerprints, if known
};

// The path and normalised URI, then the route view.
inline constexpr size_t kPathViewBytes = proto::kMaxHeadBytesLimit + 2;
inline constexpr size_t kPathBufferBytes = 2 * kPathViewBytes;

// `ip` is 4 or 16 bytes (ip_len), or nullptr.
RequestView make_request_view(const proto::HttpHead& head, char* path_buffer, const uint8_t* ip,
                              uint8_t ip_len);

}  // namespace bulwark::inspect
