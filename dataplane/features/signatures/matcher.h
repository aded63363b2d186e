// Evaluates a bundle's rules against requests. One Matcher per worker (it owns the
// Hyperscan scratch and the per-request bitmaps); the per-request state that must live
// from the head to the end of the body is a RequestScan the caller keeps with the flow.
//
// Each field's database is scanned once per value; only rules with a matched pattern
// (plus the few whose condition can be true without one) are evaluated, so the cost
// per request grows with what matched, not with the number of rules.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/inspect/request_view.h"
#include "dataplane/inspect/verdict.h"
#include "dataplane/proto/body_decoder.h"
#include "dataplane/proto/http_message.h"
#include "rules/lang/bundle.h"

namespace bulwark::signatures {

using inspect::kMaxLimitsPerRequest;
using inspect::kMaxMatched;
using inspect::RequestView;
using inspect::Verdict;
using rules::Action;
using rules::Cmp;
using rules::Field;
using rules::Mode;
using rules::Op;

inline constexpr unsigned kMaxCarried = 32;

// Carried from a request's head to the end of its body.
struct RequestScan {
  hs_stream_t* stream = nullptr;
  // The body as the application decodes it (form fields, JSON strings), scanned by the
  // same database in a second stream (nullptr: the body has no such coding).
  hs_stream_t* decoded = nullptr;
  proto::BodyDecoder decoder;
  uint64_t body_bytes = 0;
  uint32_t carried[kMaxCarried];  // leaves true at head time that body rules use
  uint8_t carried_count = 0;
  bool carried_overflow = false;    // more than kMaxCarried: some body rules may not match
  uint32_t body_hits[kMaxCarried];  // body pattern leaves matched so far
  uint8_t body_hit_count = 0;
};

class Matcher {
 public:
  explicit Matcher(const rules::Bundle& b);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
  bool ok() const { return scratch_ != nullptr || b_.dbs.empty(); }

  // Evaluates the rules that do not look at the body; prepares `scan` for the body.
  // TLS fingerprint rules are not evaluated here.
  void on_head(const RequestView& rv, RequestScan& scan, Verdict& v);
  // A TLS connection's ClientHello: evaluates the fingerprint rules (ja3/ja4, with
  // client_ip) on `rv` (its ja3, ja4 and client address; `head` may be null).
  void on_client_hello(const RequestView& rv, Verdict& v);
  // True if body rules exist (the caller then streams the body and calls end_body).
  bool wants_body() const { return b_.body_db != rules::kNoDb; }
  void on_body(RequestScan& scan, const uint8_t* data, size_t len);
  // End of the request: closes the body stream and evaluates the body rules.
  void end_body(RequestScan& scan, Verdict& v);
  // Abandons a request (flow gone) without evaluating.
  void abort(RequestScan& scan);
  // Forgets a request's body stream whose rule set was replaced. With a stream pool the
  // stream belongs to the old set's pool (freed with it) and is not touched; without
  // one it is closed (closing without scratch or callback frees only its own memory).
  void discard(RequestScan& scan) const;

  // Opens `n` body streams now (twice that: a decoded body takes a second one), so that
  // requests take and return them instead of allocating (the packet path must not
  // allocate). A request that finds the pool empty is evaluated without its body
  // (counted by the caller via body_unscanned()).
  void use_stream_pool(unsigned n);
  uint64_t body_unscanned() const { return body_unscanned_; }

  const rules::Bundle& bundle() const { return b_; }

 private:
  void hit(uint32_t leaf);
  void clear_hits();
  bool eval(uint32_t node, const RequestView* rv, const RequestScan* scan) const;
  bool eval_leaf(const rules::Leaf& l, const RequestView* rv, const RequestScan* scan) const;
  void scan_field(const rules::FieldDb& db, const RequestView& rv);
  void evaluate_candidates(bool body_phase, const RequestView* rv, const RequestScan* scan,
                           Verdict& v);
  static int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx);
  static int on_body_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                           void* ctx);

  const rules::Bundle& b_;
  hs_scratch_t* scratch_ = nullptr;
  std::vector<uint64_t> bits_;
  std::vector<uint32_t> hits_;
  std::vector<uint32_t> rule_epoch_;
  uint32_t epoch_ = 0;
  bool tls_phase_ = false;  // evaluating fingerprint rules (on_client_hello)
  // Query parameter values decoded for scanning; scratch, so const evaluation uses it too.
  mutable std::vector<char> decode_;
  std::vector<uint8_t> body_decoded_;  // one piece of a body, decoded (scratch)
  bool pooled_ = false;
  std::vector<hs_stream_t*> free_streams_;  // pooled, reset, ready for a request
  std::vector<hs_stream_t*> all_streams_;   // pooled, closed with the matcher
  uint64_t body_unscanned_ = 0;
  hs_stream_t* take_stream();
  void return_stream(hs_stream_t* s, RequestScan* scan_for_matches);
  void scan_decoded(RequestScan& scan, const uint8_t* data, size_t len, bool end);
};

}  // namespace bulwark::signatures
