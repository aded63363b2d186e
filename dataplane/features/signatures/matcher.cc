// Rule evaluation (see matcher.h).
#include "dataplane/features/signatures/matcher.h"

#include <algorithm>
#include <cstring>

#include "dataplane/proto/http_normalize.h"
#include "dataplane/proto/http_parser.h"
#include "rules/lang/ip_prefix.h"

namespace bulwark::signatures {
namespace {

// A body is decoded and scanned in pieces of at most this many bytes (one scratch buffer).
constexpr size_t kDecodePiece = 2048;

// Calls f on each spelling of the path a server behind the box may route on
// (docs/rules.md, fields): the normalised path (nginx, Go), the route view with `;`
// parameters stripped (Tomcat, Jetty), and each without one trailing slash (Express and
// Spring <= 5 route /login/ as /login). A rule on /login is not escaped by /login/ or
// /login;x; f returns true to stop.
template <class F>
void for_each_path(const RequestView& rv, F&& f) {
  auto with_trimmed = [&](std::string_view p) {
    return f(p) || (p.size() > 1 && p.back() == '/' && f(p.substr(0, p.size() - 1)));
  };
  if (!with_trimmed(rv.path) && rv.route != rv.path) with_trimmed(rv.route);
}

// Calls f(value) for each value of (field, arg) in the request; f returns true to stop.
// query_param values are percent-decoded into `decode` (at least as large as the query).
template <class F>
void for_each_value(Field field, const std::string& arg, const RequestView& rv, char* decode,
                    F&& f) {
  const proto::HttpHead& h = *rv.head;
  auto headers_named = [&](std::string_view name) {
    for (unsigned i = 0; i < h.header_count; ++i)
      if (proto::iequals(h.headers[i].name, name) && f(h.headers[i].value)) return;
  };
  switch (field) {
    case Field::method: f(h.method); break;
    case Field::path: for_each_path(rv, f); break;
    case Field::uri: f(h.target); break;
    case Field::norm_uri: f(rv.norm_uri); break;
    case Field::headers:
      for (unsigned i = 0; i < h.header_count; ++i) {
        // "Name: value" without a copy: the view spans the original line when the value
        // follows the colon and one space, as nearly all clients send it.
        const auto& hd = h.headers[i];
        const char* start = hd.name.data();
        const char* end = hd.value.data() + hd.value.size();
        if (f(std::string_view(start, static_cast<size_t>(end - start)))) return;
      }
      break;
    case Field::query:
      if (!rv.query.empty()) f(rv.query);
      break;
    case Field::query_param: {
      std::string_view rest = rv.query, name, value;
      while (proto::next_query_param(rest, name, value)) {
        uint32_t flags = 0;
        const size_t n = proto::percent_decode(name, decode, true, flags);
        if (std::string_view(decode, n) != arg) continue;
        const size_t m = proto::percent_decode(value, decode, true, flags);
        if (f(std::string_view(decode, m))) return;
      }
      break;
    }
    case Field::host:
      if (!rv.host.empty()) f(rv.host);
      break;
    case Field::user_agent: headers_named("user-agent"); break;
    case Field::header: headers_named(arg); break;
    case Field::cookie:
      for (unsigned i = 0; i < h.header_count; ++i) {
        if (!proto::iequals(h.headers[i].name, "cookie")) continue;
        std::string_view v = h.headers[i].value;
        if (arg.empty()) {
          if (f(v)) return;
          continue;
        }
        while (!v.empty()) {  // "a=1; b=2"
          const size_t semi = v.find(';');
          std::string_view pair = v.substr(0, semi);
          v.remove_prefix(semi == std::string_view::npos ? v.size() : semi + 1);
          while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
          const size_t eq = pair.find('=');
          if (eq != std::string_view::npos && pair.substr(0, eq) == arg && f(pair.substr(eq + 1)))
            return;
        }
      }
      break;
    case Field::ja3:
      if (!rv.ja3.empty()) f(rv.ja3);
      break;
    case Field::ja4:
      if (!rv.ja4.empty()) f(rv.ja4);
      break;
    case Field::body:
    case Field::client_ip:
    case Field::count_: break;
  }
}

bool compare(Cmp c, uint64_t a, uint64_t b) {
  switch (c) {
    case Cmp::lt: return a < b;
    case Cmp::le: return a <= b;
    case Cmp::gt: return a > b;
    case Cmp::ge: return a >= b;
    case Cmp::eq: return a == b;
    case Cmp::ne: return a != b;
  }
  return false;
}

}  // namespace

Matcher::Matcher(const rules::Bundle& b) : b_(b) {
  for (const auto& d : b.dbs)
    if (hs_alloc_scratch(d.db.get(), &scratch_) != HS_SUCCESS) {
      hs_free_scratch(scratch_);
      scratch_ = nullptr;
      return;
    }
  // No database (a bundle of limits, logins and policies only): nothing is scanned, so
  // no scratch is needed (Hyperscan has none to give for no database).
  bits_.assign((b.leaves.size() + 63) / 64, 0);
  hits_.reserve(b.leaves.size());  // a hit is recorded at most once per leaf: no growth later
  rule_epoch_.assign(b.rules.size(), 0);
  decode_.resize(proto::kMaxHeadBytesLimit);  // a decoded query value is never longer than the head
  body_decoded_.resize(proto::body_decode_bound(kDecodePiece));
}

Matcher::~Matcher() {
  for (hs_stream_t* st : all_streams_) hs_close_stream(st, nullptr, nullptr, nullptr);
  hs_free_scratch(scratch_);
}

void Matcher::use_stream_pool(unsigned n) {
  pooled_ = true;
  if (b_.body_db == rules::kNoDb) return;
  n *= 2;  // a decoded body takes a second stream
  free_streams_.reserve(n);
  all_streams_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    hs_stream_t* st = nullptr;
    if (hs_open_stream(b_.dbs[b_.body_db].db.get(), 0, &st) != HS_SUCCESS) break;
    free_streams_.push_back(st);
    all_streams_.push_back(st);
  }
}

