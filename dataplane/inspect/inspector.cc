// Per-worker inspection core (see inspector.h).
#include "dataplane/inspect/inspector.h"

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "dataplane/flow/flow_table.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/tcp_inject.h"
#include "dataplane/proto/client_hello.h"
#include "dataplane/proto/http_normalize.h"
#include "dataplane/proto/raw_checksum.h"

namespace bulwark::inspect {
namespace {

unsigned method_slot(std::string_view m) {
  for (unsigned i = 0; i + 1 < api::kMethodSlots; ++i)
    if (m == api::kMethodNames[i]) return i;
  return api::kMethodSlots - 1;
}

void copy_field(char* dst, size_t cap, std::string_view v) {
  const size_t n = v.size() < cap - 1 ? v.size() : cap - 1;
  if (n) std::memcpy(dst, v.data(), n);  // an empty view may have no data pointer
  dst[n] = '\0';
}

void count_anomalies(api::WorkerStats& st, uint32_t a) {
  for (unsigned bit = 0; a && bit < api::kHttpAnomalySlots; ++bit, a >>= 1)
    if (a & 1) st.anomalies[bit].add(1);
}

}  // namespace

std::unique_ptr<Inspector> Inspector::create(const api::DataplaneConfig& cfg, unsigned worker,
                                             const InspectShared& shared, api::WorkerStats* st,
                                             int socket, FeatureSet& features, std::string& error) {
  std::unique_ptr<Inspector> in(new (std::nothrow) Inspector());
  if (!in) {
    error = "out of memory for the inspector";
    return nullptr;
  }
  for (uint16_t p : cfg.http_ports) in->http_port_[p] = true;
  for (uint16_t p : cfg.tls_ports) in->tls_port_[p] = true;
  in->worker_ = worker;
  in->policy_ = cfg.integrity;
  in->check_sides_ = !cfg.capture_replay;
  in->reclaim_idle_tsc_ = uint64_t{cfg.session_reclaim_idle_s} * rte_get_tsc_hz();
  in->http_limits_.max_head_bytes = cfg.http_max_head_bytes;
  in->http_limits_.max_line_bytes = cfg.http_max_line_bytes;
  in->shared_ = shared;
  in->st_ = st;
  in->tsc_hz_ = rte_get_tsc_hz();
  try {
    // One segment more than the pool uses: held payload is scanned by Hyperscan in
    // place, and its AVX512VBMI matcher may read a little past the data (see
    // tests/fuzz/fuzz_discovery_scan.cc); the last segment must not end the mapping.
    in->segment_memory_.resize(size_t{cfg.reassembly_segments} + 1);
    in->segments_ =
        std::make_unique<proto::SegmentPool>(in->segment_memory_.data(), cfg.reassembly_segments);
    proto::ReassemblyLimits lim;
    lim.max_held_bytes = cfg.reassembly_max_held_bytes;
    lim.max_held_segments = cfg.reassembly_max_held_segments;
    lim.max_window = cfg.reassembly_max_window;
    lim.compare_bytes = cfg.reassembly_compare_bytes;
    // Not initialised: the pages are touched only as sessions use their rings.
    if (lim.compare_bytes)
      in->compare_memory_.reset(new uint8_t[size_t{cfg.http_sessions} * lim.compare_bytes]);
    in->reasm_ = std::make_unique<proto::Reassembler>(*in->segments_, lim);
    in->sessions_.reserve(cfg.http_sessions);
    for (uint32_t i = 0; i < cfg.http_sessions; ++i) {
      in->sessions_.push_back(std::make_unique<Session>(in->http_limits_));
      in->sessions_.back()->index = i;
      in->sessions_.back()->next_free = i + 1 < cfg.http_sessions ? i + 1 : kNoSession;
    }
    in->free_session_ = cfg.http_sessions ? 0 : kNoSession;
    // Heads that span segments are rare: one buffer per 16 sessions, at least 16.
    const uint32_t heads = std::max<uint32_t>(16, cfg.http_sessions / 16);
    in->head_memory_.resize(size_t{heads} * in->http_limits_.max_head_bytes);
    for (uint32_t i = 0; i < heads; ++i)
      in->free_heads_.push_back(in->head_memory_.data() +
                                size_t{i} * in->http_limits_.max_head_bytes);
    in->head_client_.assign(heads, kNoClient);
    if (cfg.client_share_percent < 100) {
      PoolSizes sizes;
      sizes.sessions = cfg.http_sessions;
      sizes.pools[static_cast<unsigned>(SharedPool::heads)] = heads;
      sizes.pools[static_cast<unsigned>(SharedPool::bodies)] =
          body_slots_per_worker(cfg.http_sessions);
      sizes.pools[static_cast<unsigned>(SharedPool::segments)] = cfg.reassembly_segments;
      // logins: sized by the login guard's stage (its own pool)
      in->shares_ = ClientShares::create(worker, sizes, cfg.client_share_percent, socket, error);
      if (!in->shares_) return nullptr;
    }
    StageEnv env{*in, cfg, *st, features.parts()};
    env.worker = worker;
    env.workers = static_cast<unsigned>(cfg.worker_cores.size());
    env.socket = socket;
    env.sessions = cfg.http_sessions;
    in->pipeline_ = features.make_pipeline(env);
  } catch (const std::bad_alloc&) {
    error = "not enough memory for " + std::to_string(cfg.http_sessions) +
            " inspection sessions and " + std::to_string(cfg.reassembly_segments) +
            " reassembly segments per worker (lower inspect.sessions / "
            "inspect.reassembly.segments / inspect.reassembly.compare_bytes)";
    return nullptr;
  }
  if (!in->pipeline_->init(error)) return nullptr;
  return in;
}

Inspector::~Inspector() = default;

Session* Inspector::session_for(dp::FlowEntry& e, const proto::PacketInfo& info, unsigned dir,
                                unsigned in_port, uint64_t now) {
  // The destination port decides first: a client must not turn its HTTP connection into
  // an uninspected "TLS" one by choosing source port 443.
  bool tls, to_port;
  if (is_http_port(info.dport) || is_tls_port(info.dport)) {
    tls = !is_http_port(info.dport);
    to_port = true;
  } else {
    tls = !is_http_port(info.sport) && is_tls_port(info.sport);
    to_port = false;
  }
  if (!tls && !is_http_port(info.dport) && !is_http_port(info.sport)) {
    e.session = kSkipSession;
    return nullptr;
  }
  // One client may hold only its share of the pool, so that it cannot take every
  // session (and with them everyone's inspection) by holding connections open.
  int32_t slot = kNoClient;
  if (shares_ &&
      (slot = shares_->acquire_session(to_port ? info.src : info.dst, info.l3)) == kNoClient)
    return refuse(e, info, to_port, now, api::IntegrityCause::client_share);
  if (free_session_ == kNoSession && !reclaim_idle(now)) {
    if (shares_) shares_->release_session(slot);
    st_->sessions_exhausted.add(1);  // the box's own overload
    return refuse(e, info, to_port, now, api::IntegrityCause::sessions_full);
  }
  const uint32_t idx = free_session_;
  Session* s = sessions_[idx].get();
  free_session_ = s->next_free;
  s->~Session();
  new (s) Session(http_limits_);
  s->index = idx;
  s->flow = &e;
  proto::Reassembler::init(s->stream[0]);
  proto::Reassembler::init(s->stream[1]);
  s->client_dir = static_cast<uint8_t>(to_port ? dir : dir ^ 1u);
  // The client's bytes are the attacker's: retransmissions of them are compared with what
  // was delivered. The server's are not kept (it is not the adversary here).
  if (compare_memory_)
    s->stream[s->client_dir].kept = compare_memory_.get() + size_t{idx} * reasm_->compare_bytes();
  s->client_port = static_cast<uint8_t>(to_port ? in_port : in_port ^ 1u);
  s->client_slot = slot;
  s->tls = tls;
  // Stages compare their rule generation with the connection's from its first packet.
  const ActiveRules* rules =
      shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  s->generation = rules ? rules->generation : 0;
  e.session = idx;
  ++sessions_active_;
  lru_push(*s, now);
  (tls ? st_->tls_sessions : st_->sessions_created).add(1);
  pipeline_->open(*s);
  return s;
}

Session* Inspector::refuse(dp::FlowEntry& e, const proto::PacketInfo& info, bool to_server,
                           uint64_t now, api::IntegrityCause cause) {
  const api::IntegrityAction a = policy_[static_cast<unsigned>(cause)];
  Request r{};
  r.pkt = &info;
  r.to_server = to_server;
  r.now = now;
  r.rules = shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  EventDetail d;
  d.kind = api::integrity_cause_name(cause);
  event(r, EventType::integrity, 0, static_cast<uint8_t>(a), 0, a == api::IntegrityAction::cut, 0,
        0, nullptr, d);
  if (a == api::IntegrityAction::cut) {
    st_->integrity_cut[static_cast<unsigned>(cause)].add(1);
    e.session = kNoSession;  // dropped; a retransmitted SYN may find a session free
    cur_drop_ = true;
  } else {
    st_->integrity_pass[static_cast<unsigned>(cause)].add(1);
    e.session = kPassedSession;  // this connection only: a new one tries again
  }
  return nullptr;
}

// The pool is empty: the least recently active connection gives up its session if it
// has been idle long enough. Its flow is marked cut (its packets are dropped from now
// on): resuming it without its reassembly state would be blind.
bool Inspector::reclaim_idle(uint64_t now) {
  if (reclaim_idle_tsc_ == 0 || lru_oldest_ == kNoSession) return false;
  Session& old = *sessions_[lru_oldest_];
  if (now - old.last_tsc < reclaim_idle_tsc_) return false;
  reclaim(old);
  return true;
}

void Inspector::reclaim(Session& s) {
  auto* flow = static_cast<dp::FlowEntry*>(s.flow);
  release(s);
  if (flow) flow->session = kReclaimedSession;
  st_->integrity_cut[static_cast<unsigned>(api::IntegrityCause::idle_reclaimed)].add(1);
}

bool Inspector::reclaim_idle_holder(SharedPool pool, uint64_t now) {
  if (reclaim_idle_tsc_ == 0) return false;
  uint32_t i = lru_oldest_;
  for (unsigned looked = 0; looked < kReclaimLook && i != kNoSession; ++looked) {
    Session& s = *sessions_[i];
    if (now - s.last_tsc < reclaim_idle_tsc_) return false;  // the rest are more recent
    const bool holds = pool == SharedPool::heads
                           ? s.requests.holds_head_buffer() || s.responses.holds_head_buffer()
                           : pipeline_->holds(s, pool);
    if (holds && &s != cur_.s) {
      reclaim(s);
      return true;
    }
    i = s.lru_next;
  }
  return false;
}

void Inspector::lru_unlink(Session& s) {
  if (s.lru_prev != kNoSession)
    sessions_[s.lru_prev]->lru_next = s.lru_next;
  else
    lru_oldest_ = s.lru_next;
  if (s.lru_next != kNoSession)
    sessions_[s.lru_next]->lru_prev = s.lru_prev;
  else
    lru_newest_ = s.lru_prev;
  s.lru_prev = s.lru_next = kNoSession;
}

void Inspector::lru_push(Session& s, uint64_t now) {
  s.last_tsc = now;
  s.lru_prev = lru_newest_;
  s.lru_next = kNoSession;
  if (lru_newest_ != kNoSession)
    sessions_[lru_newest_]->lru_next = s.index;
  else
    lru_oldest_ = s.index;
  lru_newest_ = s.index;
}

void Inspector::release(Session& s) {
  pipeline_->end(s, End::release, nullptr);
  s.requests.reset(*this);
  s.responses.reset(*this);
  if (shares_) {  // after its head buffers and segments
    shares_->release(s.client_slot, SharedPool::segments, s.shared_segments);
    s.shared_segments = 0;
    shares_->release_session(s.client_slot);
  }
  s.client_slot = kNoClient;
  reasm_->release(s.stream[0]);
  reasm_->release(s.stream[1]);
  lru_unlink(s);
  s.flow = nullptr;
  s.next_free = free_session_;
  free_session_ = s.index;
  --sessions_active_;
}

// TCP (and IPv4 header) checksums as the receiving stack checks them: a segment with a
// bad one never reaches the server, so it must not reach inspection either (an
// insertion). Only the port's GOOD is taken as it is; anything else is computed here:
// NONE (virtio, vhost) means the checksum field is not filled in, and the segment is
// forwarded as it came, so the server would drop it; a NIC's BAD may be a parsing
// disagreement (extension headers) that would drop honest segments.
bool Inspector::checksum_ok(const rte_mbuf* m, const proto::PacketInfo& info) const {
  const uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
  const uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* l3 = frame + info.l3_offset;
  if (info.l3 == proto::L3::ipv4) {
    const auto* h = reinterpret_cast<const rte_ipv4_hdr*>(l3);
    if (ip != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !proto::ipv4_header_sum_ok(h, rte_ipv4_hdr_len(h)))
      return false;
  }
  if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD) return true;
  // Pseudo-header + segment, checksum field included: a correct segment sums to 0xffff.
  // (rte_ipv4_udptcp_cksum_verify is experimental in DPDK 22.11; the IPv6 pseudo-header
  // needs the upper-layer length, not the payload length when extension headers precede
  // TCP: RFC 8200 8.1.)
  const uint32_t tcp_len = info.payload_offset + info.payload_len - info.l4_offset;
  uint64_t sum = info.l3 == proto::L3::ipv4
                     ? proto::sum_fixed<8>(l3 + 12)  // source and destination addresses
                     : proto::sum_fixed<32>(l3 + 8);
  sum += rte_cpu_to_be_32(tcp_len);  // the pseudo-header's words as they would be in memory
  sum += rte_cpu_to_be_32(proto::kProtoTcp);
  sum += proto::raw_checksum(frame + info.l4_offset, tcp_len);  // the segment: most of the bytes
  return proto::fold_sum(sum) == 0xffff;
}

