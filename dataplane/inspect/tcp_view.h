// What each end's TCP stack knows of its peer beyond sequence numbers, kept so that
// inspection drops the segments that stack would discard (a decoy it never reads must
// not become what inspection reads, and the real bytes a retransmission it skips):
//   window  data starting past the right edge of the window the receiver advertised
//           (RFC 9293 3.10.7.4; Linux never shrinks its window) is dropped;
//   old ack an ACK older than SND.UNA - min(MAX.SND.WND, bytes acked) is discarded with
//           its data (RFC 5961 5.2, Linux's tcp_ack() returning < 0);
//   PAWS    a TSval older than the last in-order segment's is discarded (RFC 7323 5.3;
//           not a RST).
// Learnt from both ends' SYNs (window scale and timestamps are used only when both
// offered them) and from segments that passed every check; a connection picked up
// mid-stream is not checked.
// Owner: the worker that owns the flow (rw), inside its Session; nobody else.
#pragma once

#include <cstdint>

#include "dataplane/proto/packet_info.h"

namespace bulwark::inspect {

struct TcpEnd {
  uint32_t iss = 0;                        // its SYN's sequence number (kSyn)
  uint32_t acked = 0;                      // highest ACK this end sent (kAcked)
  uint32_t max_win = 0;                    // largest window it advertised, scaled
  uint32_t edge = 0;                       // right edge of the windows it advertised (kEdge)
  uint32_t ts_recent = 0;                  // TSval of its last in-order segment (kTs)
  uint8_t wscale = proto::kNoWindowScale;  // offered in its SYN
  uint8_t flags = 0;

