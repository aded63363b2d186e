// Per-worker inspection core: for TCP flows to a configured HTTP or TLS port it keeps a
// session (both directions' reassembly and HTTP parsers), feeds in-order bytes to the
// parsers, and hands each head, body piece and message end — and a TLS client's bytes —
// to the worker's pipeline of stages (stage.h, features/pipeline.cc), which judge the
// request in order. It also gives the stages their services: cutting a connection
// (resets, or an answer to the client), events, rule-hit counters and the challenge
// service. A decision is made before the packet that completes a request is forwarded.
// Everything is preallocated at start; nothing here allocates, locks or makes a syscall
// on the packet path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/client_shares.h"
#include "dataplane/inspect/event.h"
#include "dataplane/inspect/pipeline.h"
#include "dataplane/inspect/request.h"
#include "dataplane/inspect/session.h"
#include "dataplane/proto/packet_info.h"
#include "dataplane/proto/segment_pool.h"
#include "dataplane/proto/tcp_reassembly.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace bulwark::dp {
struct FlowEntry;
}  // namespace bulwark::dp

namespace bulwark::inspect {

class BlockSet;

// TCP segments of an inspected connection that the receiving stack would not accept
// (names: api::kSegmentRejectNames).
enum class SegmentReject : uint8_t {
  bad_checksum = 0,  // dropped: the server would drop it too
  rst_not_at_edge,   // a RST not at the next expected byte (RFC 5961): forwarded, ignored
  syn_in_session,    // a SYN inside a live connection (RFC 5961 4.2): forwarded, ignored
  ttl_below_path,    // a RST or FIN with less TTL than the connection's: forwarded, ignored
  no_ack,            // data or FIN without ACK after the handshake: dropped (as Linux does)
  ack_unsent,        // acknowledges bytes the peer never sent: dropped (as Linux does)
  syn_data,          // payload in a SYN (TCP Fast Open without a cookie): dropped
  syn_fin,           // SYN and FIN together (Linux discards it): dropped
  wrong_port,        // arrived on the port the other end of the connection is behind
  old_ack,           // data acknowledging before SND.UNA - MAX.SND.WND (RFC 5961 5.2): dropped
  out_of_window,     // data starting past the receiver's advertised window: dropped
  paws,              // data with an older timestamp than the connection's (RFC 7323): dropped
  count_
};

// Shared by all workers; built by the main lcore.
struct InspectShared {
  std::atomic<ActiveRules*>* rules = nullptr;     // main: rw (swap); workers: ro
  std::atomic<BlockSet*>* blocks = nullptr;       // main: rw (swap); workers: ro
  rte_ring* events = nullptr;                     // workers: enqueue (MP); main: dequeue (SC)
  rte_mempool* event_pool = nullptr;              // EventRecord buffers
  rte_mempool* mbufs = nullptr;                   // for injected segments
  const std::atomic<uint64_t>* unix_s = nullptr;  // main: w (each poll); workers: r
};

class Inspector : private proto::HttpHandler {
 public:
  // nullptr and `error` if memory for the pools cannot be had or a stage cannot start.
  static std::unique_ptr<Inspector> create(const api::DataplaneConfig& cfg, unsigned worker,
                                           const InspectShared& shared, api::WorkerStats* st,
                                           int socket, FeatureSet& features, std::string& error);
  ~Inspector() override;

  // True if TCP packets between these ports are inspected (HTTP) or fingerprinted (TLS).
  bool is_http_port(uint16_t port) const { return http_port_[port]; }
  bool is_tls_port(uint16_t port) const { return tls_port_[port]; }
  // Handles one TCP packet of a tracked flow (`dir`: the packet's direction in the flow
  // key; `in_port`: the port it arrived on, 0 outside, 1 inside). Returns false if the
  // packet must be dropped; fills `out` with segments to send.
  bool on_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m, unsigned dir,
                 unsigned in_port, uint64_t now, Injected& out);
  // The flow is going away (expired, evicted): its session returns to the pool.
  void on_flow_removed(dp::FlowEntry& e);
  // Housekeeping (about every millisecond): the stages' periodic work, counters into the
  // stats block.
  void publish();
  // The worker saw a new rule set: per-rule hit counters are by rule index, so they
  // start again from zero for the new set.
  void rules_swapped();
  // Generation of the rule set now published to workers (0: none): one atomic load.
  uint64_t rules_generation() const {
    const ActiveRules* r = shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
    return r ? r->generation : 0;
  }

