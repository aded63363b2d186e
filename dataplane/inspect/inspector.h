// Per-worker HTTP inspection: for TCP flows to a configured HTTP port, reassembles both
// directions, parses requests and responses, evaluates the active rules and enforces
// decisions before the packet that completes a request is forwarded: `block` drops it
// and resets both sides, `respond` sends the rule's response to the client and resets
// the server side, `log` forwards; monitor-mode rules only record. Every decision is an
// event. Everything is preallocated at start; nothing here allocates, locks or makes a
// syscall on the packet path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/features/blocklist/block_set.h"
#include "dataplane/features/challenge/clearance.h"
#include "dataplane/features/consistency/consistency.h"
#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/event.h"
#include "dataplane/inspect/http_session.h"
#include "dataplane/proto/client_hello.h"
#include "dataplane/proto/packet_info.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace bulwark::dp {
struct FlowEntry;
}  // namespace bulwark::dp

namespace bulwark::inspect {

// Shared by all workers; built by the main lcore.
struct InspectShared {
  std::atomic<inspect::ActiveRules*>* rules = nullptr;  // main: rw (swap); workers: ro
  rte_ring* events = nullptr;                           // workers: enqueue (MP); main: dequeue (SC)
  rte_mempool* event_pool = nullptr;                    // EventRecord buffers
  rte_mempool* mbufs = nullptr;                         // for injected segments
  // Global rate limits, by worker: limit_up[w] carries worker w's reports to the
  // aggregator (main lcore), limit_down[w] the other workers' reports to w. SP/SC.
  rte_ring* const* limit_up = nullptr;
  rte_ring* const* limit_down = nullptr;
  std::atomic<blocklist::BlockSet*>* blocks = nullptr;  // main: rw (swap); workers: ro
  rte_ring* const* logins = nullptr;   // [worker]: login outcomes to the main lcore (SP/SC)
  rte_ring* const* objects = nullptr;  // [worker]: object reads to the main lcore (SP/SC)
  rte_ring* const* api = nullptr;      // [worker]: observed API calls to the main lcore (SP/SC)
  std::atomic<challenge::ClearanceKeys*>* keys = nullptr;  // main: rw (rotation); workers: ro
  const std::atomic<uint64_t>* unix_s = nullptr;           // main: w (each poll); workers: r
};

// Segments to send after the handled packet: `reverse` ones go back out of the port
// the packet came in on, the others out of the port it was going to.
struct Injected {
  static constexpr unsigned kMax = 4;
  rte_mbuf* m[kMax];
  bool reverse[kMax];
  unsigned n = 0;
};

class Inspector : private proto::HttpHandler {
 public:
  // nullptr and `error` if memory for the pools cannot be had.
  static std::unique_ptr<Inspector> create(const api::DataplaneConfig& cfg, unsigned worker,
                                           const InspectShared& shared, api::WorkerStats* st,
                                           int socket, std::string& error);
  ~Inspector() override;

  // True if TCP packets between these ports are inspected (HTTP) or fingerprinted (TLS).
  bool is_http_port(uint16_t port) const { return http_port_[port]; }
  bool is_tls_port(uint16_t port) const { return tls_port_[port]; }
  // Handles one TCP packet of a tracked flow (`dir`: the packet's direction in the flow
  // key). Returns false if the packet must be dropped; fills `out` with segments to send.
  bool on_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m, unsigned dir,
                 uint64_t now, Injected& out);
  // The flow is going away (expired, evicted): its session returns to the pool.
  void on_flow_removed(dp::FlowEntry& e);
  // Housekeeping (about every millisecond): exchanges global rate-limit reports, sweeps
  // idle rate-limit cells, copies counters into the stats block.
  void publish();
  // The worker saw a new rule set: per-rule hit counters are by rule index, so they
  // start again from zero for the new set.
  void rules_swapped();
  // Generation of the rule set now published to workers (0: none): one atomic load.
  uint64_t rules_generation() const {
    const inspect::ActiveRules* r =
        shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
    return r ? r->generation : 0;
  }

 private:
  Inspector() : proto::HttpHandler() {}
  // HttpHandler, called while feeding the current packet's bytes.
  void on_head(const proto::HttpHead& head) override;
  void on_body(const uint8_t* data, size_t len) override;
  void on_message_end() override;
  void on_anomaly(uint32_t anomalies, bool fatal) override;
  std::string_view request_method() override;
  uint8_t* acquire_head_buffer(uint32_t bytes) override;
  void release_head_buffer(uint8_t* buf) override;

