// Request view construction (see request_view.h).
#include "dataplane/inspect/request_view.h"

#include "dataplane/proto/http_normalize.h"

namespace bulwark::inspect {

RequestView make_request_view(const proto::HttpHead& head, char* path_buffer, const uint8_t* ip,
                              uint8_t ip_len, uint32_t* path_flags) {
  RequestView rv;
  rv.head = &head;
  std::string_view path = proto::target_path(head.target);
  if (path.size() + 2 > kPathBufferBytes) path = path.substr(0, kPathBufferBytes - 2);
  uint32_t flags = 0;
  rv.path = std::string_view(path_buffer, proto::normalize_path(path, path_buffer, flags));
  if (path_flags) *path_flags = flags;
  rv.query = proto::target_query(head.target);
  // The normalised URI follows the path in the same buffer: path, '?', decoded query.
  size_t n = rv.path.size();
  if (!rv.query.empty() && n + 1 + rv.query.size() <= kPathBufferBytes) {
    path_buffer[n++] = '?';
    n += proto::percent_decode(rv.query, path_buffer + n, true, flags);
  }
  rv.norm_uri = std::string_view(path_buffer, n);
  rv.host = proto::host_without_port(head.header("host"));
  rv.client_ip = ip;
  rv.client_ip_len = ip ? ip_len : 0;
  return rv;
}

}  // namespace bulwark::inspect
