// TLS fingerprinting on the worker (see tls_fingerprint_stage.h).
#include "dataplane/features/tls_fingerprint/tls_fingerprint_stage.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstring>

#include "dataplane/inspect/inspector.h"

namespace bulwark::tls_fingerprint {

TlsFingerprintStage::TlsFingerprintStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      events_(env.cfg.tls_events),
      hold_ticks_(rte_get_tsc_hz()),
      slots_(env.cfg.tls_ports.empty() ? 0 : env.sessions) {
  if (env.cfg.tls_ports.empty()) return;  // no TLS port: no buffers
  memory_.resize(kBuffers * kBufferBytes);
  for (unsigned b = 0; b < kBuffers; ++b) free_.push_back(static_cast<uint16_t>(b));
  scratch_.resize(proto::kMaxHelloBytes);
  since_.assign(kBuffers, 0);
  owner_.assign(kBuffers, 0);
  ja3_[0] = ja4_[0] = '\0';
}

void TlsFingerprintStage::release_buffer(Slot& slot) {
  if (slot.buf == UINT16_MAX) return;
  free_.push_back(slot.buf);
  slot.buf = UINT16_MAX;
  slot.len = 0;
}

bool TlsFingerprintStage::take_buffer(inspect::Request& r, inspect::Session& s, Slot& slot) {
  if (free_.empty()) {
    // All in use: reclaim the one held longest if it has waited more than a second for
    // the rest of its ClientHello (a client trickling bytes, or one that never finishes).
    unsigned oldest = 0;
    for (unsigned b = 1; b < kBuffers; ++b)
      if (since_[b] < since_[oldest]) oldest = b;
    if (r.now - since_[oldest] < hold_ticks_) return false;
    st_->tls_no_buffer.add(1);
    // Frees its buffer; its connection passes.
    finish(nullptr, core_->session(owner_[oldest]), slots_.at(owner_[oldest]), -1, nullptr);
  }
  slot.buf = free_.back();
  free_.pop_back();
  since_[slot.buf] = r.now;
  owner_[slot.buf] = s.index;
  return true;
}

void TlsFingerprintStage::on_tls_bytes(inspect::Request& r, const uint8_t* data, uint32_t len) {
  inspect::Session& s = *r.s;
  Slot& slot = slots_[s];
  if (slot.done || len == 0) return;
  proto::HelloStatus st;
  size_t need = 0;
  if (slot.buf == UINT16_MAX) {
    st = proto::parse_client_hello(data, len, scratch_.data(), hello_, &need);
    if (st == proto::HelloStatus::need_more) {
      if (len > kBufferBytes || !take_buffer(r, s, slot)) {
        if (len <= kBufferBytes) st_->tls_no_buffer.add(1);
        finish(&r, s, slot,
               len > kBufferBytes ? static_cast<int>(proto::HelloStatus::too_large) : -1, nullptr);
        return;
      }
      std::memcpy(&memory_[size_t{slot.buf} * kBufferBytes], data, len);
      slot.len = static_cast<uint16_t>(len);
      slot.need = static_cast<uint16_t>(std::min<size_t>(need, kBufferBytes));
      return;
    }
  } else {
    uint8_t* buf = &memory_[size_t{slot.buf} * kBufferBytes];
    const size_t room = kBufferBytes - slot.len;
    const size_t n = len < room ? len : room;
    std::memcpy(buf + slot.len, data, n);
    slot.len = static_cast<uint16_t>(slot.len + n);
    // Parse only once the bytes the last parse asked for are here: each record is then
    // joined once, not again with every segment (a hello sent in tiny segments).
    if (slot.len < slot.need && n == len) return;
    st = proto::parse_client_hello(buf, slot.len, scratch_.data(), hello_, &need);
    if (st == proto::HelloStatus::need_more) {
      if (n < len || need > kBufferBytes) {  // more than a buffer holds
        finish(&r, s, slot, static_cast<int>(proto::HelloStatus::too_large), nullptr);
        return;
      }
      slot.need = static_cast<uint16_t>(need);
      return;
    }
  }
  finish(&r, s, slot, static_cast<int>(st), st == proto::HelloStatus::ok ? &hello_ : nullptr);
}

void TlsFingerprintStage::finish(inspect::Request* r, inspect::Session& s, Slot& slot, int status,
                                 const proto::ClientHello* hello) {
  slot.done = true;
  // The rest of the connection is encrypted: this one is released after its packet; a
  // reclaimed one (another connection) passes from now on.
  s.finished = true;
  if (r == nullptr) s.bypass = true;
  release_buffer(slot);
  switch (static_cast<proto::HelloStatus>(status)) {
    case proto::HelloStatus::ok: st_->tls_hellos.add(1); break;
    case proto::HelloStatus::not_tls: st_->tls_not_tls.add(1); break;
    case proto::HelloStatus::malformed: st_->tls_malformed.add(1); break;
    case proto::HelloStatus::too_large: st_->tls_too_large.add(1); break;
    default: break;
  }
  // A ClientHello that cannot be read is one no fingerprint rule or decision can judge,
  // and the client chose it (padding past 16 KiB, a broken extension): its policy.
  const auto hs = static_cast<proto::HelloStatus>(status);
  if (r && (hs == proto::HelloStatus::not_tls || hs == proto::HelloStatus::malformed ||
            hs == proto::HelloStatus::too_large)) {
    core_->integrity(*r, api::IntegrityCause::tls_unread);
    return;
  }
  if (hello == nullptr || r == nullptr) return;
  proto::ja3(*hello, ja3_text_);
  std::memcpy(ja3_, ja3_text_.md5, sizeof ja3_);
  proto::ja4(*hello, ja4_);
  r->hello = hello;
  r->ja3 = ja3_;
  r->ja4 = ja4_;
  if (events_)
    core_->event(*r, inspect::EventType::tls_client_hello, 0, 0, 0, false, 0, 0, nullptr);
}

void TlsFingerprintStage::on_end(inspect::Session& s, inspect::End why, const inspect::Request*) {
  if (!s.tls) return;
  Slot& slot = slots_[s];
  if (why == inspect::End::release && !slot.done) st_->tls_incomplete.add(1);
  release_buffer(slot);
}

}  // namespace bulwark::tls_fingerprint
