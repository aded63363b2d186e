// Shared by fuzz targets that take request headers: fuzzer bytes as "Name: value" lines
// (lines without a colon are skipped) filled into a GET / head.
#pragma once

#include <string_view>

#include "dataplane/proto/http_message.h"

namespace bulwark::fuzz {

inline void fill_head(proto::HttpHead& head, std::string_view rest) {
  head.method = "GET";
  head.target = "/";
  while (!rest.empty() && head.header_count < proto::kHttpMaxHeaders) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    head.headers[head.header_count++] = {line.substr(0, colon), line.substr(colon + 1)};
  }
}

}  // namespace bulwark::fuzz
