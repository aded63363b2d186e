// Helpers of http_message.h: case-insensitive names and anomaly names.
#include "dataplane/proto/http_message.h"

#include "dataplane/api/counter_labels.h"

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

// The names are the stats segment's label table (the api's; checked against the bits in
// dataplane/stats/counter_labels_check.cc).
const char* http_anomaly_name(unsigned bit) { return api::label_name(api::kHttpAnomalyNames, bit); }

}  // namespace bulwark::proto