  static constexpr uint8_t kSyn = 1;    // its SYN was seen
  static constexpr uint8_t kSynTs = 2;  // its SYN offered timestamps
  static constexpr uint8_t kAcked = 4;
  static constexpr uint8_t kEdge = 8;
  static constexpr uint8_t kTs = 16;
  // Another SYN (another ISN or other options) came before the peer's SYN-ACK: which one
  // the peer answered, and so its options, is not known.
  static constexpr uint8_t kSynAmbiguous = 32;
  // It has acknowledged at least its largest window of the peer's bytes: the oldest ACK
  // it may send is then acked - max_win, before that the peer's ISS + 1. (A flag, not a
  // byte count: counts past 2^31 would compare the wrong way round.)
  static constexpr uint8_t kAckedWindow = 64;
};

// at_edge: data at the window's edge (a zero-window probe): the receiver drops the data
// but takes the ACK, so it is forwarded, not inspected.
enum class TcpVerdict : uint8_t { ok, old_ack, out_of_window, paws, at_edge };

namespace tcp_view_detail {
inline int32_t diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
inline bool both_syn(const TcpEnd& a, const TcpEnd& b) {
  return (a.flags & TcpEnd::kSyn) && (b.flags & TcpEnd::kSyn);
}
inline bool timestamps(const TcpEnd& a, const TcpEnd& b) {
  return (a.flags & TcpEnd::kSynTs) && (b.flags & TcpEnd::kSynTs);
}
}  // namespace tcp_view_detail

// A segment (not SYN, not RST) from `from` to `to`: what `to`'s stack does with it.
// `next_seq`: the next byte `to` expects from `from`.
inline TcpVerdict tcp_check(const TcpEnd& from, const TcpEnd& to, const proto::PacketInfo& i,
                            uint32_t next_seq) {
  using namespace tcp_view_detail;
  if (!both_syn(from, to)) return TcpVerdict::ok;
  if (timestamps(from, to) && i.tcp_has_ts && (from.flags & TcpEnd::kTs) &&
      diff(i.tcp_tsval, from.ts_recent) < 0)
    return TcpVerdict::paws;
  // Nothing may start past the edge; data at it is a probe (Linux: OVERWINDOW or
  // ZEROWINDOW, the data dropped), a bare FIN at it counts only where the receiver is.
  if (to.flags & TcpEnd::kEdge) {
    const int32_t past = diff(i.tcp_seq, to.edge);
    const bool fin_elsewhere = (i.tcp_flags & proto::kTcpFin) && i.tcp_seq != next_seq;
    if (past > 0 || (past == 0 && !i.payload_len && fin_elsewhere))
      return TcpVerdict::out_of_window;
    if (past == 0 && i.payload_len) return TcpVerdict::at_edge;
  }
  // RFC 5961 5.2 as Linux has it: older than SND.UNA - min(MAX.SND.WND, bytes acked), so
  // never before the receiver's ISS + 1.
  if (i.tcp_flags & proto::kTcpAck) {
    const uint32_t lowest =
        (from.flags & TcpEnd::kAckedWindow) ? from.acked - from.max_win : to.iss + 1;
    if (diff(i.tcp_ack, lowest) < 0) return TcpVerdict::old_ack;
  }
  return TcpVerdict::ok;
}

// Learns from a segment of `from` that its receiver accepts; `next_seq`: the next byte
// the receiver expects from `from` (before this segment).
inline void tcp_learn(TcpEnd& from, const TcpEnd& to, const proto::PacketInfo& i,
                      uint32_t next_seq) {
  using namespace tcp_view_detail;
  const uint8_t f = i.tcp_flags;
  if (f & proto::kTcpRst) return;  // nothing to learn from; it may be one that is ignored
  if (f & proto::kTcpSyn) {
    const bool retry = from.flags & TcpEnd::kSyn;
    if (retry && i.tcp_seq != from.iss) return;  // another ISN: the SYN-ACK decides
    if (!retry) {
      from.flags |= TcpEnd::kSyn;
      from.iss = i.tcp_seq;
      from.wscale = i.tcp_wscale;
    } else if (from.wscale == proto::kNoWindowScale) {
      from.wscale = i.tcp_wscale;  // a retry may add or drop options; the SYN-ACK says
    }
    if (i.tcp_has_ts) {  // PAWS starts from the SYN's TSval (of retries: the highest)
      if (!(from.flags & TcpEnd::kTs) || diff(i.tcp_tsval, from.ts_recent) > 0)
        from.ts_recent = i.tcp_tsval;
      from.flags |= TcpEnd::kSynTs | TcpEnd::kTs;
    }
    if (retry) return;  // nothing else is learnt from a SYN seen before
  }
  // A SYN's window is never scaled; the others are when both SYNs offered it.
  const bool scaled = !(f & proto::kTcpSyn) && from.wscale != proto::kNoWindowScale &&
                      to.wscale != proto::kNoWindowScale;
  const uint32_t win = uint32_t{i.tcp_window} << (scaled ? from.wscale : 0);
  if ((f & proto::kTcpSyn) && win > from.max_win) from.max_win = win;
  // Windows and ACKs only from a segment not older than what it acknowledged before
  // (Linux updates the window from newer segments only).
  if ((f & proto::kTcpAck) &&
      (!(from.flags & TcpEnd::kAcked) || diff(i.tcp_ack, from.acked) >= 0)) {
    from.acked = i.tcp_ack;
    if (win > from.max_win) from.max_win = win;
    const uint32_t edge = i.tcp_ack + win;
    if (!(from.flags & TcpEnd::kEdge) || diff(edge, from.edge) > 0) from.edge = edge;
    from.flags |= TcpEnd::kAcked | TcpEnd::kEdge;
    if ((to.flags & TcpEnd::kSyn) && i.tcp_ack - (to.iss + 1) >= from.max_win)
      from.flags |= TcpEnd::kAckedWindow;
  }
  // Only forward, and only from a segment at or before the next expected byte (Linux's
  // tcp_replace_ts_recent).
  if (!(f & proto::kTcpSyn) && i.tcp_has_ts && timestamps(from, to) &&
      diff(i.tcp_seq, next_seq) <= 0 &&
      (!(from.flags & TcpEnd::kTs) || diff(i.tcp_tsval, from.ts_recent) >= 0)) {
    from.ts_recent = i.tcp_tsval;
    from.flags |= TcpEnd::kTs;
  }
}

}  // namespace bulwark::inspect