hs_stream_t* Matcher::take_stream() {
  if (!pooled_) {
    hs_stream_t* st = nullptr;
    return hs_open_stream(b_.dbs[b_.body_db].db.get(), 0, &st) == HS_SUCCESS ? st : nullptr;
  }
  if (free_streams_.empty()) {
    ++body_unscanned_;
    return nullptr;
  }
  hs_stream_t* st = free_streams_.back();
  free_streams_.pop_back();
  return st;
}

// Ends a request's stream: end-anchored matches go to `scan_for_matches` (if any).
void Matcher::return_stream(hs_stream_t* st, RequestScan* scan_for_matches) {
  match_event_handler cb = scan_for_matches ? &Matcher::on_body_match : nullptr;
  if (!pooled_) {
    hs_close_stream(st, scratch_, cb, scan_for_matches);
    return;
  }
  hs_reset_stream(st, 0, scratch_, cb, scan_for_matches);
  free_streams_.push_back(st);  // capacity reserved: never reallocates
}

void Matcher::hit(uint32_t leaf) {
  uint64_t& w = bits_[leaf / 64];
  const uint64_t bit = uint64_t{1} << (leaf % 64);
  if (!(w & bit)) {
    w |= bit;
    hits_.push_back(leaf);
  }
}

void Matcher::clear_hits() {
  for (uint32_t l : hits_) bits_[l / 64] = 0;
  hits_.clear();
}

int Matcher::on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  static_cast<Matcher*>(ctx)->hit(id);
  return 0;
}

void Matcher::scan_field(const rules::FieldDb& db, const RequestView& rv) {
  for_each_value(db.field, db.arg, rv, decode_.data(), [&](std::string_view v) {
    hs_scan(db.db.get(), v.data(), static_cast<unsigned>(v.size()), 0, scratch_, &Matcher::on_match,
            this);
    return false;
  });
}

