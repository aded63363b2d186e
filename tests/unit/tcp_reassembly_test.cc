// TCP reassembly: in-order, reordering, retransmission, overlaps (first copy wins,
// conflicts reported), sequence wrap, SYN/FIN/RST, bounds and pool exhaustion.
#include "dataplane/proto/tcp_reassembly.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "dataplane/proto/packet_info.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

struct Rig {
  explicit Rig(uint32_t segments = 64, ReassemblyLimits lim = {})
      : mem(segments), pool(mem.data(), segments), r(pool, lim) {
    Reassembler::init(s);
  }
  // Sends `text` at `seq` with `flags`; returns the outcome.
  SegmentOutcome seg(uint32_t seq, const std::string& text, uint8_t flags = kTcpAck) {
    return r.on_segment(s, seq, reinterpret_cast<const uint8_t*>(text.data()),
                        static_cast<uint32_t>(text.size()), flags, &Rig::sink, this);
  }
  static void sink(void* ctx, const uint8_t* p, uint32_t n) {
    static_cast<Rig*>(ctx)->out.append(reinterpret_cast<const char*>(p), n);
  }
  std::vector<Segment> mem;
  SegmentPool pool;
  Reassembler r;
  StreamDir s;
  std::string out;
};

// A direction with a 256-byte compare ring.
struct RingRig : Rig {
  static ReassemblyLimits limits() {
    ReassemblyLimits lim;
    lim.compare_bytes = 256;
    return lim;
  }
  RingRig() : Rig(64, limits()) { s.kept = ring.data(); }
  std::vector<uint8_t> ring = std::vector<uint8_t>(256);
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_reassembly)

BOOST_AUTO_TEST_CASE(in_order_after_syn) {
  Rig t;
  t.seg(1000, "", kTcpSyn);
  BOOST_TEST(t.seg(1001, "GET / HTTP/1.1\r\n").delivered == 16u);
  t.seg(1017, "Host: a\r\n\r\n");
  BOOST_TEST(t.out == "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST(t.r.counters().in_order_segments == 2u);
  BOOST_TEST(t.pool.available() == 64u);  // nothing was copied
}

BOOST_AUTO_TEST_CASE(reordered_segments_are_held_then_delivered) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  BOOST_TEST(t.seg(7, "ghi").delivered == 0u);
  BOOST_TEST(t.seg(4, "def").delivered == 0u);
  BOOST_TEST(t.s.held_segs == 2u);
  BOOST_TEST(t.seg(1, "abc").delivered == 9u);  // fills the gap: all three come out
  BOOST_TEST(t.out == "abcdefghi");
  BOOST_TEST(t.s.held == nullptr);
  BOOST_TEST(t.pool.available() == 64u);
  BOOST_TEST(t.r.counters().out_of_order_segments == 2u);
}

BOOST_AUTO_TEST_CASE(one_byte_segments_in_reverse) {
  Rig t;
  const std::string msg = "POST /login HTTP/1.1\r\n";
  t.seg(99, "", kTcpSyn);
  for (size_t i = msg.size(); i-- > 1;) t.seg(100 + static_cast<uint32_t>(i), msg.substr(i, 1));
  BOOST_TEST(t.out.empty());
  t.seg(100, msg.substr(0, 1));
  BOOST_TEST(t.out == msg);
}

BOOST_AUTO_TEST_CASE(retransmissions_are_ignored) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(1, "hello ");
  t.seg(1, "hello ");    // whole retransmission
  t.seg(4, "lo world");  // partial: "lo " is old
  BOOST_TEST(t.out == "hello world");
  BOOST_TEST(t.r.counters().retransmissions == 1u);
  BOOST_TEST(t.r.counters().partial_retransmissions == 1u);
}

