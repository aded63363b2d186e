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

// Calls f on each other spelling of the path a server behind the box may route on
// (docs/rules.md, fields): the route view with `;` parameters stripped (Tomcat, Jetty),
// and the normalised path (nginx, Go) and that view each without one trailing slash
// (Express and Spring <= 5 route /login/ as /login). A rule on /login is not escaped by
// /login/ or /login;x.
template <class F>
void for_each_other_path(const RequestView& rv, F&& f) {
  auto trimmed = [&](std::string_view p) {
    if (p.size() > 1 && p.back() == '/') f(p.substr(0, p.size() - 1));
  };
  trimmed(rv.path);
  if (rv.route != rv.path) {
    f(rv.route);
    trimmed(rv.route);
  }
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
    case Field::path: f(rv.path); break;  // pattern tests: also for_each_other_path
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
  extra_bits_.assign(bits_.size(), 0);
  words_ = static_cast<uint32_t>(bits_.size());
  hits_.reserve(b.leaves.size());  // a hit is recorded at most once per leaf: no growth later
  rule_epoch_.assign(b.rules.size(), 0);
  decode_.resize(proto::kMaxHeadBytesLimit);  // a decoded query value is never longer than the head
  body_percent_.resize(proto::body_decode_bound(kDecodePiece));
  body_decoded_.resize(proto::body_decode_bound(body_percent_.size()));
}

Matcher::~Matcher() {
  for (const BodySlot& sl : slots_)
    for (hs_stream_t* st : {sl.raw, sl.decoded, sl.json})
      hs_close_stream(st, nullptr, nullptr, nullptr);
  hs_free_scratch(scratch_);
}

bool Matcher::add_slot() {
  BodySlot sl;
  const hs_database_t* db = b_.dbs[b_.body_db].db.get();
  for (hs_stream_t** st : {&sl.raw, &sl.decoded, &sl.json})
    if (hs_open_stream(db, 0, st) != HS_SUCCESS) {
      for (hs_stream_t* open : {sl.raw, sl.decoded, sl.json})
        if (open) hs_close_stream(open, nullptr, nullptr, nullptr);
      return false;
    }
  sl.next_free = free_slot_;
  free_slot_ = static_cast<uint32_t>(slots_.size());
  slots_.push_back(sl);
  slot_bits_.resize(slots_.size() * 3 * words_);
  return true;
}

void Matcher::use_stream_pool(unsigned n) {
  pooled_ = true;
  if (b_.body_db == rules::kNoDb) return;
  slots_.reserve(n);
  slot_bits_.reserve(size_t{n} * 3 * words_);
  for (unsigned i = 0; i < n && add_slot(); ++i) {
  }
}

uint32_t Matcher::take_slot() {
  if (free_slot_ == kNoBodySlot && (pooled_ || !add_slot())) {
    ++body_unscanned_;
    return kNoBodySlot;
  }
  const uint32_t i = free_slot_;
  free_slot_ = slots_[i].next_free;
  std::fill_n(body_bits(i), 3 * words_, 0);
  return i;
}

void Matcher::give_back(uint32_t slot, bool matches, bool decoding) {
  BodySlot& sl = slots_[slot];
  match_event_handler cb = matches ? &Matcher::on_body_match : nullptr;
  hs_reset_stream(sl.raw, 0, scratch_, cb, body_bits(slot));
  if (decoding)  // otherwise the decoded streams were not started and are still reset
    for (hs_stream_t* st : {sl.decoded, sl.json})
      hs_reset_stream(st, 0, scratch_, cb, body_bits(slot));
  // Free, but its bitmaps stay as they are until the slot is taken again.
  sl.next_free = free_slot_;
  free_slot_ = slot;
}

void Matcher::hit(uint32_t leaf, bool extra) {
  const size_t w = leaf / 64;
  const uint64_t bit = uint64_t{1} << (leaf % 64);
  if (!((bits_[w] | extra_bits_[w]) & bit)) hits_.push_back(leaf);
  (extra ? extra_bits_ : bits_)[w] |= bit;
}