void Inspector::on_flow_removed(dp::FlowEntry& e) {
  if (is_session(e.session)) release(*sessions_[e.session]);
  e.session = kNoSession;
}

void Inspector::sink(void* ctx, const uint8_t* data, uint32_t len) {
  auto* in = static_cast<Inspector*>(ctx);
  Request& r = in->cur_;
  Session& s = *r.s;
  if (s.cut || s.bypass || s.finished) return;
  if (s.tls) {
    if (r.to_server) in->pipeline_->tls_bytes(r, data, len);
    return;
  }
  (r.to_server ? s.requests : s.responses).feed(data, len, *in);
}

bool Inspector::on_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m,
                          unsigned dir, unsigned in_port, uint64_t now, Injected& out) {
  if (e.session == kSkipSession) return true;
  if (e.session == kPassedSession) {
    // Only this connection was passed: a new one on the same tuple (a client reusing its
    // port) is inspected from its SYN. A SYN the server would drop changes nothing.
    constexpr uint8_t kKinds = proto::kTcpSyn | proto::kTcpAck | proto::kTcpFin | proto::kTcpRst;
    if ((info.tcp_flags & kKinds) != proto::kTcpSyn || info.fragment || !checksum_ok(m, info))
      return true;
    e.session = kNoSession;
  }
  const bool forward = handle_packet(e, info, m, dir, in_port, now, out);
  // A cut or passed connection gives its session back at once; the flow remembers what
  // became of it (packets of a cut one are dropped, of a passed one forwarded).
  if (is_session(e.session)) {
    Session& s = *sessions_[e.session];
    if (s.cut || s.bypass) {
      const bool cut = s.cut;
      release(s);
      e.session = cut ? kCutSession : kPassedSession;
    }
  }
  return forward;
}

