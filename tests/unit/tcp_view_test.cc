// What each end's TCP stack accepts (dataplane/inspect/tcp_view.h): the advertised
// window's edge, RFC 5961 5.2's oldest acceptable ACK, PAWS; learnt from both SYNs.
#include "dataplane/inspect/tcp_view.h"

#include <boost/test/unit_test.hpp>

using namespace bulwark;
using namespace bulwark::inspect;

namespace {

proto::PacketInfo seg(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window = 1000,
                      uint16_t len = 0) {
  proto::PacketInfo i{};
  i.tcp_seq = seq;
  i.tcp_ack = ack;
  i.tcp_flags = flags;
  i.tcp_window = window;
  i.payload_len = len;
  i.tcp_wscale = proto::kNoWindowScale;
  return i;
}

constexpr uint8_t kAck = proto::kTcpAck;

// Client ISN 100, server ISN 5000, no options: the client's bytes start at 101, the
// server advertised 1000 bytes of window.
struct Handshake {
  TcpEnd client, server;
  Handshake(proto::PacketInfo syn = seg(100, 0, proto::kTcpSyn, 2000),
            proto::PacketInfo synack = seg(5000, 101, proto::kTcpSyn | kAck, 1000)) {
    tcp_learn(client, server, syn, 0);
    tcp_learn(server, client, synack, 0);
    tcp_learn(client, server, seg(101, 5001, kAck, 2000), 101);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_view)

BOOST_AUTO_TEST_CASE(data_must_start_before_the_advertised_edge) {
  Handshake h;  // edge: 101 + 1000
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(1100, 5001, kAck, 2000, 1), 101) == TcpVerdict::ok));
  // Data at the edge is a zero-window probe: its ACK counts, its data does not.
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(1101, 5001, kAck, 2000, 1), 101) == TcpVerdict::at_edge));
  BOOST_TEST((tcp_check(h.client, h.server, seg(1102, 5001, kAck, 2000, 1), 101) ==
              TcpVerdict::out_of_window));
  // A bare FIN past the edge is dropped; at the edge only where the receiver is.
  BOOST_TEST((tcp_check(h.client, h.server, seg(1101, 5001, kAck | proto::kTcpFin), 101) ==
              TcpVerdict::out_of_window));
  BOOST_TEST((tcp_check(h.client, h.server, seg(1101, 5001, kAck | proto::kTcpFin), 1101) ==
              TcpVerdict::ok));
  // The window opens with the server's ACKs and never shrinks.
  tcp_learn(h.server, h.client, seg(5001, 601, kAck, 4000), 5001);
  tcp_learn(h.server, h.client, seg(5001, 601, kAck, 10), 5001);
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(4600, 5001, kAck, 2000, 1), 601) == TcpVerdict::ok));
}

BOOST_AUTO_TEST_CASE(old_acks_are_discarded_from_the_handshake_on) {
  Handshake h;
  // Nothing of the server's was acknowledged yet: below its ISS + 1 is too old.
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(101, 5000, kAck, 2000, 5), 101) == TcpVerdict::old_ack));
  BOOST_TEST((tcp_check(h.client, h.server, seg(101, 5001 - 300000, kAck, 2000, 5), 101) ==
              TcpVerdict::old_ack));
  BOOST_TEST((tcp_check(h.client, h.server, seg(101, 5001, kAck, 2000, 5), 101) == TcpVerdict::ok));
  // After 100000 bytes acknowledged, up to the client's largest window (2000) back.
  tcp_learn(h.client, h.server, seg(101, 105001, kAck, 2000), 101);
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(101, 103001, kAck, 2000, 5), 101) == TcpVerdict::ok));
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(101, 103000, kAck, 2000, 5), 101) == TcpVerdict::old_ack));
}

// Past 2^31 bytes acknowledged, offsets from the ISS compare the wrong way round: the
// bound is acked - max_win from the first window's worth on.
BOOST_AUTO_TEST_CASE(old_ack_bound_after_gigabytes) {
  Handshake h;
  uint32_t ack = 5001;
  for (int i = 0; i < 6; ++i) {  // 6 x 1 GiB acknowledged
    ack += 1u << 30;
    BOOST_TEST((tcp_check(h.client, h.server, seg(101, ack, kAck, 2000), 101) == TcpVerdict::ok));
    tcp_learn(h.client, h.server, seg(101, ack, kAck, 2000), 101);
  }
  BOOST_TEST(
      (tcp_check(h.client, h.server, seg(101, ack - 2000, kAck, 2000), 101) == TcpVerdict::ok));
  BOOST_TEST((tcp_check(h.client, h.server, seg(101, ack - 2001, kAck, 2000), 101) ==
              TcpVerdict::old_ack));
}

