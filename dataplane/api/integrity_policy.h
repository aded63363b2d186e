// Detection integrity: every way inspection of a connection to an inspected port can stop,
// by cause, and what the appliance does then. The principle (docs/integrity.md): a
// connection is inspected, or handled by an explicit, counted, per-cause policy —
//   inspect  best effort: keep inspecting what can still be inspected
//   cut      reset both ends and drop the rest of the connection (fail closed)
//   pass     let the rest through uninspected, counted as uninspected{cause} (fail open)
// Shipped fail-closed for causes an attacker can trigger at will, fail-open only for the
// box's own overload. Every application of a policy is counted and written as an
// `integrity` event.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace bulwark::api {

enum class IntegrityAction : uint8_t { inspect = 0, cut, pass };

// Names in kIntegrityCauseNames (counter_labels.h) and docs/integrity.md.
enum class IntegrityCause : uint8_t {
  request_parse = 0,  // a request the parser cannot frame (the message boundary is lost)
  response_parse,     // a response the parser cannot frame: requests can still be read
  reassembly_limit,   // a per-direction reassembly bound or the segment pool
  h2c,                // HTTP/2 over cleartext: prior-knowledge preface or Upgrade: h2c
  tunnel,             // 101 Switching Protocols (WebSocket, ...) or a 2xx to CONNECT
  urgent,             // TCP urgent data (servers drop the urgent byte from the stream)
  insertion,          // data with a lower TTL / hop limit than the connection's first
                      // packet: it may expire before the server (an insertion attack)
  conflict,           // overlapping segments with different bytes: which copy the server
                      // keeps is its stack's choice (Linux keeps the later where it covers)
  midstream,          // a connection picked up without its handshake (box restart, flow
                      // expired): reassembly starts at the first data seen
  fragment,           // an IP-fragmented TCP segment on an inspected port
  sessions_full,      // no inspection session free for a new connection (overload)
  idle_reclaimed,     // an idle connection's session (and buffers) taken for a new one
  client_share,       // a new connection of a client holding its share of the sessions,
                      // or a request body past the client's share of body scans
  body_unscanned,     // no body scan free for a request with body rules (overload)
  tls_unread,         // a ClientHello that cannot be read: not TLS, malformed, too large
  count_
};
inline constexpr unsigned kIntegrityCauseCount = static_cast<unsigned>(IntegrityCause::count_);

using IntegrityPolicy = std::array<IntegrityAction, kIntegrityCauseCount>;

// The shipped policy: fail closed where the cause is the client's to choose.
inline constexpr IntegrityPolicy kDefaultIntegrityPolicy = {
    IntegrityAction::cut,      // request_parse
    IntegrityAction::inspect,  // response_parse: keep inspecting requests
    IntegrityAction::cut,      // reassembly_limit
    IntegrityAction::cut,      // h2c
    IntegrityAction::pass,     // tunnel: WebSocket is ordinary traffic
    IntegrityAction::cut,      // urgent
    IntegrityAction::cut,      // insertion
    IntegrityAction::cut,      // conflict
    IntegrityAction::cut,      // midstream: its stream's start is the client's to choose
    IntegrityAction::cut,      // fragment
    IntegrityAction::pass,     // sessions_full: the box's own overload
    IntegrityAction::cut,      // idle_reclaimed: its session is gone; resuming it blind
    IntegrityAction::cut,      // client_share: one source must not take every session
    // body_unscanned: a few addresses holding slow bodies can cause it (4096 body scans
    // a worker, a quarter each): closed, like the causes a client chooses.
    IntegrityAction::cut,
    IntegrityAction::cut,  // tls_unread: the client's choice; no fingerprint judged it
};

// Which actions a cause allows (`inspect` only where part of the connection can still
// be inspected).
constexpr bool integrity_action_allowed(IntegrityCause c, IntegrityAction a) {
  if (a != IntegrityAction::inspect)
    return c != IntegrityCause::idle_reclaimed || a == IntegrityAction::cut;
  return c == IntegrityCause::response_parse || c == IntegrityCause::urgent ||
         c == IntegrityCause::conflict || c == IntegrityCause::midstream ||
         c == IntegrityCause::body_unscanned;
}

inline constexpr const char* kIntegrityActionNames[] = {"inspect", "cut", "pass"};

const char* integrity_cause_name(IntegrityCause c);
// Parses a cause name; false if unknown.
bool parse_integrity_cause(std::string_view name, IntegrityCause& out);
bool parse_integrity_action(std::string_view name, IntegrityAction& out);

}  // namespace bulwark::api