bool Matcher::eval_leaf(const rules::Leaf& l, const RequestView* rv,
                        const RequestScan* scan) const {
  if (l.field == Field::body) {
    if (l.op == Op::length) return scan && compare(l.cmp, scan->body_bytes, l.number);
    if (l.op == Op::exists) return scan && (scan->body_bytes > 0) == l.want;
    return false;
  }
  if (rv == nullptr) return false;
  if (l.field == Field::client_ip) {
    if (l.op == Op::exists) return (rv->client_ip_len != 0) == l.want;
    for (const auto& [net, bits] : l.prefixes)
      if (rules::in_prefix(rv->client_ip, rv->client_ip_len, net, bits)) return true;
    return false;
  }
  bool found = false, any = false;
  char* decode = decode_.data();
  for_each_value(l.field, l.arg, *rv, decode, [&](std::string_view v) {
    any = true;
    if (l.op == Op::length) found = compare(l.cmp, v.size(), l.number);
    return found;
  });
  if (l.op == Op::exists) return any == l.want;
  return found;
}

bool Matcher::eval(uint32_t node, const RequestView* rv, const RequestScan* scan) const {
  const rules::Node& n = b_.nodes[node];
  switch (n.kind) {
    case rules::Condition::Kind::leaf: {
      const rules::Leaf& l = b_.leaves[n.leaf];
      if (l.op <= Op::regex) return bits_[n.leaf / 64] & (uint64_t{1} << (n.leaf % 64));
      if (rv == nullptr && l.field != Field::body) {  // end of body: carried from the head
        for (unsigned i = 0; scan && i < scan->carried_count; ++i)
          if (scan->carried[i] == n.leaf) return true;
        return false;
      }
      return eval_leaf(l, rv, scan);
    }
    case rules::Condition::Kind::negate: return !eval(n.children[0], rv, scan);
    case rules::Condition::Kind::all:
      for (uint32_t c : n.children)
        if (!eval(c, rv, scan)) return false;
      return true;
    case rules::Condition::Kind::any:
      for (uint32_t c : n.children)
        if (eval(c, rv, scan)) return true;
      return false;
  }
  return false;
}

// Evaluates the rules of one phase (head: rules without body tests; end: the others)
// that a hit leaf belongs to, plus the phase's ungated rules, each once.
void Matcher::evaluate_candidates(bool body_phase, const RequestView* rv, const RequestScan* scan,
                                  Verdict& v) {
  if (++epoch_ == 0) {
    std::fill(rule_epoch_.begin(), rule_epoch_.end(), 0);
    epoch_ = 1;
  }
  auto consider = [&](uint32_t r) {
    if (rule_epoch_[r] == epoch_) return;
    rule_epoch_[r] = epoch_;
    const rules::CompiledRule& rule = b_.rules[r];
    if (rule.tls != tls_phase_) return;  // connection rules and request rules apart
    if (rule.needs_body == body_phase && eval(rule.root, rv, body_phase ? scan : nullptr))
      v.add(r, b_);
  };
  const size_t n = hits_.size();
  for (size_t i = 0; i < n; ++i)
    for (uint32_t r : b_.rules_of_leaf[hits_[i]]) consider(r);
  for (uint32_t r : body_phase ? b_.ungated_body : b_.ungated) consider(r);
}

void Matcher::on_client_hello(const RequestView& rv, Verdict& v) {
  static const proto::HttpHead kNoHead{};
  RequestView view = rv;
  if (view.head == nullptr) view.head = &kNoHead;
  clear_hits();
  for (const auto& db : b_.dbs)
    if (db.field == Field::ja3 || db.field == Field::ja4) scan_field(db, view);
  tls_phase_ = true;
  evaluate_candidates(false, &view, nullptr, v);
  tls_phase_ = false;
}

