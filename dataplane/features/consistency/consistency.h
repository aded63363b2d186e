// Consistency checks: does a request that claims to come from a browser (its user agent)
// look like one? Each contradiction (rules::Signal) adds its configured weight to the
// request's score. Requests that do not claim a browser score 0: API clients are not
// expected to look like browsers. No allocation; runs per request on the worker.
#pragma once

#include <cstdint>
#include <string_view>

#include "dataplane/proto/http_message.h"
#include "rules/lang/rule_model.h"

namespace bulwark::consistency {

struct ConsistencyScore {
  bool browser = false;  // the user agent claims a browser
  uint32_t score = 0;
  uint8_t signals = 0;  // bit set of rules::Signal
};

// "Mozilla/5.0 (...) ... Chrome/|Firefox/|Safari/|Edg/": what the major browsers send
// (and what scripts copy).
bool claims_browser(std::string_view user_agent);

// `fingerprint`: the connection's JA4 or the fingerprint header's value (empty if none).
ConsistencyScore score_request(const rules::ConsistencyPolicy& p, const proto::HttpHead& head,
                               std::string_view fingerprint);

}  // namespace bulwark::consistency
