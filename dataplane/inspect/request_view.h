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
  std::string_view path;      // normalised
  std::string_view norm_uri;  // normalised path + "?" + decoded query
  std::string_view query;     // raw
  std::string_view host;      // without port
  const uint8_t* client_ip = nullptr;
  uint8_t client_ip_len = 0;  // 4 or 16
  std::string_view ja3, ja4;  // the connection's TLS fingerprints, if known
};

inline constexpr size_t kPathBufferBytes = proto::kMaxHeadBytesLimit + 2;

// `ip` is 4 or 16 bytes (ip_len), or nullptr.
RequestView make_request_view(const proto::HttpHead& head, char* path_buffer, const uint8_t* ip,
                              uint8_t ip_len, uint32_t* path_flags = nullptr);

}  // namespace bulwark::inspect
