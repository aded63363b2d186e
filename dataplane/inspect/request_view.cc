// Request view construction (see request_view.h).
#include "dataplane/inspect/request_view.h"

#include "dataplane/proto/http_normalize.h"

namespace bulwark::inspect {

RequestView make_request_view(const proto::HttpHead& head, char* path_buffer, const uint8_t* ip,
                              uint8_t ip_len) {
  RequestView rv;
  rv.head = &head;
  std::string_view path = proto::target_path(head.target);
  if (path.size() + 2 > kPathViewBytes) path = path.substr(0, kPathViewBytes - 2);
  uint32_t flags = 0;
  rv.path = std::string_view(path_buffer, proto::normalize_path(path, path_buffer, flags));
  rv.route = rv.path;
  if (flags & proto::kPathParams) {
    char* route = path_buffer + kPathViewBytes;
    rv.route = std::string_view(route, proto::normalize_path(path, route, flags, true));
  }
  rv.path_flags = flags;
  rv.query = proto::target_query(head.target);
  // The normalised URI follows the path in the same buffer: path, '?', decoded query.
  size_t n = rv.path.size();
  uint32_t query_flags = 0;
  if (!rv.query.empty() && n + 1 + rv.query.size() <= kPathViewBytes) {
    path_buffer[n++] = '?';
    n += proto::percent_decode(rv.query, path_buffer + n, true, query_flags);
  }
  rv.norm_uri = std::string_view(path_buffer, n);
  const std::string_view authority = proto::target_authority(head.target);
  rv.host = proto::host_without_port(authority.empty() ? head.header("host") : authority);
  rv.client_ip = ip;
  rv.client_ip_len = ip ? ip_len : 0;
  return rv;
}

}  // namespace bulwark::inspect