// With a compare ring, a retransmission that rewrites delivered bytes is a conflict; an
// identical one is not; bytes older than the ring are counted as unverified. Across the
// ring's wrap and the sequence number's.
BOOST_AUTO_TEST_CASE(retransmissions_are_compared_with_delivered_bytes) {
  RingRig t;
  t.seg(0xffffff00u, "", kTcpSyn);  // the data crosses the sequence number's wrap
  std::string stream;
  for (int i = 0; i < 40; ++i) stream += "GET /x" + std::to_string(i) + " HTTP/1.1\r\n";
  const uint32_t base = 0xffffff01u;
  t.seg(base, stream.substr(0, 300));
  t.seg(base + 300, stream.substr(300));
  BOOST_TEST(t.out == stream);
  const uint32_t end = base + static_cast<uint32_t>(stream.size());
  // The last 100 bytes again, the same: nothing to say.
  BOOST_TEST(!t.seg(end - 100, stream.substr(stream.size() - 100)).conflict);
  // The same range with one byte changed, and a partial retransmission running into new
  // data: conflicts, and the new part is still delivered.
  std::string forged = stream.substr(stream.size() - 100);
  forged[50] ^= 0x20;
  BOOST_TEST(t.seg(end - 100, forged).conflict);
  BOOST_TEST(t.seg(end - 10, "XXXXXXXXXX" + std::string("tail")).conflict);
  BOOST_TEST(t.out == stream + "tail");
  BOOST_TEST(t.r.counters().retransmit_conflicts == 2u);
  // Older than the ring holds (256 bytes back): only the kept part is compared.
  const uint32_t end2 = end + 4;
  BOOST_TEST(t.r.counters().retransmit_unverified == 0u);
  BOOST_TEST(!t.seg(end2 - 300, (stream + "tail").substr(stream.size() + 4 - 300, 300)).conflict);
  BOOST_TEST(t.r.counters().retransmit_unverified == 1u);
  std::string old_forged = (stream + "tail").substr(stream.size() + 4 - 300, 300);
  old_forged[0] ^= 1;  // the changed byte is past the ring: not seen
  BOOST_TEST(!t.seg(end2 - 300, old_forged).conflict);
  old_forged[299] ^= 1;  // this one is in it
  BOOST_TEST(t.seg(end2 - 300, old_forged).conflict);
}

// Bytes the receiver acknowledged are not compared (a keepalive sends one old garbage
// byte); bytes resent after the FIN ended the stream are.
BOOST_AUTO_TEST_CASE(acknowledged_bytes_are_not_compared_and_the_fin_does_not_end_it) {
  RingRig t;
  t.seg(0, "", kTcpSyn);
  t.seg(1, "GET /a HTTP/1.1\r\n\r\n");  // 19 bytes: 1..19
  t.s.peer_acked = 20;
  t.s.flags |= StreamDir::kPeerAcked;
  BOOST_TEST(!t.seg(19, std::string(1, '\0')).conflict);  // keepalive probe
  BOOST_TEST(t.seg(18, std::string("X\0", 2)).conflict == false);
  t.s.peer_acked = 6;                       // (as if only part were acknowledged): 6.. are compared
  BOOST_TEST(!t.seg(1, "GET !").conflict);  // all acknowledged
  BOOST_TEST(t.seg(5, "/b HT").conflict);
  BOOST_TEST(t.seg(1, "GET /aXHTTP").conflict);
  t.seg(20, "", kTcpAck | kTcpFin);
  BOOST_TEST(t.s.flags & StreamDir::kEnded);
  BOOST_TEST(t.seg(12, "/1.1\r\n").conflict == false);
  BOOST_TEST(t.seg(12, "/1.2\r\n").conflict);  // after the FIN too
  BOOST_TEST(t.out == "GET /a HTTP/1.1\r\n\r\n");
}

// Without a ring (the server's direction), retransmissions are not compared.
BOOST_AUTO_TEST_CASE(without_a_compare_ring_retransmissions_are_ignored) {
  RingRig t;
  t.s.kept = nullptr;
  t.seg(0, "", kTcpSyn);
  t.seg(1, "hello");
  BOOST_TEST(!t.seg(1, "jello").conflict);
  BOOST_TEST(t.r.counters().retransmit_conflicts == 0u);
}