// Windows are learnt from segments not older than the last ACK; nothing from a RST.
BOOST_AUTO_TEST_CASE(windows_only_from_newer_segments) {
  Handshake h;
  tcp_learn(h.server, h.client, seg(5001, 601, kAck, 1000), 5001);   // edge 1601
  tcp_learn(h.server, h.client, seg(5001, 500, kAck, 60000), 5001);  // older ACK
  tcp_learn(h.server, h.client, seg(5001, 601, kAck | proto::kTcpRst, 60000), 5001);
  BOOST_TEST((tcp_check(h.client, h.server, seg(1700, 5001, kAck, 2000, 1), 601) ==
              TcpVerdict::out_of_window));
}

BOOST_AUTO_TEST_CASE(paws_from_the_syn_and_only_forward) {
  auto ts = [](proto::PacketInfo i, uint32_t v) {
    i.tcp_has_ts = true;
    i.tcp_tsval = v;
    return i;
  };
  Handshake h(ts(seg(100, 0, proto::kTcpSyn, 2000), 1000),
              ts(seg(5000, 101, proto::kTcpSyn | kAck, 1000), 7));
  // Older than the SYN's own TSval (and than the handshake ACK's, which had none).
  BOOST_TEST((tcp_check(h.client, h.server, ts(seg(101, 5001, kAck, 2000, 5), 999), 101) ==
              TcpVerdict::paws));
  tcp_learn(h.client, h.server, ts(seg(101, 5001, kAck, 2000, 5), 1005), 101);
  // A segment ahead of the next byte does not move ts_recent; an older one is dropped.
  tcp_learn(h.client, h.server, ts(seg(500, 5001, kAck, 2000, 5), 9999), 106);
  BOOST_TEST((tcp_check(h.client, h.server, ts(seg(106, 5001, kAck, 2000, 5), 1006), 106) ==
              TcpVerdict::ok));
  BOOST_TEST((tcp_check(h.client, h.server, ts(seg(106, 5001, kAck, 2000, 5), 1004), 106) ==
              TcpVerdict::paws));
  // Only forward: a later in-order segment with an older TSval cannot lower it.
  tcp_learn(h.client, h.server, ts(seg(106, 5001, kAck, 2000, 0), 3), 106);
  BOOST_TEST((tcp_check(h.client, h.server, ts(seg(106, 5001, kAck, 2000, 5), 1004), 106) ==
              TcpVerdict::paws));
}

BOOST_AUTO_TEST_CASE(window_scale_only_when_both_syns_offer_it) {
  auto ws = [](proto::PacketInfo i, uint8_t shift) {
    i.tcp_wscale = shift;
    return i;
  };
  Handshake scaled(ws(seg(100, 0, proto::kTcpSyn, 2000), 7),
                   ws(seg(5000, 101, proto::kTcpSyn | kAck, 1000), 2));
  tcp_learn(scaled.server, scaled.client, seg(5001, 101, kAck, 1000), 5001);  // 1000 << 2
  BOOST_TEST((tcp_check(scaled.client, scaled.server, seg(4100, 5001, kAck, 10, 1), 101) ==
              TcpVerdict::ok));
  Handshake one_sided(ws(seg(100, 0, proto::kTcpSyn, 2000), 7),
                      seg(5000, 101, proto::kTcpSyn | kAck, 1000));
  tcp_learn(one_sided.server, one_sided.client, seg(5001, 101, kAck, 1000), 5001);
  BOOST_TEST((tcp_check(one_sided.client, one_sided.server, seg(4100, 5001, kAck, 10, 1), 101) ==
              TcpVerdict::out_of_window));
}

BOOST_AUTO_TEST_CASE(nothing_is_checked_without_both_syns) {
  TcpEnd client, server;
  tcp_learn(server, client, seg(5001, 101, kAck, 10), 5001);
  BOOST_TEST((tcp_check(client, server, seg(99999, 1, kAck, 10, 5), 101) == TcpVerdict::ok));
}

BOOST_AUTO_TEST_SUITE_END()