  static void sink(void* ctx, const uint8_t* data, uint32_t len);
  // TLS (tls_inspect.cc): the client's in-order bytes until its ClientHello is parsed.
  void on_tls_bytes(HttpSession& s, const uint8_t* data, uint32_t len);
  void finish_hello(HttpSession& s, int status, const proto::ClientHello* hello);
  void release_hello_buffer(HttpSession& s);
  bool take_hello_buffer(HttpSession& s);
  void decide_hello(HttpSession& s, const proto::ClientHello& hello);
  void count_rule_hit(uint32_t rule);
  HttpSession* session_for(dp::FlowEntry& e, const proto::PacketInfo& info, unsigned dir);
  void release(HttpSession& s, uint32_t index);
  void end_scan(HttpSession& s);
  // Records the matched rules and carries out the decisive one. `final`: this is the
  // request's verdict (false while its body is still to be scanned).
  void decide(const signatures::Verdict& v, const proto::HttpHead* head, bool final);
  // Counts the request against each rate limit whose selector matched; carries out the
  // first one it exceeds in enforce mode. True if the request was stopped.
  bool apply_limits(const signatures::Verdict& v, const proto::HttpHead& head);
  // Login endpoints (login_track.cc): a request to one starts tracking, its body gives
  // the username, its response the outcome, which goes to the main lcore's detector.
  // True if the request is to a login endpoint (then followed to its outcome).
  bool start_login(HttpSession& s, const proto::HttpHead& head, std::string_view path);
  // The login guard (credential stuffing's challenge_unknown): true if it challenged.
  bool guard_login(HttpSession& s, const proto::HttpHead& head, const blocklist::BlockSet* blocks);
  void login_body(HttpSession& s, const uint8_t* data, size_t len);
  void login_request_end(HttpSession& s);
  void login_response_head(HttpSession& s, const proto::HttpHead& head);
  void login_response_body(HttpSession& s, const uint8_t* data, size_t len);
  void finish_login(HttpSession& s, login_guard::LoginOutcome outcome, uint16_t status);
  void drop_login(HttpSession& s);
  // The connection is cut, bypassed or gone: an attempt sent is recorded as unknown,
  // one not sent forgotten; the capture buffer goes back.
  void end_login(HttpSession& s);
  // Enumeration (object_track.cc): reports a read of an object endpoint.
  void observe_objects(const proto::HttpHead& head, std::string_view path);
  // Response volume of reads whose entry counts it: the response's head starts the
  // count, its end reports it (object_track.cc).
  void volume_response_head(HttpSession& s);
  void volume_response_end(HttpSession& s);
  // The current request's client key `key` (decision key, prefix length, text for
  // events); false if the key is not one here.
  bool client_key(rules::KeyPart key, inspect::DecisionKey& out, uint8_t& bits, char* text,
                  size_t cap) const;
  // API discovery (api_track.cc): a forwarded request starts a record, its response's
  // head and body complete it (scanned for sensitive data), its end reports it.
  void api_request(HttpSession& s, const proto::HttpHead& head,
                   const signatures::RequestView& view);
  void api_response_head(HttpSession& s, const proto::HttpHead& head);
  void api_response_body(HttpSession& s, const uint8_t* data, size_t len);
  // Ends the scan (`count`: its matches count) and returns the stream.
  void api_stop_scan(HttpSession& s, bool count);
  // Reports the call followed, as far as it got.
  void api_finish(HttpSession& s);
  // Forgets it (the request was stopped: the origin never answers it).
  void api_drop(HttpSession& s);
  // Stops the request or connection an entry of the block list matched.
  void enforce_block(const blocklist::BlockMatch& b, const proto::HttpHead* head,
                     const proto::ClientHello* hello, bool tls = false);
  void limit_key_text(const rules::CompiledRule& limit, char* out, size_t cap) const;
  void exchange_limit_reports(uint64_t now);
  // Cuts the connection at the current packet: the client gets `response` (with FIN)
  // or, if it is empty, a RST; the server side a RST.
  void cut(std::string_view response);
  void event(EventType type, uint32_t rule, uint8_t action, uint8_t mode, bool enforced,
             uint32_t anomalies, uint16_t status, const proto::HttpHead* head,
             const proto::ClientHello* hello = nullptr);
  void apply_anomaly_policy(uint32_t anomalies, const proto::HttpHead* head);
  // Challenges (challenge.cc). clearance_ok: the request's bw_clear cookie is valid for
  // this client (checked once per request). send_challenge: answers with the page or the
  // machine-readable 403/429 and cuts. apply_consistency: scores a browser claim and
  // carries out the policy; true if the request was stopped.
  bool clearance_ok(const proto::HttpHead& head);
  void send_challenge(const proto::HttpHead& head, ChallengeCause cause, uint32_t rule,
                      uint32_t retry_s, bool report);
  bool apply_consistency(const proto::HttpHead& head);
  // Wall-clock seconds as the main lcore last published them (one clock for all
  // workers: a clearance made on one is checked on another).
  uint64_t unix_now() const {
    return shared_.unix_s ? shared_.unix_s->load(std::memory_order_relaxed) : 0;
  }
  bool inject(bool reverse, uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload);