void Matcher::on_head(const RequestView& rv, RequestScan& scan, Verdict& v) {
  scan = RequestScan{};
  clear_hits();
  for (const auto& db : b_.dbs)
    if (!db.stream) scan_field(db, rv);
  evaluate_candidates(false, &rv, &scan, v);
  // Body rules are decided at the end: carry the head leaves they use.
  if (!wants_body()) return;
  for (uint32_t l : b_.body_rule_head_leaves) {
    const bool t = b_.leaves[l].op <= Op::regex ? (bits_[l / 64] >> (l % 64)) & 1
                                                : eval_leaf(b_.leaves[l], &rv, nullptr);
    if (!t) continue;
    if (scan.carried_count == kMaxCarried) {
      scan.carried_overflow = true;
      break;
    }
    scan.carried[scan.carried_count++] = l;
  }
  scan.stream = take_stream();
  scan.decoder = proto::BodyDecoder{};
  scan.decoder.coding = proto::body_coding_of(rv.head->header("content-type"));
  if (scan.stream && scan.decoder.coding != proto::BodyCoding::none) {
    scan.decoded = take_stream();
    if (scan.decoded == nullptr) {  // half a scan is no scan: the body counts as unscanned
      return_stream(scan.stream, nullptr);
      scan.stream = nullptr;
    }
  }
}

void Matcher::scan_decoded(RequestScan& scan, const uint8_t* data, size_t len, bool end) {
  uint8_t* out = body_decoded_.data();
  while (len) {
    const size_t n = std::min(len, kDecodePiece);
    const size_t m = proto::body_decode(scan.decoder, data, n, out);
    hs_scan_stream(scan.decoded, reinterpret_cast<const char*>(out), static_cast<unsigned>(m), 0,
                   scratch_, &Matcher::on_body_match, &scan);
    data += n;
    len -= n;
  }
  if (end) {
    const size_t m = proto::body_decode_finish(scan.decoder, out);
    if (m)
      hs_scan_stream(scan.decoded, reinterpret_cast<const char*>(out), static_cast<unsigned>(m), 0,
                     scratch_, &Matcher::on_body_match, &scan);
  }
}

int Matcher::on_body_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                           void* ctx) {
  auto& scan = *static_cast<RequestScan*>(ctx);
  for (unsigned i = 0; i < scan.body_hit_count; ++i)
    if (scan.body_hits[i] == id) return 0;
  if (scan.body_hit_count < kMaxCarried) scan.body_hits[scan.body_hit_count++] = id;
  return 0;
}

void Matcher::on_body(RequestScan& scan, const uint8_t* data, size_t len) {
  scan.body_bytes += len;
  if (scan.stream == nullptr) return;
  hs_scan_stream(scan.stream, reinterpret_cast<const char*>(data), static_cast<unsigned>(len), 0,
                 scratch_, &Matcher::on_body_match, &scan);
  if (scan.decoded) scan_decoded(scan, data, len, false);
}

void Matcher::end_body(RequestScan& scan, Verdict& v) {
  if (scan.stream) {
    return_stream(scan.stream, &scan);
    scan.stream = nullptr;
  }
  if (scan.decoded) {
    scan_decoded(scan, nullptr, 0, true);
    return_stream(scan.decoded, &scan);
    scan.decoded = nullptr;
  }
  // Other requests used the bitmaps since this one's head: rebuild them from what the
  // request carried, then evaluate the body rules those leaves (or none) can satisfy.
  clear_hits();
  for (unsigned i = 0; i < scan.body_hit_count; ++i) hit(scan.body_hits[i]);
  for (unsigned i = 0; i < scan.carried_count; ++i)
    if (b_.leaves[scan.carried[i]].op <= Op::regex) hit(scan.carried[i]);
  evaluate_candidates(true, nullptr, &scan, v);
  clear_hits();
}

void Matcher::abort(RequestScan& scan) {
  if (scan.stream) return_stream(scan.stream, nullptr);
  if (scan.decoded) return_stream(scan.decoded, nullptr);
  scan.stream = scan.decoded = nullptr;
}

}  // namespace bulwark::signatures

namespace bulwark::signatures {
void Matcher::discard(RequestScan& scan) const {
  for (hs_stream_t* st : {scan.stream, scan.decoded})
    if (st && !pooled_) hs_close_stream(st, nullptr, nullptr, nullptr);
  scan.stream = scan.decoded = nullptr;
}
}  // namespace bulwark::signatures
