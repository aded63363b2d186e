// Evaluates raw HTTP/1.1 request bytes (one or more pipelined requests) against a
// bundle, outside the dataplane: the same parser, normalisation and matcher the workers
// use. For `bulwark-rules test`, rule-pack self-tests and unit tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/features/signatures/matcher.h"

namespace bulwark::signatures {

struct EvalResult {
  std::string method, target, path;  // path: normalised
  uint32_t anomalies = 0;            // HttpAnomaly bits
  bool fatal = false;                // parsing stopped at this request
  Verdict verdict;
};

std::vector<EvalResult> evaluate_requests(Matcher& m, std::string_view raw,
                                          const uint8_t* client_ip = nullptr,
                                          uint8_t client_ip_len = 0);

// {method, target, path, matched: [{id, name, action, mode}], verdict: {action[, rule,
// status]}, anomalies: [...], parse_stopped}: what `bulwark-rules test` and
// `bulwarkctl rules test` print with --json.
nlohmann::json result_json(const rules::Bundle& b, const EvalResult& r);

// Bare LF line ends made CRLF (requests typed into a file).
std::string with_crlf(std::string_view raw);

}  // namespace bulwark::signatures