  // --- Services for stages (called on this worker, during hooks) ---
  api::WorkerStats& stats() { return *st_; }
  unsigned worker() const { return worker_; }
  uint64_t tsc_hz() const { return tsc_hz_; }
  // Wall-clock seconds as the main lcore last published them (one clock for all
  // workers: a clearance made on one is checked on another).
  uint64_t unix_now() const {
    return shared_.unix_s ? shared_.unix_s->load(std::memory_order_relaxed) : 0;
  }
  // The rule set workers run now (for a hook without a packet, e.g. a connection's end).
  ActiveRules* current_rules() const {
    return shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  }
  Session& session(uint32_t index) { return *sessions_[index]; }
  // Cuts the connection at the current packet (dropped): the client gets `response`
  // (with FIN) or, if it is empty, a RST; the server side a RST. Every stage's on_end
  // hook sees End::cut.
  void cut(Request& r, std::string_view response);
  // Stops inspecting the connection (a bound was hit; policy pass): End::bypass.
  void bypass(Request& r);
  // Inspection of the connection cannot go on as it was, for `cause`: applies the
  // configured action (cut, pass, or inspect what still can be), counts it and writes
  // an integrity event. Returns the action.
  api::IntegrityAction integrity(Request& r, api::IntegrityCause cause, uint32_t anomalies = 0);
  // One of `pool` for the connection's client, within its share (true: take it; give it
  // back with give_share), so that one client's slow requests cannot hold them all.
  bool take_share(const Session& s, SharedPool pool) {
    return !shares_ || shares_->acquire(s.client_slot, pool);
  }
  void give_share(const Session& s, SharedPool pool) { give_share(s.client_slot, pool); }
  // The same by the client's entry (Session::client_slot when the share was taken), for
  // a holder that outlives its session's hooks.
  void give_share(int32_t client_slot, SharedPool pool) {
    if (shares_) shares_->release(client_slot, pool);
  }
  // Brings the client's share of the segment pool to what the session holds now; false
  // if that is more than its share (the excess stays uncounted until it is given back).
  bool count_held_segments(Session& s) {
    const uint32_t held = s.stream[0].held_segs + s.stream[1].held_segs;
    if (held < s.shared_segments)
      shares_->release(s.client_slot, SharedPool::segments, s.shared_segments - held);
    else if (held > s.shared_segments &&
             !shares_->acquire(s.client_slot, SharedPool::segments, held - s.shared_segments))
      return false;
    s.shared_segments = held;
    return true;
  }
  // `pool` is empty: of the connections idle at least inspect.reclaim_idle_seconds, the
  // one idle longest that holds a buffer of it gives up its session and with it the
  // buffer (cut, idle_reclaimed), so that connections left idle cannot keep a pool from
  // active ones. Looks at no more than kReclaimLook idle connections. True if one went.
  bool reclaim_idle_holder(SharedPool pool, uint64_t now);
  // A stage's own pool that clients take shares of (at start): its size.
  void size_shared_pool(SharedPool pool, uint32_t n) {
    if (shares_) shares_->size_pool(pool, n);
  }
  // Writes an event about the current request (`head`) or connection.
  void event(const Request& r, EventType type, uint32_t rule, uint8_t action, uint8_t mode,
             bool enforced, uint32_t anomalies, uint16_t status, const proto::HttpHead* head,
             const EventDetail& detail = {});
  // Counts a match of rule `rule` (index in the active bundle).
  void count_rule_hit(uint32_t rule);
  // The challenge service (the challenge feature registers it; without one nothing is
  // cleared and a challenge is a plain 403).
  void set_challenger(Challenger* c) { challenger_ = c; }
  bool cleared(Request& r) { return challenger_ && challenger_->cleared(r); }
  void challenge(Request& r, ChallengeCause cause, uint32_t rule, uint32_t retry_s, bool report,
                 const EventDetail& detail = {});

