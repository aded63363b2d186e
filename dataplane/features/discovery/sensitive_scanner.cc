// Streaming sensitive-data counting (see sensitive_scanner.h).
#include "dataplane/features/discovery/sensitive_scanner.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "rules/lang/bundle.h"

namespace bulwark::discovery {

void SensitiveScan::clear() {
  stream = nullptr;
  offset = 0;
  std::memset(counts, 0, sizeof counts);
  std::memset(counted_from, 0, sizeof counted_from);
  std::memset(last_to, 0, sizeof last_to);
  unverifiable = 0;
  tail_len = 0;
}

SensitiveScanner::SensitiveScanner(const rules::Bundle& b) : b_(b) {
  if (!b.discovery.db) return;
  db_ = b.discovery.db.get();
  if (hs_alloc_scratch(db_, &scratch_) != HS_SUCCESS) scratch_ = nullptr;
}

SensitiveScanner::~SensitiveScanner() {
  for (hs_stream_t* st : all_) hs_close_stream(st, nullptr, nullptr, nullptr);
  if (scratch_) hs_free_scratch(scratch_);
}

void SensitiveScanner::use_stream_pool(unsigned n) {
  if (!db_) return;
  free_.reserve(n);
  all_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    hs_stream_t* st = nullptr;
    if (hs_open_stream(db_, 0, &st) != HS_SUCCESS) break;
    free_.push_back(st);
    all_.push_back(st);
  }
}

bool SensitiveScanner::begin(SensitiveScan& s) {
  s.clear();
  if (!scratch_ || free_.empty()) return false;
  s.stream = free_.back();
  free_.pop_back();  // capacity reserved: never reallocates
  return true;
}

void SensitiveScanner::keep_tail(SensitiveScan& s, const uint8_t* data, size_t len) {
  if (len >= kTailBytes) {
    std::memcpy(s.tail, data + len - kTailBytes, kTailBytes);
    s.tail_len = kTailBytes;
    return;
  }
  const size_t keep = std::min<size_t>(s.tail_len, kTailBytes - len);
  std::memmove(s.tail, s.tail + s.tail_len - keep, keep);
  std::memcpy(s.tail + keep, data, len);
  s.tail_len = static_cast<uint8_t>(keep + len);
}

void SensitiveScanner::feed(SensitiveScan& s, const uint8_t* data, size_t len) {
  if (!s.stream || len == 0) return;
  cur_ = &s;
  data_ = data;
  len_ = len;
  hs_scan_stream(s.stream, reinterpret_cast<const char*>(data), static_cast<unsigned>(len), 0,
                 scratch_, &SensitiveScanner::on_match, this);
  keep_tail(s, data, len);
  s.offset += len;
  cur_ = nullptr;
}

void SensitiveScanner::end(SensitiveScan& s) {
  if (!s.stream) return;
  cur_ = &s;
  data_ = nullptr;
  len_ = 0;
  // Patterns that end at the end of the data (a trailing \b) are reported now.
  hs_reset_stream(s.stream, 0, scratch_, &SensitiveScanner::on_match, this);
  cur_ = nullptr;
  free_.push_back(s.stream);
  s.stream = nullptr;
}

void SensitiveScanner::abort(SensitiveScan& s) {
  if (!s.stream) return;
  hs_reset_stream(s.stream, 0, scratch_, nullptr, nullptr);
  free_.push_back(s.stream);
  s.stream = nullptr;
}

int SensitiveScanner::on_match(unsigned id, unsigned long long, unsigned long long to, unsigned,
                               void* ctx) {
  static_cast<SensitiveScanner*>(ctx)->count(id, to);
  return 0;
}

void SensitiveScanner::count(unsigned id, uint64_t to) {
  const auto& d = b_.discovery;
  if (id >= d.pattern_class.size()) return;
  const unsigned c = d.pattern_class[id];
  SensitiveScan& s = *cur_;
  const rules::discovery::Validator v = d.class_validator[c];
  if (v == rules::discovery::Validator::none) {
    // No start of match: the ends of one match come one byte apart (and one anchored
    // at the end of the data is reported last, at the end of the stream).
    const bool extends = s.last_to[c] != 0 && to <= s.last_to[c] + 1;
    s.last_to[c] = std::max(s.last_to[c], to);
    if (!extends && s.counts[c] < UINT16_MAX) ++s.counts[c];
    return;
  }
  s.last_to[c] = to;
  // The bytes before the match's end: from this call's data, and before it from the
  // bytes kept from earlier calls (the logical stream [offset - tail_len, offset + len)).
  const uint64_t base = s.offset;  // stream offset of data_[0]
  const uint64_t lo = base - s.tail_len;
  if (to > base + len_ || to <= lo) {
    ++s.unverifiable;
    return;
  }
  const uint64_t first = std::max<uint64_t>(lo, to > kTailBytes ? to - kTailBytes : 0);
  char text[kTailBytes];
  size_t n = 0;
  for (uint64_t at = first; at < to && at < base; ++at)
    text[n++] = static_cast<char>(s.tail[at - lo]);
  if (to > base) {
    const uint64_t skip = first > base ? first - base : 0;
    std::memcpy(text + n, data_ + skip, to - base - skip);
    n += to - base - skip;
  }
  const size_t len = rules::discovery::valid_length(v, std::string_view(text, n));
  if (len == 0) return;
  if (s.counted_from[c] == to - len + 1) return;  // this match counted at another end
  s.counted_from[c] = to - len + 1;
  if (s.counts[c] < UINT16_MAX) ++s.counts[c];
}

}  // namespace bulwark::discovery
