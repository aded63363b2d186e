// TLS connections in the inspector: the client's in-order bytes (from reassembly, so a
// ClientHello split over segments, reordered or retransmitted arrives whole) are parsed
// in place when one delivery holds the whole ClientHello, otherwise gathered in one of
// the worker's preallocated hello buffers. The parsed hello gives the connection's JA3
// and JA4; after it the connection is no longer inspected (the rest is encrypted).
#include <algorithm>
#include <cstring>

#include "dataplane/inspect/inspector.h"
#include "dataplane/proto/tls_fingerprint.h"

// Inspector member functions until this feature is a stage.
namespace bulwark::inspect {

void inspect::Inspector::release_hello_buffer(inspect::HttpSession& s) {
  if (s.hello_buf == UINT16_MAX) return;
  free_hellos_.push_back(s.hello_buf);
  s.hello_buf = UINT16_MAX;
  s.hello_len = 0;
}

bool inspect::Inspector::take_hello_buffer(inspect::HttpSession& s) {
  if (free_hellos_.empty()) {
    // All in use: reclaim the one held longest if it has waited more than a second for
    // the rest of its ClientHello (a client trickling bytes, or one that never finishes).
    unsigned oldest = 0;
    for (unsigned b = 1; b < kHelloBuffers; ++b)
      if (hello_since_[b] < hello_since_[oldest]) oldest = b;
    if (cur_.now - hello_since_[oldest] < hello_hold_ticks_) return false;
    inspect::HttpSession& victim = *sessions_[hello_owner_[oldest]];
    st_->tls_no_buffer.add(1);
    finish_hello(victim, -1, nullptr);  // frees its buffer; its connection passes
  }
  s.hello_buf = free_hellos_.back();
  free_hellos_.pop_back();
  hello_since_[s.hello_buf] = cur_.now;
  hello_owner_[s.hello_buf] = s.index;
  return true;
}

void inspect::Inspector::on_tls_bytes(inspect::HttpSession& s, const uint8_t* data, uint32_t len) {
  if (s.hello_done || len == 0) return;
  proto::ClientHello hello;
  proto::HelloStatus st;
  size_t need = 0;
  if (s.hello_buf == UINT16_MAX) {
    st = proto::parse_client_hello(data, len, hello_scratch_.data(), hello, &need);
    if (st == proto::HelloStatus::need_more) {
      if (len > kHelloBufferBytes || !take_hello_buffer(s)) {
        if (len <= kHelloBufferBytes) st_->tls_no_buffer.add(1);
        finish_hello(s,
                     len > kHelloBufferBytes ? static_cast<int>(proto::HelloStatus::too_large) : -1,
                     nullptr);
        return;
      }
      std::memcpy(&hello_memory_[size_t{s.hello_buf} * kHelloBufferBytes], data, len);
      s.hello_len = static_cast<uint16_t>(len);
      s.hello_need = static_cast<uint16_t>(std::min<size_t>(need, kHelloBufferBytes));
      return;
    }
  } else {
    uint8_t* buf = &hello_memory_[size_t{s.hello_buf} * kHelloBufferBytes];
    const size_t room = kHelloBufferBytes - s.hello_len;
    const size_t n = len < room ? len : room;
    std::memcpy(buf + s.hello_len, data, n);
    s.hello_len = static_cast<uint16_t>(s.hello_len + n);
    // Parse only once the bytes the last parse asked for are here: each record is then
    // joined once, not again with every segment (a hello sent in tiny segments).
    if (s.hello_len < s.hello_need && n == len) return;
    st = proto::parse_client_hello(buf, s.hello_len, hello_scratch_.data(), hello, &need);
    if (st == proto::HelloStatus::need_more) {
      if (n < len || need > kHelloBufferBytes) {  // more than a buffer holds
        finish_hello(s, static_cast<int>(proto::HelloStatus::too_large), nullptr);
        return;
      }
      s.hello_need = static_cast<uint16_t>(need);
      return;
    }
  }
  finish_hello(s, static_cast<int>(st), st == proto::HelloStatus::ok ? &hello : nullptr);
}

// `status`: a tls::HelloStatus, or -1 when no buffer was free (already counted).
void inspect::Inspector::finish_hello(inspect::HttpSession& s, int status,
                                      const proto::ClientHello* hello) {
  s.hello_done = true;
  s.bypass = true;  // the rest of the connection is encrypted
  release_hello_buffer(s);
  s.ja3[0] = s.ja4[0] = '\0';
  switch (static_cast<proto::HelloStatus>(status)) {
    case proto::HelloStatus::ok: st_->tls_hellos.add(1); break;
    case proto::HelloStatus::not_tls: st_->tls_not_tls.add(1); break;
    case proto::HelloStatus::malformed: st_->tls_malformed.add(1); break;
    case proto::HelloStatus::too_large: st_->tls_too_large.add(1); break;
    default: break;
  }
  if (hello == nullptr) return;
  static thread_local proto::Ja3 j3;  // 4 KiB of text: not on the worker's stack
  proto::ja3(*hello, j3);
  std::memcpy(s.ja3, j3.md5, sizeof s.ja3);
  proto::ja4(*hello, s.ja4);
  if (tls_events_)
    event(inspect::EventType::tls_client_hello, 0, 0, 0, false, 0, 0, nullptr, hello);
  // The block list first: its address, JA4 and JA3 entries hold with or without rules.
  if (const blocklist::BlockSet* blocks =
          shared_.blocks ? shared_.blocks->load(std::memory_order_acquire) : nullptr) {
    const proto::PacketInfo& i = *cur_.info;
    const blocklist::BlockMatch* m =
        blocks->match_address(cur_.to_server ? i.src : i.dst,
                              static_cast<uint8_t>(i.l3 == proto::L3::ipv4 ? 4 : 16), cur_.now);
    if (!m) m = blocks->match_fingerprint(s.ja4, cur_.now);
    if (!m) m = blocks->match_fingerprint(s.ja3, cur_.now);
    if (m) {
      enforce_block(*m, nullptr, hello);
      return;
    }
  }
  if (cur_.rules) decide_hello(s, *hello);
}

// Fingerprint rules on the ClientHello: every match is counted and an event (with the
// SNI and fingerprints); an enforced block cuts the connection here, so the server never
// gets the complete ClientHello.
void inspect::Inspector::decide_hello(inspect::HttpSession& s, const proto::ClientHello& hello) {
  const proto::PacketInfo& i = *cur_.info;
  signatures::RequestView view;
  view.client_ip = cur_.to_server ? i.src : i.dst;
  view.client_ip_len = static_cast<uint8_t>(i.l3 == proto::L3::ipv4 ? 4 : 16);
  view.ja3 = s.ja3;
  view.ja4 = s.ja4;
  signatures::Verdict v;
  cur_.rules->matchers[worker_]->on_client_hello(view, v);
  const rules::Bundle& b = *cur_.rules->bundle;
  for (unsigned k = 0; k < v.matched_count; ++k) {
    const uint32_t r = v.matched[k];
    const rules::CompiledRule& rule = b.rules[r];
    count_rule_hit(r);
    event(inspect::EventType::rule, r, static_cast<uint8_t>(rule.action),
          static_cast<uint8_t>(rule.mode), static_cast<int32_t>(r) == v.decisive, 0, 0, nullptr,
          &hello);
  }
  if (v.decisive >= 0) {
    st_->tls_blocked.add(1);
    cut({});
  }
}

}  // namespace bulwark::inspect