 private:
  Inspector() = default;
  // HttpHandler, called while feeding the current packet's bytes.
  void on_head(const proto::HttpHead& head) override;
  void on_body(const uint8_t* data, size_t len) override;
  void on_message_end() override;
  void on_anomaly(uint32_t anomalies, bool fatal) override;
  std::string_view request_method() override;
  uint8_t* acquire_head_buffer(uint32_t bytes) override;
  void release_head_buffer(uint8_t* buf) override;

  static void sink(void* ctx, const uint8_t* data, uint32_t len);
  Session* session_for(dp::FlowEntry& e, const proto::PacketInfo& info, unsigned dir,
                       unsigned in_port, uint64_t now);
  // No session for this connection (pool empty, or its client's share taken): the
  // policy for `cause` decides without one.
  Session* refuse(dp::FlowEntry& e, const proto::PacketInfo& info, bool to_server, uint64_t now,
                  api::IntegrityCause cause);
  bool reclaim_idle(uint64_t now);
  void reclaim(Session& s);
  void release(Session& s);
  void lru_unlink(Session& s);
  void lru_push(Session& s, uint64_t now);
  bool checksum_ok(const rte_mbuf* m, const proto::PacketInfo& info) const;
  bool handle_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m, unsigned dir,
                     unsigned in_port, uint64_t now, Injected& out);
  void reject(SegmentReject why, Injected& out) {
    st_->segments_rejected[static_cast<unsigned>(why)].add(1);
    out.rejected = true;
  }
  bool inject(bool reverse, uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload);

  // Configuration.
  std::vector<bool> http_port_ = std::vector<bool>(65536, false);
  std::vector<bool> tls_port_ = std::vector<bool>(65536, false);
  api::IntegrityPolicy policy_ = api::kDefaultIntegrityPolicy;
  uint64_t reclaim_idle_tsc_ = 0;               // 0: idle sessions are never reclaimed
  static constexpr unsigned kReclaimLook = 64;  // idle connections looked at for a holder
  uint32_t rule_hits_used_ = 0;                 // rule_hits slots written since the last swap
  unsigned worker_ = 0;
  InspectShared shared_;
  api::WorkerStats* st_ = nullptr;
  proto::HttpLimits http_limits_;
  uint64_t tsc_hz_ = 0;
  std::unique_ptr<Pipeline> pipeline_;
  Challenger* challenger_ = nullptr;

  // Pools (allocated at start).
  std::vector<proto::Segment> segment_memory_;
  std::unique_ptr<proto::SegmentPool> segments_;
  std::unique_ptr<proto::Reassembler> reasm_;
  std::vector<std::unique_ptr<Session>> sessions_;
  uint32_t free_session_ = kNoSession;
  uint32_t lru_oldest_ = kNoSession, lru_newest_ = kNoSession;  // sessions in use
  uint32_t head_anomalies_ = 0;   // the last head's anomalies (a fatal one's cause)
  bool cur_drop_ = false;         // session_for: the packet is dropped (no session, policy cut)
  bool fresh_midstream_ = false;  // the session was made for a packet other than a SYN
  bool check_sides_ = true;       // !DataplaneConfig::capture_replay
  uint32_t sessions_active_ = 0;
  std::vector<uint8_t> head_memory_;
  // Compare rings (proto::StreamDir::kept), compare_bytes per session, by session index.
  std::unique_ptr<uint8_t[]> compare_memory_;
  std::vector<uint8_t*> free_heads_;
  std::vector<int32_t> head_client_;  // by head buffer: the client slot holding it
  size_t head_index(const uint8_t* buf) const {
    return static_cast<size_t>(buf - head_memory_.data()) / http_limits_.max_head_bytes;
  }
  std::unique_ptr<ClientShares> shares_;  // nullptr: no per-client limit (share 100%)

  Request cur_;  // the packet being handled and the request it completes (on_packet)
};

}  // namespace bulwark::inspect