BOOST_AUTO_TEST_CASE(overlap_first_copy_wins_and_conflict_is_reported) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  BOOST_TEST(!t.seg(5, "EFGH").conflict);  // held: bytes 5..8
  // A later copy of 5..6 with different bytes: held bytes win, conflict reported.
  const auto o = t.seg(3, "cdXY");
  BOOST_TEST(o.conflict);
  t.seg(1, "ab");
  BOOST_TEST(t.out == "abcdEFGH");
  BOOST_TEST(t.r.counters().overlap_conflicts == 1u);
}

BOOST_AUTO_TEST_CASE(in_order_segment_overlapping_held_data_uses_the_held_bytes) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(4, "DEF");
  const auto o = t.seg(1, "abcxyz");  // bytes 4..6 differ from what was held first
  BOOST_TEST(o.conflict);
  BOOST_TEST(t.out == "abcDEF");
  BOOST_TEST(t.seg(7, "g").delivered == 1u);
  BOOST_TEST(t.out == "abcDEFg");
}

BOOST_AUTO_TEST_CASE(identical_overlap_is_not_a_conflict) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(4, "def");
  t.seg(3, "cdefg");
  BOOST_TEST(!t.seg(1, "abcdefgh").conflict);
  BOOST_TEST(t.out == "abcdefgh");
  BOOST_TEST(t.r.counters().overlap_conflicts == 0u);
}

BOOST_AUTO_TEST_CASE(sequence_wraps_around) {
  Rig t;
  t.seg(0xfffffffdu, "", kTcpSyn);  // data starts at 0xfffffffe
  t.seg(2, "cdef");                 // after the wrap: held
  t.seg(0, "XY");                   // held
  BOOST_TEST(t.out.empty());
  t.seg(0xfffffffeu, "ab");  // 0xfffffffe, 0xffffffff: fills the gap across the wrap
  BOOST_TEST(t.out == "abXYcdef");
  BOOST_TEST(t.s.next_seq == 6u);
}

BOOST_AUTO_TEST_CASE(midstream_pickup_starts_at_first_data) {
  Rig t;
  t.seg(5000, "", kTcpAck);  // bare ACK: nothing known yet
  BOOST_TEST(!(t.s.flags & StreamDir::kStarted));
  t.seg(5000, "abc");
  t.seg(4990, "0123456789");  // before the pickup point: old
  BOOST_TEST(t.out == "abc");
  BOOST_TEST(t.r.counters().midstream_starts == 1u);
}

BOOST_AUTO_TEST_CASE(fin_ends_the_stream_once_all_data_arrived) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  BOOST_TEST(!t.seg(4, "def", kTcpAck | kTcpFin).ended);  // FIN ahead of a gap
  BOOST_TEST(t.seg(1, "abc").ended);
  BOOST_TEST(t.out == "abcdef");
  t.seg(7, "more");  // after the end: ignored
  BOOST_TEST(t.out == "abcdef");
}

BOOST_AUTO_TEST_CASE(rst_releases_held_data) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(10, "held");
  BOOST_TEST(t.pool.available() == 63u);
  BOOST_TEST(t.seg(1, "", kTcpRst).ended);
  BOOST_TEST(t.pool.available() == 64u);
}

// RFC 5961 as Linux applies it: a RST ends the stream only at exactly the next expected
// byte; anywhere else (in the window or not) the receiver keeps the connection, and so
// does reassembly. A FIN before delivered data is not one a receiver acts on.
BOOST_AUTO_TEST_CASE(forged_rst_and_stale_fin_change_nothing) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(1, "GET /a");
  for (uint32_t seq : {0u, 1u, 6u, 8u, 100u, 0x80000000u}) {
    const auto o = t.seg(seq, "", kTcpRst | kTcpAck);
    BOOST_TEST(o.rst_ignored, seq);
    BOOST_TEST(!o.ended);
  }
  BOOST_TEST(!t.seg(3, "", kTcpFin | kTcpAck).ended);  // behind the edge
  t.seg(7, " HTTP/1.1");
  BOOST_TEST(t.out == "GET /a HTTP/1.1");
  const auto o = t.seg(16, "", kTcpRst);
  BOOST_TEST((o.ended && o.reset && !o.rst_ignored));
  // A direction that never started has nothing to protect: its RST is taken.
  Rig u;
  BOOST_TEST(u.seg(12345, "", kTcpRst).reset);
}

