// Evaluating raw HTTP/1.1 request bytes against a bundle as the workers do (the same
// parser, normalisation and signature matcher), for other processes: bulwark-control's
// `rules test` and bulwark-rules' test and selftest. The contract lives here; the
// signatures feature implements it (dataplane/features/signatures/request_eval.cc), so
// those programs include no feature header.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "rules/lang/bundle.h"

namespace bulwark::signatures {
class Matcher;
}

namespace bulwark::api {

class RequestEvaluator {
 public:
  explicit RequestEvaluator(const rules::Bundle& b);  // b outlives the evaluator
  ~RequestEvaluator();
  RequestEvaluator(const RequestEvaluator&) = delete;
  RequestEvaluator& operator=(const RequestEvaluator&) = delete;

  // One result per request in `raw` (pipelined requests in order; empty if there is no
  // complete request head): {method, target, path, matched: [{id, name, action, mode}],
  // verdict: {action[, rule, status]}, anomalies: [...], parse_stopped}.
  nlohmann::json evaluate(std::string_view raw, const uint8_t* client_ip = nullptr,
                          uint8_t client_ip_len = 0);

  // Bare LF line ends made CRLF (requests typed into a file).
  static std::string with_crlf(std::string_view raw);

 private:
  const rules::Bundle& bundle_;
  std::unique_ptr<signatures::Matcher> matcher_;
};

}  // namespace bulwark::api
