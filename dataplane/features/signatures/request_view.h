// Builds the normalised view of a request that rules are evaluated on, from a parsed
// head: decoded path, raw query, host without port, client address. The path is
// written to a caller-provided buffer of at least kPathBufferBytes (a head is bounded by
// the parser, so the path is too).
#pragma once

#include <cstdint>

#include "dataplane/features/signatures/matcher.h"
#include "dataplane/proto/http_message.h"
#include "dataplane/proto/http_parser.h"

namespace bulwark::signatures {

inline constexpr size_t kPathBufferBytes = proto::kMaxHeadBytesLimit + 2;

// `ip` is 4 or 16 bytes (ip_len), or nullptr.
RequestView make_request_view(const proto::HttpHead& head, char* path_buffer, const uint8_t* ip,
                              uint8_t ip_len, uint32_t* path_flags = nullptr);

}  // namespace bulwark::signatures