bool Inspector::handle_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m,
                              unsigned dir, unsigned in_port, uint64_t now, Injected& out) {
  const uint8_t flags = info.tcp_flags;
  if (e.session == kCutSession || e.session == kReclaimedSession) {
    // A SYN after Bulwark reset both ends is a new connection; a reclaimed one's server
    // side may still be open, so it stays dropped until the flow ends.
    if (e.session == kReclaimedSession ||
        (flags & (proto::kTcpSyn | proto::kTcpAck)) != proto::kTcpSyn) {
      st_->flows_blocked_packets.add(1);
      return false;
    }
    e.session = kNoSession;
  }
  // Segments the server's stack would drop are dropped here too, before they can
  // touch any state: a bad checksum, or data or a FIN without ACK after the handshake.
  // (A first fragment's checksum covers bytes not here: the fragment policy decides.)
  if (!info.fragment && !checksum_ok(m, info)) {
    reject(SegmentReject::bad_checksum, out);
    return false;
  }
  if (!(flags & (proto::kTcpAck | proto::kTcpSyn | proto::kTcpRst)) &&
      (info.payload_len || (flags & proto::kTcpFin))) {
    reject(SegmentReject::no_ack, out);
    return false;
  }
  if ((flags & (proto::kTcpSyn | proto::kTcpFin)) == (proto::kTcpSyn | proto::kTcpFin)) {
    // Linux discards it in every state; taking its SYN would fix the stream's start at a
    // sequence number the server never accepted.
    reject(SegmentReject::syn_fin, out);
    return false;
  }
  if ((flags & proto::kTcpSyn) && info.payload_len) {
    // Payload in a SYN (TCP Fast Open) is dropped by a server without a TFO cookie for
    // this client; inspecting it would let a decoy stand for the real bytes sent later.
    // Dropped here before anything learns from it; the client sends a SYN again.
    reject(SegmentReject::syn_data, out);
    return false;
  }
  // A SYN in a live connection changes nothing (RFC 5961 4.2: the server answers with a
  // challenge ACK and keeps the connection); only one that is over starts a new one.
  if ((flags & (proto::kTcpSyn | proto::kTcpAck)) == proto::kTcpSyn && is_session(e.session)) {
    Session& old = *sessions_[e.session];
    const bool over =
        old.finished || ((old.stream[0].flags & old.stream[1].flags) & proto::StreamDir::kEnded);
    if (!over) {
      // Before the server's SYN-ACK, a SYN with another ISN or other options leaves open
      // which one the server takes (one may expire on the way): the SYN-ACK decides.
      // (Options a retry adds or drops are settled by what the SYN-ACK echoes; another
      // ISN or another window scale are not.) Only from the client's side of the box.
      TcpEnd& me = old.tcp[dir];
      const bool client_side = !check_sides_ || in_port == old.port_of(dir);
      if (client_side && (me.flags & TcpEnd::kSyn) && !(old.tcp[dir ^ 1u].flags & TcpEnd::kSyn)) {
        if (info.tcp_seq != me.iss ||
            (info.tcp_wscale != me.wscale && info.tcp_wscale != proto::kNoWindowScale &&
             me.wscale != proto::kNoWindowScale))
          me.flags |= TcpEnd::kSynAmbiguous;
        else
          tcp_learn(me, old.tcp[dir ^ 1u], info, 0);  // the retry's options, its TSval
      }
      reject(SegmentReject::syn_in_session, out);
      return true;
    }
    release(old);
    e.session = kNoSession;
  }
  cur_drop_ = false;
  fresh_midstream_ = false;
  Session* s = nullptr;
  if (e.session == kNoSession) {
    // A segment without data of a connection seen mid-stream (an ACK, a FIN, a RST)
    // carries nothing to inspect and takes no session: a FIN or RST starting one would
    // end its stream before any data (and data after it would go uninspected).
    // (A fragment's data may follow in later fragments: it goes to the fragment policy.)
    if (!(flags & proto::kTcpSyn) && info.payload_len == 0 && !info.fragment) return true;
    s = session_for(e, info, dir, in_port, now);
    if (s == nullptr) return !cur_drop_;
    // Only a client's SYN starts a connection inspection can follow from its first
    // byte: one picked up later, even at the SYN-ACK, is mid-stream.
    fresh_midstream_ = (flags & (proto::kTcpSyn | proto::kTcpAck)) != proto::kTcpSyn;
  } else {
    s = sessions_[e.session].get();
  }
  if (s->cut) {
    st_->flows_blocked_packets.add(1);
    return false;
  }
  if (s->bypass) return true;
  // A host is behind one port: a packet of the connection arriving on the other end's
  // port is forged (e.g. a "response" sent in from outside to move inspection's view of
  // the server's side).
  if (check_sides_ && in_port != s->port_of(dir)) {
    reject(SegmentReject::wrong_port, out);
    return false;
  }
  Request& r = cur_;
  r.s = s;
  r.pkt = &info;
  r.frame = rte_pktmbuf_mtod(m, const uint8_t*);
  r.to_server = dir == s->client_dir;
  r.now = now;
  r.rules = shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  r.out = &out;
  r.drop = false;
  r.head = nullptr;
  r.hello = nullptr;
  r.ident = nullptr;
  r.blocks = shared_.blocks ? shared_.blocks->load(std::memory_order_acquire) : nullptr;
  // An IP-fragmented segment: only its first fragment is here, and the server would
  // assemble more than inspection sees. Not reassembled (yet): the policy decides.
  if (info.fragment) {
    const api::IntegrityAction a = integrity(r, api::IntegrityCause::fragment);
    if (a == api::IntegrityAction::cut) return false;
    if (a == api::IntegrityAction::pass) return true;
  }
  // An ACK of bytes the other side never sent: the server drops the segment (and
  // answers with an ACK), so it must not count here either. (Known only when the other
  // side's stream was seen from its SYN.)
  const proto::StreamDir& peer = s->stream[dir ^ 1u];
  if ((flags & proto::kTcpAck) && !(flags & proto::kTcpSyn) &&
      (peer.flags & (proto::StreamDir::kStarted | proto::StreamDir::kMidstream)) ==
          proto::StreamDir::kStarted &&
      static_cast<int32_t>(info.tcp_ack - peer.sent_end) > 0) {
    reject(SegmentReject::ack_unsent, out);
    return false;
  }
  // Before the server's SYN-ACK went by, an ACK acknowledges a SYN it never sent: no
  // server accepts data then (it may not even have the SYN), and taking it would let
  // a decoy fix the client's stream before the SYN-ACK showed which SYN the server took.
  const proto::StreamDir& mine = s->stream[dir];
  if ((flags & proto::kTcpAck) && !(flags & (proto::kTcpSyn | proto::kTcpRst)) &&
      !(peer.flags & proto::StreamDir::kStarted) &&
      (mine.flags & (proto::StreamDir::kStarted | proto::StreamDir::kMidstream)) ==
          proto::StreamDir::kStarted) {
    reject(SegmentReject::ack_unsent, out);
    return false;
  }
  // Segments the receiving stack discards for its window, an old ACK or PAWS (pure ACKs
  // too: nothing is learnt from what the receiver would not take).
  if (!(flags & (proto::kTcpSyn | proto::kTcpRst))) {
    switch (tcp_check(s->tcp[dir], s->tcp[dir ^ 1u], info, s->stream[dir].next_seq)) {
      case TcpVerdict::ok: break;
      case TcpVerdict::at_edge:  // the receiver takes its ACK, not its data
        reject(SegmentReject::out_of_window, out);
        return true;
      case TcpVerdict::old_ack: reject(SegmentReject::old_ack, out); return false;
      case TcpVerdict::out_of_window: reject(SegmentReject::out_of_window, out); return false;
      case TcpVerdict::paws: reject(SegmentReject::paws, out); return false;
    }
  }
  if ((flags & (proto::kTcpSyn | proto::kTcpAck)) == (proto::kTcpSyn | proto::kTcpAck) &&
      dir != s->client_dir) {
    // The server's SYN-ACK names the SYN it took. Inspection must follow that SYN's
    // stream and options: if it is not the one inspection holds (another was sent to
    // expire before the server, or several differed), what the server reads is unknown.
    const TcpEnd& c = s->tcp[s->client_dir];
    if (c.flags & TcpEnd::kSyn) {
      const bool other =
          (c.flags & TcpEnd::kSynAmbiguous) || info.tcp_ack != c.iss + 1 ||
          (info.tcp_wscale != proto::kNoWindowScale && c.wscale == proto::kNoWindowScale) ||
          (info.tcp_has_ts && !(c.flags & TcpEnd::kSynTs));
      if (other && integrity(r, api::IntegrityCause::conflict) != api::IntegrityAction::inspect)
        return !r.drop;
    } else if (!(s->stream[s->client_dir].flags & proto::StreamDir::kStarted)) {
      // Picked up at the SYN-ACK: the client's stream starts where it says.
      proto::StreamDir& cs = s->stream[s->client_dir];
      cs.next_seq = cs.sent_end = info.tcp_ack;
      cs.flags = proto::StreamDir::kStarted;
    }
  }
  lru_unlink(*s);
  lru_push(*s, now);
  // A segment with less TTL than the direction's highest may expire between here and
  // the server.
  const bool low_ttl = s->ttl[dir] != 0 && info.ttl < s->ttl[dir];
  if (low_ttl && info.payload_len == 0 && (flags & (proto::kTcpRst | proto::kTcpFin))) {
    reject(SegmentReject::ttl_below_path, out);
    return true;
  }
  // Learnt only from a segment that may reach the server (not a low-TTL one).
  if (!low_ttl) {
    if (info.ttl > s->ttl[dir]) s->ttl[dir] = info.ttl;
    tcp_learn(s->tcp[dir], s->tcp[dir ^ 1u], info, s->stream[dir].next_seq);
  }
  if (fresh_midstream_ && !s->tls &&
      integrity(r, api::IntegrityCause::midstream) != api::IntegrityAction::inspect)
    return !r.drop;
  if (low_ttl && info.payload_len &&
      integrity(r, api::IntegrityCause::insertion) != api::IntegrityAction::inspect)
    return !r.drop;
  // Linux takes the urgent byte out of the stream (SO_OOBINLINE off): the server would
  // not read what inspection reads.
  // A bare segment with URG sets the pointer for data still to come, so any URG counts.
  if ((flags & proto::kTcpUrg) &&
      integrity(r, api::IntegrityCause::urgent) != api::IntegrityAction::inspect)
    return !r.drop;
  if (s->tls && !s->tls_started) {
    // A TLS connection is judged at its first packet too (e.g. a blocked address is cut
    // whether or not its ClientHello will parse).
    s->tls_started = true;
    if (!pipeline_->tls_start(r)) return false;
  }
  const uint64_t generation = r.rules ? r.rules->generation : 0;
  if (generation != s->generation) {
    pipeline_->new_rules(r);
    s->generation = generation;
  }
  // What the receiver acknowledged of this direction: retransmissions of it are not
  // compared (it cannot take another copy of bytes it has).
  if (const TcpEnd& rcv = s->tcp[dir ^ 1u]; rcv.flags & TcpEnd::kAcked) {
    s->stream[dir].peer_acked = rcv.acked;
    s->stream[dir].flags |= proto::StreamDir::kPeerAcked;
  }
  const proto::SegmentOutcome o =
      reasm_->on_segment(s->stream[dir], info.tcp_seq, r.frame + info.payload_offset,
                         info.payload_len, flags, &Inspector::sink, this);
  if (o.rst_ignored) reject(SegmentReject::rst_not_at_edge, out);
  if (o.syn_ignored) reject(SegmentReject::syn_in_session, out);
  if (o.syn_data) {
    reject(SegmentReject::syn_data, out);
    return false;
  }
  // Out-of-order segments held count in the client's share of the segment pool: one
  // source keeping gaps open on many connections cannot take every buffer.
  if (shares_ && !count_held_segments(*s) &&
      integrity(r, api::IntegrityCause::client_share) != api::IntegrityAction::inspect)
    return !r.drop;
  if (o.conflict) {
    // The server may keep the other copy (Linux's out-of-order queue keeps the later one
    // where it covers the earlier): what was inspected is not known to be what it reads.
    event(r, EventType::overlap_conflict, 0, 0, 0, false, 0, 0, nullptr);
    if (!s->cut && integrity(r, api::IntegrityCause::conflict) != api::IntegrityAction::inspect)
      return !r.drop;
  }
  if (o.limit && !s->cut) integrity(r, api::IntegrityCause::reassembly_limit);
  if (o.ended && !s->cut && !s->tls && !s->bypass)
    (r.to_server ? s->requests : s->responses).finish(*this);
  if (o.reset && !s->cut) {
    // The receiver accepted the RST: the connection is over in both directions. Anything
    // still sent on the tuple starts a new (mid-stream) session: it is inspected too.
    release(*s);
    e.session = kNoSession;
    return true;
  }
  if (s->finished && !s->cut) {
    // Inspected to the end (a TLS connection after its ClientHello: the rest is
    // encrypted). The session and anything reassembly still holds go back to the pools
    // now, not when the flow ends.
    release(*s);
    e.session = kPassedSession;
  }
  return !r.drop;
}

