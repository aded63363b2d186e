// Counts sensitive data (e-mail addresses, card numbers, ...) in HTTP responses as they
// stream past: the head's header lines and the body go through one Hyperscan stream per
// response, never buffered whole. Each match is confirmed by its class's validator on
// the text before its end (the validator finds where the value starts); the last bytes
// scanned are kept so that a match split across two packets can still be read. One scanner per
// worker (scratch, stream pool); the per-response state (SensitiveScan) lives with the connection.
// Nothing here allocates once the pool is open.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <vector>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {
struct Bundle;
}

namespace bulwark::discovery {

inline constexpr size_t kMaxClasses = rules::kMaxSensitiveClasses;
inline constexpr size_t kTailBytes = 64;  // longest match a validator can read

struct SensitiveScan {
  hs_stream_t* stream = nullptr;
  uint64_t offset = 0;  // bytes scanned so far
  uint16_t counts[kMaxClasses];
  // Duplicate suppression: a pattern may report more than one end of a match. Validated
  // classes count one match per start (found by the validator); others one per run of
  // ends one byte apart.
  uint64_t counted_from[kMaxClasses];  // start + 1 of the last counted match (0: none)
  uint64_t last_to[kMaxClasses];       // end of the last match
  uint32_t unverifiable = 0;           // matches too long to read back
  uint8_t tail_len = 0;
  uint8_t tail[kTailBytes];
  void clear();
};

class SensitiveScanner {
 public:
  explicit SensitiveScanner(const rules::Bundle& b);
  ~SensitiveScanner();
  SensitiveScanner(const SensitiveScanner&) = delete;
  SensitiveScanner& operator=(const SensitiveScanner&) = delete;
  // false if the bundle has a database but scratch could not be had.
  bool ok() const { return db_ == nullptr || scratch_ != nullptr; }
  bool active() const { return db_ != nullptr; }
  // Opens `n` streams now; responses take and return them.
  void use_stream_pool(unsigned n);
  // Starts a response: false if no stream is free (it then goes unscanned).
  bool begin(SensitiveScan& s);
  void feed(SensitiveScan& s, const uint8_t* data, size_t len);
  // End of the response: matches at the end of the stream count, the stream goes back.
  void end(SensitiveScan& s);
  // The response is abandoned: the stream goes back, nothing more counts.
  void abort(SensitiveScan& s);

 private:
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned,
                      void* ctx);
  void count(unsigned id, uint64_t to);
  void keep_tail(SensitiveScan& s, const uint8_t* data, size_t len);

  const rules::Bundle& b_;
  const hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
  std::vector<hs_stream_t*> free_, all_;
  // The call in progress (on_match reads the matched text from here).
  SensitiveScan* cur_ = nullptr;
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
};

}  // namespace bulwark::discovery
