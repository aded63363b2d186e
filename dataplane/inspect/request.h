// The request context: what the stages of one worker's pipeline share about the packet
// being handled and the request it completes. The core fills the first part for every
// hook; the rest is written by the stage named on each field and read by the stages
// named there (each stage's header says what it reads and writes). Nothing else is
// shared between stages: their per-connection state is in their own slot tables.
// Valid during one hook call; never kept across packets.
// Owner: the worker (one Request per Inspector, reset per packet and per request head).
#pragma once

#include <cstdint>

#include "dataplane/inspect/request_view.h"
#include "dataplane/inspect/session.h"
#include "dataplane/inspect/verdict.h"
#include "dataplane/proto/packet_info.h"

struct rte_mbuf;

namespace bulwark::proto {
struct ClientHello;
}  // namespace bulwark::proto
namespace bulwark::identity {
struct ClientIdentity;
}  // namespace bulwark::identity

namespace bulwark::inspect {

struct ActiveRules;
class BlockSet;

// Segments to send after the handled packet: `reverse` ones go back out of the port
// the packet came in on, the others out of the port it was going to.
struct Injected {
  static constexpr unsigned kMax = 4;
  rte_mbuf* m[kMax];
  bool reverse[kMax];
  unsigned n = 0;
  // The packet is one the receiving stack would ignore: it must not move the flow's
  // state (a forged RST must not shorten the flow's life).
  bool rejected = false;
};

// A request's clearance before the challenge service looked at it, and when it is valid
// (challenge::ClearanceCheck values; the challenge feature checks they agree).
inline constexpr uint8_t kClearanceUnchecked = 0xff;
inline constexpr uint8_t kClearanceValid = 0;

struct Request {
  // --- core, every hook ---
  Session* s = nullptr;
  const proto::PacketInfo* pkt = nullptr;  // the packet being handled
  const uint8_t* frame = nullptr;          // its bytes
  bool to_server = false;                  // it goes client -> server
  uint64_t now = 0;                        // TSC when its burst was received
  ActiveRules* rules = nullptr;            // the rule set workers run now (nullptr: none)
  Injected* out = nullptr;                 // segments to send after the packet
  bool drop = false;                       // the packet is dropped (its connection was cut)
  // The client's address as the packet has it (not through proxies: see `ident`).
  const uint8_t* packet_client() const { return to_server ? pkt->src : pkt->dst; }
  uint8_t packet_client_len() const { return pkt->l3 == proto::L3::ipv4 ? 4 : 16; }

  // --- core, request and response head hooks ---
  const proto::HttpHead* head = nullptr;
  const BlockSet* blocks = nullptr;  // the block list now (nullptr: none); also TLS hooks

  // --- identity stage (core) writes `ident`, normalise stage (core) writes `view`;
  //     every later request stage reads ---
  const identity::ClientIdentity* ident = nullptr;  // the client, through trusted proxies
  RequestView view;                                 // normalised (with rules only)

  // --- signatures writes; challenge adjusts `decisive`; consistency, ratelimit and
  //     verdict read ---
  Verdict verdict;
  bool body_scan = false;       // the body is scanned: the verdict also waits for its end
  bool body_unscanned = false;  // body rules exist but no scan stream was free

  // --- the challenge service (Inspector::cleared) writes; events read ---
  uint8_t clearance = kClearanceUnchecked;  // a challenge::ClearanceCheck once checked

  // --- tls_fingerprint writes (TLS hooks); blocklist, signatures and events read ---
  const proto::ClientHello* hello = nullptr;  // set for the client_hello hooks
  const char* ja3 = "";                       // the connection's fingerprints (text)
  const char* ja4 = "";
};

}  // namespace bulwark::inspect