  // Configuration.
  std::vector<bool> http_port_ = std::vector<bool>(65536, false);
  std::vector<bool> tls_port_ = std::vector<bool>(65536, false);
  bool tls_events_ = false;
  api::LimitPolicy on_limit_ = api::LimitPolicy::pass;
  api::AnomalyPolicy smuggling_ = api::AnomalyPolicy::block;
  uint32_t rule_hits_used_ = 0;  // rule_hits slots written since the last swap
  unsigned worker_ = 0;
  InspectShared shared_;
  api::WorkerStats* st_ = nullptr;
  proto::HttpLimits http_limits_;

  // Pools (allocated at start).
  std::vector<proto::Segment> segment_memory_;
  std::unique_ptr<proto::SegmentPool> segments_;
  std::unique_ptr<proto::Reassembler> reasm_;
  std::vector<std::unique_ptr<HttpSession>> sessions_;
  uint32_t free_session_ = kNoSession;
  uint32_t sessions_active_ = 0;
  std::vector<uint8_t> head_memory_;
  std::vector<uint8_t*> free_heads_;
  std::vector<char> path_buffer_;
  std::vector<char> api_head_buffer_;  // a response's header lines, for the sensitive-data scan
  // ClientHellos that span segments are gathered here (kHelloBuffers per worker).
  static constexpr unsigned kHelloBuffers = 64;
  static constexpr size_t kHelloBufferBytes = 20480;  // 16 KiB of hello plus record headers
  std::vector<uint8_t> hello_memory_;
  std::vector<uint16_t> free_hellos_;
  std::vector<uint64_t> hello_since_;   // [buffer]: TSC when taken
  std::vector<uint32_t> hello_owner_;   // [buffer]: session index
  uint64_t hello_hold_ticks_ = 0;       // a buffer may be reclaimed after this long (1 s)
  std::vector<uint8_t> hello_scratch_;  // the parser joins record fragments here
  // Rate limits (nullptr if inspect.limit_keys is 0).
  std::unique_ptr<ratelimit::RateLimiter> limiter_;
  std::vector<ratelimit::LimitReport> reports_;  // report batch (fixed size)
  uint64_t tsc_hz_ = 0;
  uint32_t limits_used_ = 0;        // limit stats slots written since the last swap
  uint64_t lost_reports_ = 0;       // reports the ring to the aggregator had no room for
  unsigned limit_peers_ = 1;        // other workers sending reports
  identity::ClientIdentity ident_;  // the current request's client
  // Login request bodies are captured here (the first kLoginBufferBytes) for the username.
  static constexpr unsigned kLoginBuffers = 256;
  static constexpr unsigned kLoginBufferBytes = 4096;
  std::vector<uint8_t> login_memory_;
  std::vector<uint16_t> free_logins_;
  char limit_response_[512];       // a 429 answer, written per request
  char challenge_response_[1500];  // the challenge page or answer, written per request
  uint32_t rotate_s_ = 3600;       // clearance key rotation period
  // When each block-list entry last made an event (direct-mapped by entry id).
  struct BlockEventSlot {
    uint64_t id = 0, last_tsc = 0;
    uint32_t stopped = 0;  // requests stopped since that event
  };
  static constexpr unsigned kBlockEventSlots = 256;
  BlockEventSlot block_events_[kBlockEventSlots];
  BlockEventSlot guard_events_;  // login-guard challenges: one event per second

  // The packet being handled (valid during on_packet).
  struct Current {
    HttpSession* s = nullptr;
    const proto::PacketInfo* info = nullptr;
    const uint8_t* frame = nullptr;
    bool to_server = false;
    bool drop = false;
    Injected* out = nullptr;
    inspect::ActiveRules* rules = nullptr;
    uint64_t now = 0;
    const identity::ClientIdentity* ident = nullptr;  // set once a request's client is known
    uint32_t retry_after_s = 0;                       // for a rate_limit event
    uint32_t limit_denied = 0;                        // for a rate_limit event
    const char* limit_key = nullptr;                  // for a rate_limit event
    const blocklist::BlockMatch* block = nullptr;     // for a blocked event
    // The request's clearance (count_: not checked yet) and, for challenge and
    // consistency events, its score and why it was challenged.
    challenge::ClearanceCheck clearance = challenge::ClearanceCheck::count_;
    const consistency::ConsistencyScore* score = nullptr;
    ChallengeCause cause = ChallengeCause::rule;
    bool page = false;
  } cur_;
};

}  // namespace bulwark::inspect
