// Fixed-size buffers for out-of-order TCP payload, one pool per worker, carved at start
// from memory the caller provides (hugepages in the dataplane, the heap in tests).
// Hand-written instead of rte_mempool: the pool is private to one worker, so the ring
// operations and per-lcore caches of rte_mempool buy nothing, and a plain intrusive free
// list lets the reassembler run (and be fuzzed) without an EAL.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bulwark::proto {

// One held piece of a stream: bytes [seq, seq + len) of one direction.
struct Segment {
  static constexpr uint32_t kData = 2048 - 16;  // one chunk is 2 KiB
  Segment* next;
  uint32_t seq;
  uint16_t len;
  uint16_t reserved;
  uint8_t data[kData];
};
static_assert(sizeof(Segment) == 2048);

class SegmentPool {
 public:
  // `mem` holds `count` segments (count * sizeof(Segment) bytes, suitably aligned);
  // the pool does not own it.
  SegmentPool(void* mem, uint32_t count) : capacity_(count) {
    auto* s = static_cast<Segment*>(mem);
    for (uint32_t i = 0; i < count; ++i) {
      s[i].next = i + 1 < count ? &s[i + 1] : nullptr;
    }
    free_ = count ? s : nullptr;
    available_ = count;
  }
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;

  // nullptr when exhausted.
  Segment* get() {
    Segment* s = free_;
    if (s) {
      free_ = s->next;
      --available_;
    }
    return s;
  }
  void put(Segment* s) {
    s->next = free_;
    free_ = s;
    ++available_;
  }
  uint32_t available() const { return available_; }
  uint32_t capacity() const { return capacity_; }

 private:
  Segment* free_ = nullptr;
  uint32_t available_ = 0;
  uint32_t capacity_;
};

}  // namespace bulwark::proto
