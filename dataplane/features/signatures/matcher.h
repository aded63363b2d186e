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

inline constexpr uint32_t kNoBodySlot = UINT32_MAX;

// Carried from a request's head to the end of its body. What it matched lives in the
// Matcher's body slot (streams and leaf bitmaps), so that no number of decoy matches
// can push a real one out.
struct RequestScan {
  uint32_t slot = kNoBodySlot;  // the Matcher's body slot (none: the body is not scanned)
  uint64_t body_bytes = 0;
  // False until the body's first byte that starts an escape (% + \): until then both
  // decoded views equal the body as sent, so only the raw stream is scanned; at that
  // byte the decoded streams start from a copy of the raw stream's state. Most bodies
  // never have one and cost one scan.
  bool decoding = false;
  // The body as an application decodes it: percent escapes, then JSON string escapes
  // (a form field holding JSON); and JSON string escapes alone (a JSON body).
  proto::BodyDecoder percent, json, json_only;
};

class Matcher {
 public:
  explicit Matcher(const rules::Bundle& b);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
  bool ok() const { return scratch_ != nullptr || b_.dbs.empty(); }

  // Evaluates the rules that do not look at the body; prepares `scan` for the body
  // (unless `scan_body` is false: then the body is not scanned, like a request that
  // finds no slot). TLS fingerprint rules are not evaluated here.
  void on_head(const RequestView& rv, RequestScan& scan, Verdict& v, bool scan_body = true);
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
  // Makes `n` body slots now (each three streams: the body as sent and as decoded two
  // ways, and bitmaps of the leaves matched), so that requests take and return them
  // instead of allocating (the packet path must not allocate). A request that finds none free is
  // not scanned and its body rules are not evaluated (counted: body_unscanned()).
  // Without a pool, slots are made as requests need them.
  void use_stream_pool(unsigned n);
  uint64_t body_unscanned() const { return body_unscanned_; }
  // A body slot is free (or can be made: no pool).
  bool has_free_slot() const { return free_slot_ != kNoBodySlot || !pooled_; }

  const rules::Bundle& bundle() const { return b_; }

 private:
  // Records a matched pattern leaf: in bits_, or, matched only on another spelling of the
  // path (`extra`), in extra_bits_: such a match makes a test true but not its negation
  // false (`not path == /admin/health` still holds for /admin/health/).
  void hit(uint32_t leaf, bool extra = false);
  void clear_hits();
  // `negated`: under an odd number of `not`s (other spellings of the path do not count).
  bool eval(uint32_t node, const RequestView* rv, const RequestScan* scan,
            bool negated = false) const;
  bool pattern_hit(uint32_t leaf, bool negated) const {
    const uint64_t bit = uint64_t{1} << (leaf % 64);
    return (bits_[leaf / 64] & bit) || (!negated && (extra_bits_[leaf / 64] & bit));
  }
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
  std::vector<uint64_t> extra_bits_;
  bool extra_view_ = false;  // scanning another spelling of the path (on_match reads it)
  std::vector<uint32_t> hits_;
  std::vector<uint32_t> rule_epoch_;
  uint32_t epoch_ = 0;
  bool tls_phase_ = false;  // evaluating fingerprint rules (on_client_hello)
  // Query parameter values decoded for scanning; scratch, so const evaluation uses it too.
  mutable std::vector<char> decode_;
  // One piece of a body, percent-decoded, then JSON-unescaped (scratch).
  std::vector<uint8_t> body_percent_, body_decoded_;
  // One body being scanned: its streams, reset and reused.
  struct BodySlot {
    hs_stream_t* raw = nullptr;
    hs_stream_t* decoded = nullptr;  // percent, then JSON escapes undone
    hs_stream_t* json = nullptr;     // JSON escapes undone
    uint32_t next_free = kNoBodySlot;
  };
  bool pooled_ = false;
  std::vector<BodySlot> slots_;
  uint32_t free_slot_ = kNoBodySlot;
  // Per slot, words_ words of body leaves matched, then words_ of head leaves carried
  // (true at the head, used by body rules), then words_ of those true on the primary
  // path spelling (for their negation).
  std::vector<uint64_t> slot_bits_;
  uint32_t words_ = 0;
  uint64_t body_unscanned_ = 0;
  bool add_slot();
  uint32_t take_slot();
  // Resets the slot's streams (end-anchored matches recorded if `matches`) and frees it;
  // its bitmaps are read until the next take_slot().
  void give_back(uint32_t slot, bool matches, bool decoding);
  uint64_t* body_bits(uint32_t slot) { return slot_bits_.data() + size_t{slot} * 3 * words_; }
  const uint64_t* carried_bits(uint32_t slot) const {
    return slot_bits_.data() + (size_t{slot} * 3 + 1) * words_;
  }
  void scan_decoded(RequestScan& scan, const uint8_t* data, size_t len, bool end);
  // Scans `n` bytes into one of `slot`'s streams, matches into its body bitmap.
  void scan_into(hs_stream_t* st, uint32_t slot, const uint8_t* p, size_t n);
};

}  // namespace bulwark::signatures