api::IntegrityAction Inspector::integrity(Request& r, api::IntegrityCause cause,
                                          uint32_t anomalies) {
  Session& s = *r.s;
  const unsigned c = static_cast<unsigned>(cause);
  const api::IntegrityAction a = policy_[c];
  if (s.cut) return api::IntegrityAction::cut;
  EventDetail d;
  d.kind = api::integrity_cause_name(cause);
  event(r, EventType::integrity, 0, static_cast<uint8_t>(a), 0, a == api::IntegrityAction::cut,
        anomalies, 0, nullptr, d);
  switch (a) {
    case api::IntegrityAction::cut:
      st_->integrity_cut[c].add(1);
      cut(r, {});
      break;
    case api::IntegrityAction::pass:
      st_->integrity_pass[c].add(1);
      bypass(r);
      break;
    case api::IntegrityAction::inspect: st_->integrity_inspect[c].add(1); break;
  }
  return a;
}

bool Inspector::inject(bool reverse, uint32_t seq, uint32_t ack, uint8_t flags,
                       std::string_view payload) {
  Injected& out = *cur_.out;
  rte_mbuf* m = out.n < Injected::kMax ? rte_pktmbuf_alloc(shared_.mbufs) : nullptr;
  TcpSegmentSpec spec;
  spec.reverse = reverse;
  spec.seq = seq;
  spec.ack = ack;
  spec.flags = flags;
  spec.window = payload.empty() ? 0 : 8192;
  if (!payload.empty()) {
    spec.payload = reinterpret_cast<const uint8_t*>(payload.data());
    spec.payload_len = static_cast<uint16_t>(payload.size());
  }
  if (m == nullptr || !build_tcp_segment(m, cur_.frame, *cur_.pkt, spec)) {
    if (m) rte_pktmbuf_free(m);
    st_->inject_failures.add(1);
    return false;
  }
  out.m[out.n] = m;
  out.reverse[out.n] = reverse;
  ++out.n;
  (payload.empty() ? st_->resets_sent : st_->responses_sent).add(1);
  return true;
}

