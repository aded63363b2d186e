// Streaming sensitive-data counting (see sensitive_scanner.h).
#include "dataplane/discover/sensitive_scanner.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "dataplane/detect/bundle.h"

namespace bulwark::discover {

void SensitiveScan::clear() {
  stream = nullptr;
  offset = 0;
  std::memset(counts, 0, sizeof counts);
  std::memset(counted_from, 0, sizeof counted_from);
  std::memset(last_to, 0, sizeof last_to);
  unverifiable = 0;
  tail_len = 0;
}

SensitiveScanner::SensitiveScanner(const detect::Bundle& b) : b_(b) {
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

int SensitiveScanner::on_match(unsigned id, unsigned long long from, unsigned long long to,
                               unsigned, void* ctx) {
  static_cast<SensitiveScanner*>(ctx)->count(id, from, to);
  return 0;
}

void SensitiveScanner::count(unsigned id, uint64_t from, uint64_t to) {
  const auto& d = b_.discovery;
  if (id >= d.pattern_class.size()) return;
  const unsigned c = d.pattern_class[id];
  SensitiveScan& s = *cur_;
  const Validator v = d.class_validator[c];
  if (v == Validator::none) {
    // No start of match: the ends of one match come one byte apart.
    const bool extends = s.last_to[c] != 0 && to == s.last_to[c] + 1;
    s.last_to[c] = to;
    if (!extends && s.counts[c] < UINT16_MAX) ++s.counts[c];
    return;
  }
  s.last_to[c] = to;
  if (s.counted_from[c] == from + 1) return;  // this start counted already
  // The matched text: from this call's data, or partly from the bytes kept before it.
  const uint64_t base = s.offset;  // stream offset of data_[0]
  if (to > base + len_ || to < from || to - from > kTailBytes) {
    ++s.unverifiable;
    return;
  }
  char text[kTailBytes];
  const size_t n = to - from;
  if (from >= base) {
    std::memcpy(text, data_ + (from - base), n);
  } else {
    const uint64_t before = base - from;  // bytes of the match that came earlier
    if (before > s.tail_len) {
      ++s.unverifiable;
      return;
    }
    std::memcpy(text, s.tail + s.tail_len - before, before);
    if (n > before) std::memcpy(text + before, data_, n - before);
  }
  if (!validate(v, std::string_view(text, n))) return;
  s.counted_from[c] = from + 1;
  if (s.counts[c] < UINT16_MAX) ++s.counts[c];
}

}  // namespace bulwark::discover
