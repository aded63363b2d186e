// TCP reassembly (see tcp_reassembly.h). Hand-written: no DPDK or Debian library
// reassembles TCP for an inline device without copying in-order data (DPDK's ip_frag
// library is IP fragments only; libnids/libtins copy every byte and allocate).
#include "dataplane/proto/tcp_reassembly.h"

#include <algorithm>
#include <cstring>

#include "dataplane/proto/packet_info.h"

namespace bulwark::proto {
namespace {

// a - b modulo 2^32 as a signed distance: < 0 when a is before b.
inline int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

// Drops the part of [seq, seq+len) before `from`; false if nothing is left.
inline bool trim_before(uint32_t from, uint32_t& seq, const uint8_t*& data, uint32_t& len) {
  if (seq_diff(from, seq) <= 0) return true;
  const uint32_t skip = from - seq;
  if (skip >= len) return false;
  seq += skip;
  data += skip;
  len -= skip;
  return true;
}

}  // namespace

void Reassembler::pop_held(StreamDir& s) {
  Segment* h = s.held;
  s.held = h->next;
  s.held_bytes -= h->len;
  --s.held_segs;
  pool_.put(h);
}

void Reassembler::release(StreamDir& s) {
  while (s.held) pop_held(s);
}

void Reassembler::drop_held_from(StreamDir& s, uint32_t from) {
  Segment** link = &s.held;
  while (Segment* h = *link) {
    if (seq_diff(h->seq, from) >= 0) {  // wholly past `from`
      *link = h->next;
      s.held_bytes -= h->len;
      --s.held_segs;
      pool_.put(h);
    } else {
      if (seq_diff(h->seq + h->len, from) > 0) {  // straddles it: keep the part before
        const uint32_t keep = from - h->seq;
        s.held_bytes -= h->len - keep;
        h->len = static_cast<uint16_t>(keep);
      }
      link = &h->next;
    }
  }
}

void Reassembler::abandon(StreamDir& s, SegmentOutcome& o) {
  release(s);
  s.flags |= StreamDir::kAbandoned;
  o.limit = true;
}

bool Reassembler::conflicts_with_held(const StreamDir& s, uint32_t seq, const uint8_t* data,
                                      uint32_t len) const {
  const uint32_t end = seq + len;
  for (const Segment* h = s.held; h && seq_diff(h->seq, end) < 0; h = h->next) {
    const uint32_t hend = h->seq + h->len;
    if (seq_diff(hend, seq) <= 0) continue;
    const uint32_t from = seq_diff(h->seq, seq) > 0 ? h->seq : seq;
    const uint32_t to = seq_diff(hend, end) < 0 ? hend : end;
    if (std::memcmp(data + (from - seq), h->data + (from - h->seq), to - from) != 0) return true;
  }
  return false;
}

void Reassembler::compare_retransmission(const StreamDir& s, uint32_t seq, const uint8_t* data,
                                         uint32_t len, SegmentOutcome& o) {
  if (!conflicts_with_delivered(s, seq, data, len)) return;
  ++c_.retransmit_conflicts;
  o.conflict = true;
}

void Reassembler::keep(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len) const {
  const uint32_t size = lim_.compare_bytes;
  if (len > size) {  // only the last `size` bytes stay
    data += len - size;
    seq += len - size;
    len = size;
  }
  const uint32_t at = seq & (size - 1);
  const uint32_t first = std::min(len, size - at);
  std::memcpy(s.kept + at, data, first);
  std::memcpy(s.kept, data + first, len - first);
  s.kept_bytes = std::min(size, s.kept_bytes + len);
}

bool Reassembler::conflicts_with_delivered(const StreamDir& s, uint32_t seq, const uint8_t* data,
                                           uint32_t len) {
  // Bytes the receiver acknowledged are its own: a second copy changes nothing there (a
  // keepalive's one old garbage byte is such a copy).
  if ((s.flags & StreamDir::kPeerAcked) && !trim_before(s.peer_acked, seq, data, len)) return false;
  const uint32_t kept_from = s.next_seq - s.kept_bytes;
  if (seq_diff(seq, kept_from) < 0) {  // partly or wholly older than the ring
    ++c_.retransmit_unverified;
    if (!trim_before(kept_from, seq, data, len)) return false;
  }
  const uint32_t size = lim_.compare_bytes;
  const uint32_t at = seq & (size - 1);
  const uint32_t first = std::min(len, size - at);
  return std::memcmp(s.kept + at, data, first) != 0 ||
         std::memcmp(s.kept, data + first, len - first) != 0;
}

// Delivers [seq, seq+len) (seq == next_seq), taking held bytes wherever they overlap
// (they arrived first), then every held piece that has become contiguous.
void Reassembler::deliver_from(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len,
                               StreamSink sink, void* ctx, SegmentOutcome& o) {
  const uint32_t end = seq + len;
  uint32_t cur = seq;
  s.flags |= StreamDir::kData;
  auto emit = [&](const uint8_t* p, uint32_t n) {
    if (s.kept) keep(s, cur, p, n);
    sink(ctx, p, n);
    o.delivered += n;
    c_.delivered_bytes += n;
  };
  while (seq_diff(cur, end) < 0) {
    Segment* h = s.held;
    if (h && seq_diff(h->seq, cur) <= 0) {
      const uint32_t hend = h->seq + h->len;
      if (seq_diff(hend, cur) > 0) {
        emit(h->data + (cur - h->seq), hend - cur);
        cur = hend;
      }
      pop_held(s);
    } else {
      const uint32_t upto = h && seq_diff(h->seq, end) < 0 ? h->seq : end;
      emit(data + (cur - seq), upto - cur);
      cur = upto;
    }
  }
  // Held pieces now at (or behind) the new edge.
  while (s.held && seq_diff(s.held->seq, cur) <= 0) {
    Segment* h = s.held;
    const uint32_t hend = h->seq + h->len;
    if (seq_diff(hend, cur) > 0) {
      emit(h->data + (cur - h->seq), hend - cur);
      cur = hend;
    }
    pop_held(s);
  }
  s.next_seq = cur;
}

// Copies the parts of [seq, seq+len) not already held into new pieces. Returns false
// when a bound stops it (the caller abandons the direction).
bool Reassembler::hold(StreamDir& s, uint32_t seq, const uint8_t* data, uint32_t len) {
  const uint32_t end = seq + len;
  Segment** link = &s.held;
  uint32_t cur = seq;
  while (seq_diff(cur, end) < 0) {
    Segment* h = *link;
    if (h && seq_diff(h->seq + h->len, cur) <= 0) {  // entirely before cur
      link = &h->next;
      continue;
    }
    if (h && seq_diff(h->seq, cur) <= 0) {  // cur is inside h: that part is held already
      cur = h->seq + h->len;
      link = &h->next;
      continue;
    }
    const uint32_t upto = h && seq_diff(h->seq, end) < 0 ? h->seq : end;
    while (cur != upto) {
      const uint32_t n = std::min<uint32_t>(upto - cur, Segment::kData);
      if (s.held_bytes + n > lim_.max_held_bytes || s.held_segs >= lim_.max_held_segments) {
        ++c_.limit_hits;
        return false;
      }
      Segment* ns = pool_.get();
      if (ns == nullptr) {
        ++c_.pool_exhausted;
        return false;
      }
      ns->seq = cur;
      ns->len = static_cast<uint16_t>(n);
      std::memcpy(ns->data, data + (cur - seq), n);
      ns->next = *link;
      *link = ns;
      link = &ns->next;
      cur += n;
      s.held_bytes += n;
      ++s.held_segs;
    }
  }
  return true;
}

SegmentOutcome Reassembler::on_segment(StreamDir& s, uint32_t seq, const uint8_t* data,
                                       uint32_t len, uint8_t flags, StreamSink sink, void* ctx) {
  SegmentOutcome o;
  if (s.flags & (StreamDir::kEnded | StreamDir::kAbandoned)) {
    // Ended at its FIN, the stream's bytes can still be sent again: compared like any
    // retransmission (the receiver may not have the first copy either).
    if ((s.flags & (StreamDir::kFin | StreamDir::kAbandoned)) == StreamDir::kFin && s.kept && len &&
        !(flags & (kTcpRst | kTcpSyn)) && seq_diff(seq, s.fin_seq) < 0) {
      const int32_t before_fin = seq_diff(s.fin_seq, seq);
      compare_retransmission(s, seq, data, std::min(len, static_cast<uint32_t>(before_fin)), o);
    }
    return o;
  }
  if (flags & kTcpRst) {
    // Accepted only at exactly the next expected byte (RFC 5961 3.2, as Linux does): any
    // other RST is one the server ignores, so an attacker cannot end inspection with it.
    // A direction that has not started has nothing to protect.
    if ((s.flags & StreamDir::kStarted) && seq != s.next_seq) {
      o.rst_ignored = true;
      return o;
    }
    release(s);
    s.flags |= StreamDir::kEnded;
    o.ended = o.reset = true;
    return o;
  }
  if (flags & kTcpSyn) {
    // A SYN inside a started stream is one the receiver answers with a challenge ACK and
    // otherwise ignores (RFC 5961 4.2): so does reassembly, whatever it carries.
    if (s.flags & StreamDir::kStarted) {
      o.syn_ignored = true;
      return o;
    }
    s.next_seq = seq + 1;
    s.sent_end = seq + 1;
    s.flags |= StreamDir::kStarted;
    // Payload in a SYN (TCP Fast Open) is dropped by a server without a TFO cookie for
    // this client; inspecting it would let a decoy stand for the real bytes sent later.
    // The caller drops the segment; the client sends the data again after the handshake.
    if (len) o.syn_data = true;
    return o;
  }
  if (!(s.flags & StreamDir::kStarted)) {
    if (len == 0 && !(flags & kTcpFin)) return o;  // a bare ACK says nothing about data
    s.next_seq = seq;
    s.sent_end = seq;
    s.flags |= StreamDir::kStarted | StreamDir::kMidstream;
    ++c_.midstream_starts;
  }
  // A FIN before data already delivered, or beyond the window, is one no receiver acts on.
  if ((flags & kTcpFin) && !(s.flags & StreamDir::kFin) && seq_diff(seq + len, s.next_seq) >= 0 &&
      static_cast<uint32_t>(seq_diff(seq + len, s.next_seq)) <= lim_.max_window) {
    s.fin_seq = seq + len;
    s.flags |= StreamDir::kFin;
    if (seq_diff(s.fin_seq + 1, s.sent_end) > 0) s.sent_end = s.fin_seq + 1;  // FIN takes one
    drop_held_from(s, s.fin_seq);
  }
  // Nothing past the FIN reaches the server's application (Linux drops data after it),
  // so none of it is inspected: it could only be a decoy.
  if ((s.flags & StreamDir::kFin) && len && seq_diff(seq + len, s.fin_seq) > 0) {
    ++c_.out_of_window;
    const int32_t keep = seq_diff(s.fin_seq, seq);
    len = keep > 0 ? static_cast<uint32_t>(keep) : 0;
  }
  if (seq_diff(seq + len, s.sent_end) > 0 &&
      static_cast<uint32_t>(seq_diff(seq + len, s.next_seq)) <= lim_.max_window)
    s.sent_end = seq + len;
  if (len) {
    const int32_t ahead = seq_diff(seq, s.next_seq);
    if (ahead < 0) {
      const uint32_t old = static_cast<uint32_t>(-static_cast<int64_t>(ahead));
      if (s.kept) compare_retransmission(s, seq, data, std::min(old, len), o);
      if (trim_before(s.next_seq, seq, data, len)) {
        ++c_.partial_retransmissions;
      } else {
        ++c_.retransmissions;
        len = 0;
      }
    } else if (static_cast<uint32_t>(ahead) > lim_.max_window) {
      ++c_.out_of_window;
      len = 0;
    }
  }
  if (len) {
    if (s.held && conflicts_with_held(s, seq, data, len)) {
      ++c_.overlap_conflicts;
      o.conflict = true;
    }
    if (seq == s.next_seq) {
      ++c_.in_order_segments;
      deliver_from(s, seq, data, len, sink, ctx, o);
    } else {
      ++c_.out_of_order_segments;
      if (!hold(s, seq, data, len)) {
        abandon(s, o);
        return o;
      }
    }
  }
  if ((s.flags & StreamDir::kFin) && s.next_seq == s.fin_seq) {
    release(s);
    s.flags |= StreamDir::kEnded;
    o.ended = true;
  }
  return o;
}

}  // namespace bulwark::proto