void Inspector::cut(Request& r, std::string_view response) {
  Session& s = *r.s;
  r.drop = true;
  if (s.cut) return;  // both ends were reset already
  s.cut = true;
  pipeline_->end(s, End::cut, &r);
  const proto::PacketInfo& i = *r.pkt;
  // The RST towards the packet's receiver must carry exactly the sequence number that
  // receiver expects next (RFC 5961: any other is ignored): the packet's own, unless it
  // was out of order, when the receiver still waits at the stream's gap.
  const proto::StreamDir& sd = s.stream[r.to_server ? s.client_dir : s.client_dir ^ 1u];
  uint32_t seq = i.tcp_seq;
  if ((sd.flags & proto::StreamDir::kStarted) && static_cast<int32_t>(sd.next_seq - seq) < 0)
    seq = sd.next_seq;
  // A SYN takes a sequence number: a RST answering it acknowledges ISN + 1.
  const uint32_t ack = i.tcp_ack,
                 end = i.tcp_seq + i.payload_len + ((i.tcp_flags & proto::kTcpSyn) ? 1 : 0);
  const uint8_t rst = proto::kTcpRst | proto::kTcpAck;
  if (r.to_server) {
    inject(false, seq, ack, rst, {});
    if (!response.empty())
      inject(true, ack, end, proto::kTcpPsh | proto::kTcpAck | proto::kTcpFin, response);
    else
      inject(true, ack, end, rst, {});
  } else {  // decided on a server -> client packet: reset both ends
    inject(false, seq, ack, rst, {});
    inject(true, ack, end, rst, {});
  }
}