// Linux drops data past a FIN: a decoy held there (sent before or after the FIN) never
// reaches the server, so it must not reach inspection either.
BOOST_AUTO_TEST_CASE(nothing_past_the_fin_is_delivered) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(9, "DECOY");                   // held: past the FIN that comes next
  t.seg(6, "ghi", kTcpAck | kTcpFin);  // FIN at 9: the held decoy goes
  BOOST_TEST(t.s.held_segs == 1u);     // "ghi" only
  BOOST_TEST(t.s.held_bytes == 3u);
  t.seg(4, "de");
  t.seg(9, "MORE", kTcpAck);  // after the FIN: ignored
  const auto o = t.seg(1, "abc");
  BOOST_TEST(t.out == "abcdeghi");
  BOOST_TEST(o.ended);
  BOOST_TEST(t.r.counters().out_of_window == 1u);
  BOOST_TEST(t.pool.available() == 64u);
}

BOOST_AUTO_TEST_CASE(held_piece_straddling_the_fin_is_cut_at_it) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  t.seg(4, "defGHI");               // held [4, 10)
  t.seg(7, "", kTcpAck | kTcpFin);  // FIN at 7: [7, 10) is past it
  BOOST_TEST(t.s.held_bytes == 3u);
  t.seg(5, "efGH");  // [9, 11) past the FIN: trimmed, counted
  BOOST_TEST(t.r.counters().out_of_window == 1u);
  BOOST_TEST(t.seg(1, "abc").ended);
  BOOST_TEST(t.out == "abcdef");
  BOOST_TEST(t.pool.available() == 64u);
}

BOOST_AUTO_TEST_CASE(far_ahead_data_is_out_of_window) {
  ReassemblyLimits lim;
  lim.max_window = 1000;
  Rig t(64, lim);
  t.seg(0, "", kTcpSyn);
  t.seg(5000, "far");
  BOOST_TEST(t.s.held == nullptr);
  BOOST_TEST(t.r.counters().out_of_window == 1u);
}

BOOST_AUTO_TEST_CASE(per_direction_bound_abandons_the_direction) {
  ReassemblyLimits lim;
  lim.max_held_bytes = 10;
  Rig t(64, lim);
  t.seg(0, "", kTcpSyn);
  BOOST_TEST(!t.seg(3, "12345").limit);
  const auto o = t.seg(20, "123456");  // 11 bytes would be held
  BOOST_TEST(o.limit);
  BOOST_TEST((t.s.flags & StreamDir::kAbandoned) != 0);
  BOOST_TEST(t.pool.available() == 64u);  // released
  t.seg(1, "ab");                         // nothing more is delivered
  BOOST_TEST(t.out.empty());
  BOOST_TEST(t.r.counters().limit_hits == 1u);
}

BOOST_AUTO_TEST_CASE(pool_exhaustion_abandons_without_crashing) {
  Rig t(2);
  t.seg(0, "", kTcpSyn);
  t.seg(10, "a");
  t.seg(20, "b");
  BOOST_TEST(t.seg(30, "c").limit);
  BOOST_TEST(t.r.counters().pool_exhausted == 1u);
  BOOST_TEST(t.pool.available() == 2u);
}

BOOST_AUTO_TEST_CASE(large_segment_is_split_into_pool_chunks) {
  Rig t;
  t.seg(0, "", kTcpSyn);
  const std::string big(5000, 'x');
  t.seg(2, big);  // held in three 2 KiB chunks
  BOOST_TEST(t.s.held_segs == 3u);
  BOOST_TEST(t.s.held_bytes == 5000u);
  t.seg(1, "y");
  BOOST_TEST(t.out == "y" + big);
}

BOOST_AUTO_TEST_SUITE_END()
