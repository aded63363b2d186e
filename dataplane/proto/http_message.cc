// Helpers of http_message.h: case-insensitive names and anomaly names.
#include "dataplane/proto/http_message.h"

namespace bulwark::proto {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) return false;
  }
  return true;
}

std::string_view HttpHead::header(std::string_view name) const {
  for (unsigned i = 0; i < header_count; ++i)
    if (iequals(headers[i].name, name)) return headers[i].value;
  return {};
}

const char* http_anomaly_name(unsigned bit) {
  static const char* const kNames[kHttpAnomalyCount] = {
      "cl_and_te",       "duplicate_cl",     "conflicting_cl",  "bad_cl",
      "bad_te",          "bad_chunk_size",   "bare_lf",         "nul_in_head",
      "long_line",       "head_too_large",   "obs_fold",        "space_before_colon",
      "bad_header_name", "bad_request_line", "bad_status_line", "too_many_headers",
      "bad_chunk_end",   "multiple_host",    "missing_host",    "pipeline_overflow"};
  return bit < kHttpAnomalyCount ? kNames[bit] : "unknown";
}

}  // namespace bulwark::proto