void Inspector::bypass(Request& r) {
  Session& s = *r.s;
  if (s.bypass || s.cut) return;
  s.bypass = true;
  pipeline_->end(s, End::bypass, &r);
  st_->inspection_bypassed.add(1);
}

void Inspector::challenge(Request& r, ChallengeCause cause, uint32_t rule, uint32_t retry_s,
                          bool report, const EventDetail& detail) {
  if (challenger_) {
    challenger_->challenge(r, cause, rule, retry_s, report, detail);
    return;
  }
  st_->verdict_block.add(1);  // no challenge feature: the request is stopped plainly
  cut(r, {});
}

void Inspector::event(const Request& r, EventType type, uint32_t rule, uint8_t action, uint8_t mode,
                      bool enforced, uint32_t anomalies, uint16_t status,
                      const proto::HttpHead* head, const EventDetail& d) {
  void* obj = nullptr;
  if (shared_.event_pool == nullptr || rte_mempool_get(shared_.event_pool, &obj) != 0) {
    st_->events_dropped.add(1);
    return;
  }
  auto& e = *static_cast<EventRecord*>(obj);
  const proto::PacketInfo& i = *r.pkt;
  e.tsc = r.now;
  e.bundle_version = r.rules ? r.rules->bundle->version : 0;
  e.type = type;
  const bool names_rule = type == EventType::rule || type == EventType::rate_limit ||
                          (type == EventType::challenge &&
                           (d.cause == ChallengeCause::rule || d.cause == ChallengeCause::limit));
  e.rule_id = r.rules && names_rule ? r.rules->bundle->rules[rule].id : 0;
  e.anomalies = anomalies;
  e.status = status;
  e.action = action;
  e.mode = mode;
  e.enforced = enforced;
  e.family = static_cast<uint8_t>(i.l3);
  e.worker = static_cast<uint8_t>(worker_);
  const bool from_client = r.to_server;
  std::memcpy(e.client_ip, from_client ? i.src : i.dst, 16);
  std::memcpy(e.server_ip, from_client ? i.dst : i.src, 16);
  e.client_port = from_client ? i.sport : i.dport;
  e.server_port = from_client ? i.dport : i.sport;
  e.real_client_family = 0;
  if (r.ident && std::memcmp(r.ident->ip, e.client_ip, r.ident->ip_len) != 0) {
    e.real_client_family = r.ident->ip_len == 4 ? 4 : 6;
    std::memcpy(e.real_client_ip, r.ident->ip, 16);
  }
  e.block_id = d.block_id;
  e.block_kind = d.block_kind;
  e.retry_after_s = d.retry_after_s;
  e.limit_denied = d.denied;
  e.score = d.score;
  e.signals = d.signals;
  e.clearance = r.clearance;
  e.cause = d.cause;
  e.page = d.page ? 1 : 0;
  copy_field(e.limit_key, sizeof e.limit_key,
             d.limit_key ? std::string_view(d.limit_key) : std::string_view());
  copy_field(e.rule_name, sizeof e.rule_name,
             e.rule_id ? std::string_view(r.rules->bundle->rules[rule].name) : std::string_view());
  const proto::ClientHello* hello = head ? nullptr : r.hello;
  if (hello) {  // the connection, no request: only its SNI (as host)
    e.method[0] = e.path[0] = e.user_agent[0] = '\0';
    copy_field(e.host, sizeof e.host, hello->sni);
  } else if (head) {
    copy_field(e.method, sizeof e.method, head->method);
    copy_field(e.host, sizeof e.host, proto::host_without_port(head->header("host")));
    copy_field(e.path, sizeof e.path, proto::target_path(head->target));
    copy_field(e.user_agent, sizeof e.user_agent, head->header("user-agent"));
  } else if (r.s && (type == EventType::rule || type == EventType::smuggling)) {
    const Session& s = *r.s;
    std::memcpy(e.method, s.summary.method, sizeof e.method);
    std::memcpy(e.host, s.summary.host, sizeof e.host);
    std::memcpy(e.path, s.summary.path, sizeof e.path);
    std::memcpy(e.user_agent, s.summary.user_agent, sizeof e.user_agent);
  } else {
    e.method[0] = e.host[0] = e.path[0] = e.user_agent[0] = '\0';
  }
  copy_field(e.kind, sizeof e.kind, d.kind ? std::string_view(d.kind) : std::string_view());
  copy_field(e.extra, sizeof e.extra, d.extra ? std::string_view(d.extra) : std::string_view());
  e.ja3[0] = e.ja4[0] = '\0';
  if (hello) {
    copy_field(e.ja3, sizeof e.ja3, r.ja3);
    copy_field(e.ja4, sizeof e.ja4, r.ja4);
  }
  if (rte_ring_mp_enqueue(shared_.events, obj) != 0) {
    rte_mempool_put(shared_.event_pool, obj);
    st_->events_dropped.add(1);
  }
}