void Matcher::clear_hits() {
  for (uint32_t l : hits_) bits_[l / 64] = extra_bits_[l / 64] = 0;
  hits_.clear();
}

int Matcher::on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* m = static_cast<Matcher*>(ctx);
  m->hit(id, m->extra_view_);
  return 0;
}

void Matcher::scan_field(const rules::FieldDb& db, const RequestView& rv) {
  auto scan = [&](std::string_view v) {
    hs_scan(db.db.get(), v.data(), static_cast<unsigned>(v.size()), 0, scratch_, &Matcher::on_match,
            this);
    return false;
  };
  for_each_value(db.field, db.arg, rv, decode_.data(), scan);
  if (db.field != Field::path) return;
  extra_view_ = true;
  for_each_other_path(rv, scan);
  extra_view_ = false;
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

bool Matcher::eval(uint32_t node, const RequestView* rv, const RequestScan* scan,
                   bool negated) const {
  const rules::Node& n = b_.nodes[node];
  switch (n.kind) {
    case rules::Condition::Kind::leaf: {
      const rules::Leaf& l = b_.leaves[n.leaf];
      if (l.op <= Op::regex) return pattern_hit(n.leaf, negated);
      if (rv == nullptr && l.field != Field::body)  // end of body: carried from the head
        return scan && scan->slot != kNoBodySlot &&
               (carried_bits(scan->slot)[n.leaf / 64] >> (n.leaf % 64)) & 1;
      return eval_leaf(l, rv, scan);
    }
    case rules::Condition::Kind::negate: return !eval(n.children[0], rv, scan, !negated);
    case rules::Condition::Kind::all:
      for (uint32_t c : n.children)
        if (!eval(c, rv, scan, negated)) return false;
      return true;
    case rules::Condition::Kind::any:
      for (uint32_t c : n.children)
        if (eval(c, rv, scan, negated)) return true;
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

void Matcher::on_head(const RequestView& rv, RequestScan& scan, Verdict& v, bool scan_body) {
  scan = RequestScan{};
  clear_hits();
  for (const auto& db : b_.dbs)
    if (!db.stream) scan_field(db, rv);
  evaluate_candidates(false, &rv, &scan, v);
  // Body rules are decided at the end: carry the head leaves they use.
  if (!wants_body()) return;
  if (!scan_body) return;  // refused by the caller (a client's share): not overload
  if ((scan.slot = take_slot()) == kNoBodySlot) return;
  uint64_t* carried = body_bits(scan.slot) + words_;
  uint64_t* primary = carried + words_;
  for (uint32_t l : b_.body_rule_head_leaves) {
    const uint64_t bit = uint64_t{1} << (l % 64);
    if (b_.leaves[l].op > Op::regex) {
      if (eval_leaf(b_.leaves[l], &rv, nullptr)) carried[l / 64] |= bit, primary[l / 64] |= bit;
      continue;
    }
    if (pattern_hit(l, false)) carried[l / 64] |= bit;
    if (pattern_hit(l, true)) primary[l / 64] |= bit;
  }
  scan.percent.coding = proto::BodyCoding::percent;
  scan.json.coding = scan.json_only.coding = proto::BodyCoding::json;
}

void Matcher::scan_into(hs_stream_t* st, uint32_t slot, const uint8_t* p, size_t n) {
  if (n)
    hs_scan_stream(st, reinterpret_cast<const char*>(p), static_cast<unsigned>(n), 0, scratch_,
                   &Matcher::on_body_match, body_bits(slot));
}

void Matcher::scan_decoded(RequestScan& scan, const uint8_t* data, size_t len, bool end) {
  uint8_t* mid = body_percent_.data();
  uint8_t* out = body_decoded_.data();
  const BodySlot& sl = slots_[scan.slot];
  auto scan_out = [&](hs_stream_t* st, size_t m) { scan_into(st, scan.slot, out, m); };
  while (len) {
    const size_t n = std::min(len, kDecodePiece);
    const size_t p = proto::body_decode(scan.percent, data, n, mid);
    scan_out(sl.decoded, proto::body_decode(scan.json, mid, p, out));
    // JSON escapes of the body as sent too: in the chain a %5c made by the percent step
    // would escape the JSON escape after it (%5c\u0027), which a JSON parser reads as '.
    scan_out(sl.json, proto::body_decode(scan.json_only, data, n, out));
    data += n;
    len -= n;
  }
  if (end) {  // unfinished escapes, as they were sent
    const size_t p = proto::body_decode_finish(scan.percent, mid);
    const size_t m = proto::body_decode(scan.json, mid, p, out);
    scan_out(sl.decoded, m + proto::body_decode_finish(scan.json, out + m));
    scan_out(sl.json, proto::body_decode_finish(scan.json_only, out));
  }
}

int Matcher::on_body_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                           void* ctx) {
  static_cast<uint64_t*>(ctx)[id / 64] |= uint64_t{1} << (id % 64);  // id: a body leaf
  return 0;
}

namespace {

// Offset of the first byte that starts a percent or JSON escape or is a form's space
// (len if none): up to it, decoding changes nothing.
size_t first_escape(const uint8_t* data, size_t len) {
  for (int c : {'%', '+', '\\'})
    if (const void* at = std::memchr(data, c, len))
      len = static_cast<size_t>(static_cast<const uint8_t*>(at) - data);
  return len;
}

}  // namespace

void Matcher::on_body(RequestScan& scan, const uint8_t* data, size_t len) {
  scan.body_bytes += len;
  if (scan.slot == kNoBodySlot) return;
  const BodySlot& sl = slots_[scan.slot];
  if (!scan.decoding) {
    const size_t k = first_escape(data, len);
    scan_into(sl.raw, scan.slot, data, k);
    if (k == len) return;
    // The decoded views so far are the raw body: they continue from the raw stream's
    // state (its matches are in the slot's bitmap already).
    hs_reset_and_copy_stream(sl.decoded, sl.raw, scratch_, nullptr, nullptr);
    hs_reset_and_copy_stream(sl.json, sl.raw, scratch_, nullptr, nullptr);
    scan.decoding = true;
    data += k;
    len -= k;
  }
  scan_into(sl.raw, scan.slot, data, len);
  scan_decoded(scan, data, len, false);
}

void Matcher::end_body(RequestScan& scan, Verdict& v) {
  if (scan.slot == kNoBodySlot) return;  // not scanned: body rules cannot be decided
  if (scan.decoding) scan_decoded(scan, nullptr, 0, true);
  // Other requests used the bitmaps since this one's head: rebuild them from the body
  // leaves the request matched and the pattern leaves its head carried, then evaluate
  // the body rules those leaves (or none) can satisfy.
  give_back(scan.slot, true, scan.decoding);  // with the end-anchored matches
  clear_hits();
  const uint64_t* body = body_bits(scan.slot);
  const uint64_t* carried = carried_bits(scan.slot);
  for (uint32_t w = 0; w < words_; ++w) {
    for (uint64_t x = body[w]; x; x &= x - 1)
      hit(w * 64 + static_cast<uint32_t>(__builtin_ctzll(x)));
    for (uint64_t x = carried[w]; x; x &= x - 1) {
      const uint32_t l = w * 64 + static_cast<uint32_t>(__builtin_ctzll(x));
      if (b_.leaves[l].op <= Op::regex) hit(l, !((carried[words_ + w] >> (l % 64)) & 1));
    }
  }
  evaluate_candidates(true, nullptr, &scan, v);  // reads the slot's carried bitmap
  clear_hits();
  scan.slot = kNoBodySlot;
}

void Matcher::abort(RequestScan& scan) {
  if (scan.slot != kNoBodySlot) give_back(scan.slot, false, scan.decoding);
  scan.slot = kNoBodySlot;
}

}  // namespace bulwark::signatures
