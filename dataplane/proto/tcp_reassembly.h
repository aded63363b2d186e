// In-order TCP payload delivery for one direction of a flow, as an inline device sees
// it: in-order data is handed to the protocol parser straight from the packet (no copy);
// out-of-order data is copied into the worker's segment pool until the gap fills;
// retransmitted data is ignored; overlapping data is resolved first-copy-wins and an
// overlap whose bytes differ is reported (an evasion attempt or a broken stack).
// Sequence numbers compare modulo 2^32. Bounded per direction and by the pool.
//
// A direction given a compare ring (StreamDir::kept) keeps a copy of the last bytes it
// delivered, so that a retransmission rewriting bytes *already delivered* is compared
// too: the receiver may not have taken the first copy (it was lost or dropped past the
// box), and then it reads the second. Older delivered bytes than the ring holds are
// counted as unverified.
#pragma once

#include <cstdint>

#include "dataplane/proto/segment_pool.h"

namespace bulwark::proto {

// One direction of a stream. Owner: the worker that owns the flow (rw); nobody else.
struct StreamDir {
  uint32_t next_seq;    // next in-order byte (valid once kStarted)
  uint32_t fin_seq;     // sequence number just past the data, when kFin
  uint32_t sent_end;    // just past the furthest byte seen sent (within the window)
  Segment* held;        // out-of-order pieces: sorted, never overlapping
  uint32_t held_bytes;  // payload bytes in `held`
  uint16_t held_segs;
  uint8_t flags;
  uint8_t reserved;
  // The last delivered bytes, byte at sequence number x at kept[x % compare_bytes]
  // (ReassemblyLimits); nullptr: none are kept. `kept_bytes` of them, ending at next_seq.
  uint8_t* kept;
  uint32_t kept_bytes;
  // The receiver's highest ACK of this direction (kPeerAcked; the caller keeps it): bytes
  // before it are in the receiver's hands and a retransmission cannot replace them.
  uint32_t peer_acked;

  static constexpr uint8_t kStarted = 1;     // next_seq is known (SYN or first data)
  static constexpr uint8_t kFin = 2;         // FIN seen; fin_seq valid
  static constexpr uint8_t kEnded = 4;       // all data up to the FIN delivered, or RST
  static constexpr uint8_t kAbandoned = 8;   // a bound was hit: nothing more is delivered
  static constexpr uint8_t kMidstream = 16;  // started without seeing the SYN
  static constexpr uint8_t kData = 32;       // some payload was delivered
  static constexpr uint8_t kPeerAcked = 64;  // peer_acked is valid
};

struct ReassemblyLimits {
  uint32_t max_held_bytes = 256 * 1024;  // out-of-order bytes held per direction
  uint16_t max_held_segments = 256;      // pieces held per direction
  uint32_t max_window = 16u << 20;       // data further ahead of next_seq is ignored
  uint32_t compare_bytes = 0;            // size of a direction's compare ring (a power of two)
};

// Per worker, written by that worker only.
struct ReassemblyCounters {
  uint64_t delivered_bytes = 0;
  uint64_t in_order_segments = 0;        // started at next_seq
  uint64_t out_of_order_segments = 0;    // held (fully or partly) for later
  uint64_t retransmissions = 0;          // entirely before next_seq: ignored
  uint64_t partial_retransmissions = 0;  // started before next_seq: old part trimmed
  uint64_t overlap_conflicts = 0;        // overlapped held data with different bytes
  uint64_t retransmit_conflicts = 0;     // rewrote delivered bytes (compare ring) differently
  uint64_t retransmit_unverified = 0;    // resent unacknowledged bytes older than the ring
  uint64_t limit_hits = 0;               // per-direction bound reached: direction abandoned
  uint64_t pool_exhausted = 0;           // no segment buffer left: direction abandoned
  uint64_t out_of_window = 0;            // too far ahead, or past the FIN: ignored
  uint64_t midstream_starts = 0;         // direction picked up without its SYN
};

struct SegmentOutcome {
  uint32_t delivered = 0;  // bytes handed to the sink by this segment
  bool conflict = false;   // overlapped held or delivered data with different bytes
  bool limit = false;      // a bound was hit: the direction was abandoned just now
  bool ended = false;      // the stream ended with this segment (FIN reached, or RST)
  bool reset = false;      // ... by a RST the receiver accepts (the whole connection ends)
  // A RST whose sequence number is not the receiver's next expected byte: a receiving
  // Linux stack (RFC 5961 3.2) answers it with a challenge ACK and keeps the connection,
  // so it changes nothing here either.
  bool rst_ignored = false;
  bool syn_ignored = false;  // a SYN in a started stream (RFC 5961 4.2): nothing changed
  bool syn_data = false;     // a SYN carried payload: not delivered, the caller drops it
};

// Receives in-order payload. `ctx` is the caller's.
using StreamSink = void (*)(void* ctx, const uint8_t* data, uint32_t len);

class Reassembler {
 public:
  Reassembler(SegmentPool& pool, const ReassemblyLimits& limits) : pool_(pool), lim_(limits) {}

  static void init(StreamDir& s) { s = StreamDir{}; }
  // Handles one TCP segment of this direction: `flags` are the TCP flags, `data` the
  // payload. In-order bytes (including any held bytes it makes contiguous) go to `sink`.
  SegmentOutcome on_segment(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len,
                            uint8_t flags, StreamSink sink, void* ctx);
  // Returns every held segment to the pool (flow ends, is evicted, or is abandoned).
  void release(StreamDir& s);

  const ReassemblyCounters& counters() const { return c_; }
  uint32_t compare_bytes() const { return lim_.compare_bytes; }

 private:
  void deliver_from(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len, StreamSink sink,
                    void* ctx, SegmentOutcome& o);
  bool hold(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len);
  bool conflicts_with_held(const StreamDir& s, uint32_t seq, const uint8_t* data,
                           uint32_t len) const;
  // Compares [seq, seq+len), all before next_seq, with the compare ring.
  bool conflicts_with_delivered(const StreamDir& s, uint32_t seq, const uint8_t* data,
                                uint32_t len);
  // The same, counted and reported in `o` as a conflict.
  void compare_retransmission(const StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len,
                              SegmentOutcome& o);
  void keep(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len) const;
  void pop_held(StreamDir& s);
  // Gives back held bytes at or past `from` (the stream's FIN).
  void drop_held_from(StreamDir& s, uint32_t from);
  void abandon(StreamDir& s, SegmentOutcome& o);

  SegmentPool& pool_;
  ReassemblyLimits lim_;
  ReassemblyCounters c_;
};

}  // namespace bulwark::proto