void Inspector::count_rule_hit(uint32_t r) {
  st_->rule_hits_total.add(1);
  if (r < api::kMaxRuleSlots) {
    st_->rule_hits[r].add(1);
    rule_hits_used_ = std::max(rule_hits_used_, r + 1);
  }
}

void Inspector::on_head(const proto::HttpHead& head) {
  Request& r = cur_;
  Session& s = *r.s;
  r.head = &head;
  r.ident = nullptr;  // this request's client is not known yet
  r.clearance = kClearanceUnchecked;
  r.verdict = Verdict{};
  r.body_scan = r.body_unscanned = false;
  head_anomalies_ = head.anomalies;
  count_anomalies(*st_, head.anomalies);
  if (!r.to_server) {
    st_->http_responses.add(1);
    const bool final = head.status >= 200 || head.status == 101;
    if (final) {
      ++s.responses_seen;
      pipeline_->response_head(r);
    }
    if (final && s.pending_count) {
      s.pending_head = static_cast<uint8_t>((s.pending_head + 1) % Session::kPending);
      --s.pending_count;
    }
    if (head.upgrade && !s.cut) {  // 101 / CONNECT: the bytes are no longer HTTP/1
      s.requests.to_tunnel(*this);
      const bool h2c = head.status == 101 && proto::iequals(head.header("upgrade"), "h2c");
      r.head = nullptr;
      integrity(r, h2c ? api::IntegrityCause::h2c : api::IntegrityCause::tunnel);
      return;
    }
    r.head = nullptr;
    return;
  }
  st_->http_requests.add(1);
  ++s.requests_seen;
  st_->requests_by_method[method_slot(head.method)].add(1);
  if (s.pending_count < Session::kPending) {
    const uint8_t code = head.method == "HEAD" ? 1 : head.method == "CONNECT" ? 2 : 0;
    s.pending[(s.pending_head + s.pending_count) % Session::kPending] = code;
    ++s.pending_count;
  } else if (!s.responses_stopped) {
    // Responses can no longer be paired with their requests (a HEAD's has no body):
    // their framing is lost, the requests' is not.
    st_->anomalies[__builtin_ctz(proto::kHttpPipelineOverflow)].add(1);
    s.responses_stopped = true;
    s.responses.to_tunnel(*this);
    if (integrity(r, api::IntegrityCause::response_parse, proto::kHttpPipelineOverflow) !=
        api::IntegrityAction::inspect) {
      r.head = nullptr;
      return;
    }
  }
  pipeline_->request_head(r);
  r.head = nullptr;
}

void Inspector::on_body(const uint8_t* data, size_t len) {
  Request& r = cur_;
  if (r.to_server)
    pipeline_->request_body(r, data, len);
  else
    pipeline_->response_body(r, data, len);
}

void Inspector::on_message_end() {
  Request& r = cur_;
  head_anomalies_ = 0;
  if (r.to_server)
    pipeline_->request_end(r);
  else
    pipeline_->response_end(r);
}

void Inspector::on_anomaly(uint32_t anomalies, bool fatal) {
  Request& r = cur_;
  count_anomalies(*st_, anomalies);
  pipeline_->anomaly(r, anomalies);
  if (!fatal || r.s->cut) return;
  // The message boundary is lost: this direction cannot be parsed any further.
  const uint32_t all = anomalies | head_anomalies_;
  head_anomalies_ = 0;
  if (!r.to_server) {
    r.s->responses_stopped = true;
    integrity(r, api::IntegrityCause::response_parse, all);
    return;
  }
  integrity(
      r,
      all & proto::kHttpH2cPreface ? api::IntegrityCause::h2c : api::IntegrityCause::request_parse,
      all);
}

std::string_view Inspector::request_method() {
  const Session& s = *cur_.s;
  if (s.pending_count == 0) return "GET";
  switch (s.pending[s.pending_head]) {
    case 1: return "HEAD";
    case 2: return "CONNECT";
    default: return "GET";
  }
}

uint8_t* Inspector::acquire_head_buffer(uint32_t bytes) {
  if (bytes > http_limits_.max_head_bytes) return nullptr;
  // A client holding its share of head buffers (partial heads kept open) gets no more:
  // its head is too large for what is left to it (request_parse). Checked before an
  // idle holder is reclaimed for it, so that it cannot have others' connections cut.
  const int32_t slot = cur_.s ? cur_.s->client_slot : kNoClient;
  if (shares_ && !shares_->acquire(slot, SharedPool::heads)) return nullptr;
  if (free_heads_.empty() && !reclaim_idle_holder(SharedPool::heads, cur_.now)) {
    if (shares_) shares_->release(slot, SharedPool::heads);
    return nullptr;
  }
  uint8_t* b = free_heads_.back();
  free_heads_.pop_back();  // capacity reserved at start: never reallocates
  head_client_[head_index(b)] = slot;
  return b;
}

void Inspector::release_head_buffer(uint8_t* buf) {
  int32_t& slot = head_client_[head_index(buf)];
  if (shares_) shares_->release(slot, SharedPool::heads);
  slot = kNoClient;
  free_heads_.push_back(buf);
}

void Inspector::rules_swapped() {
  for (uint32_t r = 0; r < rule_hits_used_; ++r) st_->rule_hits[r].set(0);
  rule_hits_used_ = 0;
  pipeline_->rules_swapped();
}

void Inspector::publish() {
  pipeline_->publish(rte_rdtsc());
  const proto::ReassemblyCounters& c = reasm_->counters();
  st_->sessions_active.set(sessions_active_);
  st_->reasm_delivered_bytes.set(c.delivered_bytes);
  st_->reasm_in_order.set(c.in_order_segments);
  st_->reasm_out_of_order.set(c.out_of_order_segments);
  st_->reasm_retransmissions.set(c.retransmissions);
  st_->reasm_partial_retransmissions.set(c.partial_retransmissions);
  st_->reasm_overlap_conflicts.set(c.overlap_conflicts);
  st_->reasm_retransmit_conflicts.set(c.retransmit_conflicts);
  st_->reasm_retransmit_unverified.set(c.retransmit_unverified);
  st_->reasm_limit_hits.set(c.limit_hits);
  st_->reasm_pool_exhausted.set(c.pool_exhausted);
  st_->reasm_out_of_window.set(c.out_of_window);
  st_->reasm_midstream.set(c.midstream_starts);
}

}  // namespace bulwark::inspect
