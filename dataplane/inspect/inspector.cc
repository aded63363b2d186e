// Per-worker HTTP inspection (see inspector.h).
#include "dataplane/inspect/inspector.h"

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "dataplane/features/signatures/request_view.h"
#include "dataplane/flow/flow_table.h"
#include "dataplane/inspect/tcp_inject.h"
#include "dataplane/proto/http_normalize.h"

namespace bulwark::inspect {
namespace {

// Signs that a chain of parsers could disagree about where a request ends: what the
// smuggling policy acts on.
constexpr uint32_t kSmugglingSigns =
    proto::kHttpCLandTE | proto::kHttpDuplicateCL | proto::kHttpConflictingCL | proto::kHttpBadCL |
    proto::kHttpBadTE | proto::kHttpBadChunkSize | proto::kHttpBareLF | proto::kHttpNulInHead |
    proto::kHttpLongLine | proto::kHttpHeadTooLarge | proto::kHttpObsFold |
    proto::kHttpSpaceBeforeColon | proto::kHttpBadChunkEnd;

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

// Identity without rules (block lists only): the defaults, built before any worker runs.
const rules::IdentityPolicy kDefaultIdentity;

// Keys a worker can report to the others per housekeeping pass (about 1 ms).
constexpr uint32_t kLimitReportSlots = 16384;

void count_anomalies(api::WorkerStats& st, uint32_t a) {
  for (unsigned bit = 0; a && bit < api::kHttpAnomalySlots; ++bit, a >>= 1)
    if (a & 1) st.anomalies[bit].add(1);
}

}  // namespace

std::unique_ptr<Inspector> Inspector::create(const api::DataplaneConfig& cfg, unsigned worker,
                                             const InspectShared& shared, api::WorkerStats* st,
                                             int socket, std::string& error) {
  std::unique_ptr<Inspector> in(new (std::nothrow) Inspector());
  if (!in) {
    error = "out of memory for the inspector";
    return nullptr;
  }
  for (uint16_t p : cfg.http_ports) in->http_port_[p] = true;
  for (uint16_t p : cfg.tls_ports) in->tls_port_[p] = true;
  in->tls_events_ = cfg.tls_events;
  in->on_limit_ = cfg.on_limit;
  in->smuggling_ = cfg.smuggling;
  in->worker_ = worker;
  in->http_limits_.max_head_bytes = cfg.http_max_head_bytes;
  in->http_limits_.max_line_bytes = cfg.http_max_line_bytes;
  in->shared_ = shared;
  in->st_ = st;
  try {
    // One segment more than the pool uses: held payload is scanned by Hyperscan in
    // place, and its AVX512VBMI matcher may read a little past the data (see
    // tests/fuzz/fuzz_sensitive_scan.cc); the last segment must not end the mapping.
    in->segment_memory_.resize(size_t{cfg.reassembly_segments} + 1);
    in->segments_ =
        std::make_unique<proto::SegmentPool>(in->segment_memory_.data(), cfg.reassembly_segments);
    proto::ReassemblyLimits lim;
    lim.max_held_bytes = cfg.reassembly_max_held_bytes;
    lim.max_held_segments = cfg.reassembly_max_held_segments;
    lim.max_window = cfg.reassembly_max_window;
    in->reasm_ = std::make_unique<proto::Reassembler>(*in->segments_, lim);
    if (!cfg.tls_ports.empty()) {
      in->hello_memory_.resize(kHelloBuffers * kHelloBufferBytes);
      for (unsigned b = 0; b < kHelloBuffers; ++b)
        in->free_hellos_.push_back(static_cast<uint16_t>(b));
      in->hello_scratch_.resize(proto::kMaxHelloBytes);
      in->hello_since_.assign(kHelloBuffers, 0);
      in->hello_owner_.assign(kHelloBuffers, 0);
      in->hello_hold_ticks_ = rte_get_tsc_hz();
    }
    in->sessions_.reserve(cfg.http_sessions);
    for (uint32_t i = 0; i < cfg.http_sessions; ++i) {
      in->sessions_.push_back(std::make_unique<HttpSession>(in->http_limits_));
      in->sessions_.back()->next_free = i + 1 < cfg.http_sessions ? i + 1 : kNoSession;
    }
    in->free_session_ = cfg.http_sessions ? 0 : kNoSession;
    // Heads that span segments are rare: one buffer per 16 sessions, at least 16.
    const uint32_t heads = std::max<uint32_t>(16, cfg.http_sessions / 16);
    in->head_memory_.resize(size_t{heads} * in->http_limits_.max_head_bytes);
    for (uint32_t i = 0; i < heads; ++i)
      in->free_heads_.push_back(in->head_memory_.data() +
                                size_t{i} * in->http_limits_.max_head_bytes);
    in->path_buffer_.resize(signatures::kPathBufferBytes);
    // 64 bytes more than used: Hyperscan's AVX512VBMI matcher may read a little past the
    // data (see tests/fuzz/fuzz_sensitive_scan.cc); packet buffers have room after them.
    in->api_head_buffer_.resize(8192 + 64);
    in->login_memory_.resize(size_t{kLoginBuffers} * kLoginBufferBytes);
    for (unsigned b = 0; b < kLoginBuffers; ++b)
      in->free_logins_.push_back(static_cast<uint16_t>(b));
    in->tsc_hz_ = rte_get_tsc_hz();
    in->rotate_s_ = cfg.challenge_rotate_s;
    if (cfg.limit_keys > 0) {
      in->limiter_ =
          ratelimit::RateLimiter::create("limits_" + std::to_string(worker), cfg.limit_keys,
                                         kLimitReportSlots, 10 * in->tsc_hz_, socket, error);
      if (!in->limiter_) return nullptr;
      in->reports_.resize(256);
      in->limit_peers_ = static_cast<unsigned>(std::max<size_t>(1, cfg.worker_cores.size() - 1));
      st->limit_capacity.set(cfg.limit_keys);
    }
  } catch (const std::bad_alloc&) {
    error =
        "not enough memory for " + std::to_string(cfg.http_sessions) + " inspection sessions and " +
        std::to_string(cfg.reassembly_segments) +
        " reassembly segments per worker (lower inspect.sessions / inspect.reassembly.segments)";
    return nullptr;
  }
  return in;
}

// Body streams belong to the rule set's pools and are freed with it: sessions only
// forget theirs.
Inspector::~Inspector() = default;

void Inspector::end_scan(HttpSession& s) {
  if (!s.scan_open) return;
  inspect::ActiveRules* rules =
      shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  if (rules && rules->generation == s.generation)
    rules->matchers[worker_]->abort(s.scan);  // back to the pool, reset
  else
    s.scan.stream = nullptr;  // its pool went with the replaced rule set
  s.scan_open = false;
}

HttpSession* Inspector::session_for(dp::FlowEntry& e, const proto::PacketInfo& info, unsigned dir) {
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
  if (free_session_ == kNoSession) {
    st_->sessions_exhausted.add(1);
    e.session = kSkipSession;
    return nullptr;
  }
  const uint32_t idx = free_session_;
  HttpSession* s = sessions_[idx].get();
  free_session_ = s->next_free;
  s->~HttpSession();
  new (s) HttpSession(http_limits_);
  proto::Reassembler::init(s->stream[0]);
  proto::Reassembler::init(s->stream[1]);
  s->client_dir = static_cast<uint8_t>(to_port ? dir : dir ^ 1u);
  s->tls = tls;
  s->index = idx;
  e.session = idx;
  ++sessions_active_;
  (tls ? st_->tls_sessions : st_->sessions_created).add(1);
  return s;
}

void Inspector::release(HttpSession& s, uint32_t index) {
  if (s.tls && !s.hello_done) st_->tls_incomplete.add(1);
  release_hello_buffer(s);
  end_login(s);
  if (s.volume.counting) volume_response_end(s);  // what was served before the end counts
  api_finish(s);
  s.requests.reset(*this);
  s.responses.reset(*this);
  end_scan(s);
  reasm_->release(s.stream[0]);
  reasm_->release(s.stream[1]);
  s.next_free = free_session_;
  free_session_ = index;
  --sessions_active_;
}

void Inspector::on_flow_removed(dp::FlowEntry& e) {
  if (e.session < kSkipSession) release(*sessions_[e.session], e.session);
  e.session = kNoSession;
}

void Inspector::sink(void* ctx, const uint8_t* data, uint32_t len) {
  auto* in = static_cast<Inspector*>(ctx);
  HttpSession& s = *in->cur_.s;
  if (s.cut || s.bypass) return;
  if (s.tls) {
    if (in->cur_.to_server) in->on_tls_bytes(s, data, len);
    return;
  }
  (in->cur_.to_server ? s.requests : s.responses).feed(data, len, *in);
}

bool Inspector::on_packet(dp::FlowEntry& e, const proto::PacketInfo& info, rte_mbuf* m,
                          unsigned dir, uint64_t now, Injected& out) {
  // A new connection on a reused tuple starts a fresh session.
  if ((info.tcp_flags & (proto::kTcpSyn | proto::kTcpAck)) == proto::kTcpSyn &&
      e.session != kNoSession) {
    if (e.session < kSkipSession) release(*sessions_[e.session], e.session);
    e.session = kNoSession;
  }
  if (e.session == kSkipSession) return true;
  HttpSession* s = e.session == kNoSession ? session_for(e, info, dir) : sessions_[e.session].get();
  if (s == nullptr) return true;
  if (s->cut) {
    st_->flows_blocked_packets.add(1);
    return false;
  }
  if (s->bypass) return true;
  if (s->tls && !s->address_checked) {
    // A TLS connection from a blocked address is cut at its first packet, whether or
    // not its ClientHello will parse (HTTP ones are checked per request, with identity).
    s->address_checked = true;
    const blocklist::BlockSet* blocks =
        shared_.blocks ? shared_.blocks->load(std::memory_order_acquire) : nullptr;
    const bool from_client = dir == s->client_dir;
    if (blocks) {
      if (const blocklist::BlockMatch* hit = blocks->match_address(
              from_client ? info.src : info.dst,
              static_cast<uint8_t>(info.l3 == proto::L3::ipv4 ? 4 : 16), now)) {
        cur_ = Current{};
        cur_.s = s;
        cur_.info = &info;
        cur_.frame = rte_pktmbuf_mtod(m, const uint8_t*);
        cur_.to_server = from_client;
        cur_.out = &out;
        cur_.now = now;
        enforce_block(*hit, nullptr, nullptr, true);
        return false;
      }
    }
  }
  inspect::ActiveRules* rules =
      shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  if (s->scan_open && (rules == nullptr || rules->generation != s->generation)) {
    // The request began under rules now replaced: its body goes unscanned and it passes.
    end_scan(*s);
    st_->body_unscanned.add(1);
    st_->verdict_pass.add(1);
  }
  cur_ = Current{};
  cur_.s = s;
  cur_.info = &info;
  cur_.frame = rte_pktmbuf_mtod(m, const uint8_t*);
  cur_.to_server = dir == s->client_dir;
  cur_.out = &out;
  cur_.rules = rules;
  cur_.now = now;
  const proto::SegmentOutcome o =
      reasm_->on_segment(s->stream[dir], info.tcp_seq, cur_.frame + info.payload_offset,
                         info.payload_len, info.tcp_flags, &Inspector::sink, this);
  if (o.conflict) event(EventType::overlap_conflict, 0, 0, 0, false, 0, 0, nullptr);
  if (o.limit && !s->cut) {
    event(EventType::reassembly_limit, 0, 0, 0, on_limit_ == api::LimitPolicy::drop, 0, 0, nullptr);
    if (on_limit_ == api::LimitPolicy::drop) {
      cut({});
    } else {
      s->bypass = true;
      end_login(*s);
      api_finish(*s);
      st_->inspection_bypassed.add(1);
    }
  }
  if (o.ended && !s->cut && !s->tls) (cur_.to_server ? s->requests : s->responses).finish(*this);
  if (s->tls && s->hello_done && !s->cut) {
    // Fingerprinted (or given up on): the rest is encrypted. The session and anything
    // reassembly still holds go back to the pools now, not when the flow ends.
    release(*s, e.session);
    e.session = kSkipSession;
  }
  return !cur_.drop;
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
  if (m == nullptr || !build_tcp_segment(m, cur_.frame, *cur_.info, spec)) {
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

// Cuts the connection at the current packet (dropped): the server side gets a RST in
// place of the packet; the client gets `response` (with FIN) or a RST.
void Inspector::cut(std::string_view response) {
  HttpSession& s = *cur_.s;
  s.cut = true;
  end_login(s);
  // A request stopped on its way never reached the origin; one cut while its answer
  // streams did (as far as it got).
  if (cur_.to_server)
    api_drop(s);
  else
    api_finish(s);
  cur_.drop = true;
  const proto::PacketInfo& i = *cur_.info;
  // A SYN takes a sequence number: a RST answering it acknowledges ISN + 1.
  const uint32_t seq = i.tcp_seq, ack = i.tcp_ack,
                 end = i.tcp_seq + i.payload_len + ((i.tcp_flags & proto::kTcpSyn) ? 1 : 0);
  const uint8_t rst = proto::kTcpRst | proto::kTcpAck;
  if (cur_.to_server) {
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

void Inspector::event(EventType type, uint32_t rule, uint8_t action, uint8_t mode, bool enforced,
                      uint32_t anomalies, uint16_t status, const proto::HttpHead* head,
                      const proto::ClientHello* hello) {
  void* obj = nullptr;
  if (shared_.event_pool == nullptr || rte_mempool_get(shared_.event_pool, &obj) != 0) {
    st_->events_dropped.add(1);
    return;
  }
  auto& e = *static_cast<EventRecord*>(obj);
  const proto::PacketInfo& i = *cur_.info;
  const HttpSession& s = *cur_.s;
  e.tsc = cur_.now;
  e.bundle_version = cur_.rules ? cur_.rules->bundle->version : 0;
  e.type = type;
  const bool names_rule = type == EventType::rule || type == EventType::rate_limit ||
                          (type == EventType::challenge && (cur_.cause == ChallengeCause::rule ||
                                                            cur_.cause == ChallengeCause::limit));
  e.rule_id = cur_.rules && names_rule ? cur_.rules->bundle->rules[rule].id : 0;
  e.anomalies = anomalies;
  e.status = status;
  e.action = action;
  e.mode = mode;
  e.enforced = enforced;
  e.family = static_cast<uint8_t>(i.l3);
  e.worker = static_cast<uint8_t>(worker_);
  const bool from_client = cur_.to_server;
  std::memcpy(e.client_ip, from_client ? i.src : i.dst, 16);
  std::memcpy(e.server_ip, from_client ? i.dst : i.src, 16);
  e.client_port = from_client ? i.sport : i.dport;
  e.server_port = from_client ? i.dport : i.sport;
  e.real_client_family = 0;
  if (cur_.ident && std::memcmp(cur_.ident->ip, e.client_ip, cur_.ident->ip_len) != 0) {
    e.real_client_family = cur_.ident->ip_len == 4 ? 4 : 6;
    std::memcpy(e.real_client_ip, cur_.ident->ip, 16);
  }
  e.block_id = cur_.block ? cur_.block->id : 0;
  e.block_kind = cur_.block ? static_cast<uint8_t>(cur_.block->kind) : 0;
  e.retry_after_s = cur_.retry_after_s;
  e.limit_denied = cur_.limit_denied;
  e.score = cur_.score ? cur_.score->score : 0;
  e.signals = cur_.score ? cur_.score->signals : 0;
  e.clearance = static_cast<uint8_t>(cur_.clearance);
  e.cause = cur_.cause;
  e.page = cur_.page ? 1 : 0;
  copy_field(e.limit_key, sizeof e.limit_key,
             cur_.limit_key ? std::string_view(cur_.limit_key) : std::string_view());
  copy_field(
      e.rule_name, sizeof e.rule_name,
      e.rule_id ? std::string_view(cur_.rules->bundle->rules[rule].name) : std::string_view());
  if (hello) {  // the connection, no request: only its SNI (as host)
    e.method[0] = e.path[0] = e.user_agent[0] = '\0';
    copy_field(e.host, sizeof e.host, hello->sni);
  } else if (head) {
    copy_field(e.method, sizeof e.method, head->method);
    copy_field(e.host, sizeof e.host, proto::host_without_port(head->header("host")));
    copy_field(e.path, sizeof e.path, proto::target_path(head->target));
    copy_field(e.user_agent, sizeof e.user_agent, head->header("user-agent"));
  } else if (type == EventType::rule || type == EventType::smuggling) {
    std::memcpy(e.method, s.summary.method, sizeof e.method);
    std::memcpy(e.host, s.summary.host, sizeof e.host);
    std::memcpy(e.path, s.summary.path, sizeof e.path);
    std::memcpy(e.user_agent, s.summary.user_agent, sizeof e.user_agent);
  } else {
    e.method[0] = e.host[0] = e.path[0] = e.user_agent[0] = '\0';
  }
  e.ja3[0] = e.ja4[0] = '\0';
  if (hello) {
    std::memcpy(e.ja3, s.ja3, sizeof e.ja3);
    std::memcpy(e.ja4, s.ja4, sizeof e.ja4);
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

// Records every matched rule and carries out the decisive one.
void Inspector::decide(const signatures::Verdict& v, const proto::HttpHead* head, bool final) {
  const rules::Bundle& b = *cur_.rules->bundle;
  for (unsigned k = 0; k < v.matched_count; ++k) {
    const uint32_t r = v.matched[k];
    const rules::CompiledRule& rule = b.rules[r];
    count_rule_hit(r);
    const bool enforced = static_cast<int32_t>(r) == v.decisive;
    // A challenge rule writes no rule event: when it decides, its challenge event names
    // it; when a valid clearance passes it, nothing happened (behind a challenge every
    // request of every cleared browser would otherwise be an event).
    if (rule.action == rules::Action::challenge && rule.mode == rules::Mode::enforce &&
        (enforced || cur_.clearance == challenge::ClearanceCheck::valid))
      continue;
    if (rule.mode == rules::Mode::monitor)
      st_->verdict_monitor.add(1);
    else if (rule.action == rules::Action::log)
      st_->verdict_log.add(1);
    event(EventType::rule, r, static_cast<uint8_t>(rule.action), static_cast<uint8_t>(rule.mode),
          enforced, head ? head->anomalies : 0, rule.status, head);
  }
  if (v.decisive < 0) {
    if (final) st_->verdict_pass.add(1);
    return;
  }
  const rules::CompiledRule& rule = b.rules[static_cast<size_t>(v.decisive)];
  if (rule.action == rules::Action::respond || rule.action == rules::Action::decoy) {
    (rule.action == rules::Action::decoy ? st_->verdict_decoy : st_->verdict_respond).add(1);
    cut(cur_.rules->responses[static_cast<size_t>(v.decisive)]);
  } else if (rule.action == rules::Action::challenge && head) {
    // Its event was recorded above (enforced); the challenge event says how it was answered.
    send_challenge(*head, ChallengeCause::rule, static_cast<uint32_t>(v.decisive), 0, true);
  } else {
    st_->verdict_block.add(1);
    cut({});
  }
}

void Inspector::apply_anomaly_policy(uint32_t anomalies, const proto::HttpHead* head) {
  const uint32_t signs = anomalies & kSmugglingSigns;
  if (!signs || !cur_.to_server) return;
  const bool block = smuggling_ == api::AnomalyPolicy::block;
  event(EventType::smuggling, 0, block ? 0 : 2, 0, block, signs, 0, head);
  if (block) {
    st_->anomaly_blocks.add(1);
    cut({});
  }
}

void Inspector::on_head(const proto::HttpHead& head) {
  HttpSession& s = *cur_.s;
  cur_.ident = nullptr;  // this request's client is not known yet
  cur_.clearance = challenge::ClearanceCheck::count_;
  count_anomalies(*st_, head.anomalies);
  if (!cur_.to_server) {
    st_->http_responses.add(1);
    if (head.status >= 200 || head.status == 101) {
      ++s.responses_seen;
      if (s.login.awaiting) login_response_head(s, head);
      if (s.volume.awaiting) volume_response_head(s);
      if (s.api.awaiting) api_response_head(s, head);
    }
    if ((head.status >= 200 || head.status == 101) && s.pending_count) {
      s.pending_head = static_cast<uint8_t>((s.pending_head + 1) % HttpSession::kPending);
      --s.pending_count;
    }
    if (head.upgrade) s.requests.to_tunnel(*this);  // 101 / CONNECT: no longer HTTP
    return;
  }
  st_->http_requests.add(1);
  ++s.requests_seen;
  st_->requests_by_method[method_slot(head.method)].add(1);
  if (s.pending_count < HttpSession::kPending) {
    const uint8_t code = head.method == "HEAD" ? 1 : head.method == "CONNECT" ? 2 : 0;
    s.pending[(s.pending_head + s.pending_count) % HttpSession::kPending] = code;
    ++s.pending_count;
  } else {
    st_->anomalies[__builtin_ctz(proto::kHttpPipelineOverflow)].add(1);
  }
  if (head.anomalies & kSmugglingSigns) {
    apply_anomaly_policy(head.anomalies, &head);
    if (s.cut) return;
  }
  const blocklist::BlockSet* blocks =
      shared_.blocks ? shared_.blocks->load(std::memory_order_acquire) : nullptr;
  if (cur_.rules == nullptr && blocks == nullptr) {
    st_->verdict_pass.add(1);
    return;
  }
  // Who the client is: with the rules' identity section, or the defaults without rules.

  const proto::PacketInfo& i = *cur_.info;
  // Clearances bind the fingerprint and user agent (consistency reads only the
  // fingerprint's text, which is there without its digest).
  constexpr uint8_t kClearanceParts = (1u << static_cast<unsigned>(rules::KeyPart::fingerprint)) |
                                      (1u << static_cast<unsigned>(rules::KeyPart::user_agent));
  const rules::Bundle* bundle = cur_.rules ? cur_.rules->bundle.get() : nullptr;
  identity::resolve_identity(
      bundle ? bundle->identity : kDefaultIdentity, head, i.src,
      static_cast<uint8_t>(i.l3 == proto::L3::ipv4 ? 4 : 16), std::string_view(),
      static_cast<uint8_t>(
          (bundle ? bundle->limit_parts | bundle->object_parts | bundle->discovery.key_parts : 0) |
          (blocks ? blocks->wants() : 0) | (bundle && bundle->challenges ? kClearanceParts : 0)),
      ident_);
  cur_.ident = &ident_;
  if (blocks) {
    const blocklist::BlockMatch* b = blocks->match(ident_, cur_.now);
    // A challenge entry lets a client with a valid clearance through.
    if (b && (b->action != blocklist::BlockAction::challenge || !clearance_ok(head))) {
      end_scan(s);
      enforce_block(*b, &head, nullptr);
      return;
    }
  }
  if (cur_.rules == nullptr) {
    st_->verdict_pass.add(1);
    return;
  }
  signatures::Matcher& m = *cur_.rules->matchers[worker_];
  switch (ident_.forwarded) {
    case identity::ForwardedStatus::used: st_->forwarded_used.add(1); break;
    case identity::ForwardedStatus::untrusted_peer: st_->forwarded_untrusted.add(1); break;
    case identity::ForwardedStatus::malformed: st_->forwarded_malformed.add(1); break;
    case identity::ForwardedStatus::none: break;
  }
  // Rules see the client as identified (through trusted proxies).
  const signatures::RequestView view =
      signatures::make_request_view(head, path_buffer_.data(), ident_.ip, ident_.ip_len);
  if (cur_.rules->bundle->discovery.enabled) api_request(s, head, view);
  if (!cur_.rules->bundle->logins.empty() && start_login(s, head, view.path) &&
      guard_login(s, head, blocks))
    return;
  if (!cur_.rules->bundle->objects.empty()) observe_objects(head, view.path);
  signatures::Verdict v;
  end_scan(s);  // a request cut short keeps no stream
  m.on_head(view, s.scan, v);
  // A challenge rule decides only for requests without a valid clearance; with one, the
  // next enforcing rule (if any) decides.
  const rules::Bundle& b = *cur_.rules->bundle;
  if (v.decisive >= 0 &&
      b.rules[static_cast<size_t>(v.decisive)].action == rules::Action::challenge &&
      clearance_ok(head))
    v.decisive = v.decisive_unchallenged;
  if (v.decisive < 0 && b.consistency.enabled && apply_consistency(head)) {
    s.generation = cur_.rules->generation;
    s.scan_open = m.wants_body();
    end_scan(s);
    if (v.matched_count) decide(v, &head, false);
    return;
  }
  if (v.decisive < 0 && v.limit_count && apply_limits(v, head)) {
    s.generation = cur_.rules->generation;
    s.scan_open = m.wants_body();
    end_scan(s);                                   // the stream on_head may have taken goes back
    if (v.matched_count) decide(v, &head, false);  // record log/monitor matches; no verdict
    return;
  }
  s.generation = cur_.rules->generation;
  s.scan_open = m.wants_body();
  if (s.scan_open && s.scan.stream == nullptr) st_->body_unscanned.add(1);
  if (s.scan_open && v.decisive < 0) {
    copy_field(s.summary.method, sizeof s.summary.method, head.method);
    copy_field(s.summary.host, sizeof s.summary.host, view.host);
    copy_field(s.summary.path, sizeof s.summary.path, view.path);
    copy_field(s.summary.user_agent, sizeof s.summary.user_agent, head.header("user-agent"));
  }
  if (v.decisive >= 0) end_scan(s);
  // With the body still to scan, matches so far are recorded now and the request's
  // verdict is counted once, at its end.
  if (v.decisive >= 0 || v.matched_count)
    decide(v, &head, !s.scan_open);
  else if (!s.scan_open)
    st_->verdict_pass.add(1);
}

// A limit's key as text for its event: each part, secrets as digest prefixes.
void Inspector::limit_key_text(const rules::CompiledRule& limit, char* out, size_t cap) const {
  using rules::KeyPart;
  size_t n = 0;
  out[0] = '\0';
  auto put = [&](const char* name, const char* value) {
    const int w = std::snprintf(out + n, cap - n, "%s%s=%s", n ? "," : "", name, value);
    if (w > 0) n = std::min(cap - 1, n + static_cast<size_t>(w));
  };
  for (unsigned p = 0; p < static_cast<unsigned>(KeyPart::count_); ++p) {
    if (!(limit.limit.parts & (1u << p))) continue;
    const KeyPart part = static_cast<KeyPart>(p);
    char text[64];
    char hex[17];
    switch (part) {
      case KeyPart::client_ip:
      case KeyPart::prefix: {
        const uint8_t* a = part == KeyPart::client_ip ? ident_.ip : ident_.prefix;
        inet_ntop(ident_.ip_len == 4 ? AF_INET : AF_INET6, a, text, sizeof text);
        if (part == KeyPart::prefix) {
          const size_t l = std::strlen(text);
          std::snprintf(text + l, sizeof text - l, "/%u", ident_.prefix_bits);
        }
        put(rules::key_part_name(part), text);
        break;
      }
      case KeyPart::api_key:
        identity::digest_hex(ident_.api_key, hex);
        put("api_key_sha256", hex);
        break;
      case KeyPart::session:
        identity::digest_hex(ident_.session, hex);
        put("session_sha256", hex);
        break;
      case KeyPart::fingerprint:
        copy_field(text, sizeof text, ident_.fingerprint_text);
        put("fingerprint", text);
        break;
      case KeyPart::user_agent:
        identity::digest_hex(ident_.user_agent, hex);
        put("user_agent_sha256", hex);
        break;
      case KeyPart::count_: break;
    }
  }
}

void Inspector::enforce_block(const blocklist::BlockMatch& b, const proto::HttpHead* head,
                              const proto::ClientHello* hello, bool tls) {
  st_->blocklist_hits[static_cast<unsigned>(b.kind)].add(1);
  tls = tls || hello != nullptr;
  // A TLS connection cannot be answered (challenge and decoy entries never match one).
  const bool challenge = b.action == blocklist::BlockAction::challenge && !tls && head;
  // A decoy answers with its policy's plausible success (while the rules that made it
  // are active; else, like respond, 403).
  const std::string_view decoy = b.action == blocklist::BlockAction::decoy && !tls && cur_.rules &&
                                         b.decoy < cur_.rules->decoys.size()
                                     ? std::string_view(cur_.rules->decoys[b.decoy])
                                     : std::string_view();
  const bool respond = (b.action == blocklist::BlockAction::respond ||
                        (b.action == blocklist::BlockAction::decoy && decoy.empty())) &&
                       !tls;
  // One event per entry and worker every 10 s, saying how many it stopped since: an
  // attack stopped by a decision must not become a flood of events.
  BlockEventSlot& slot = block_events_[b.id % kBlockEventSlots];
  if (slot.id != b.id) {  // another entry takes the slot: its clock goes on (per slot)
    slot.id = b.id;
    slot.stopped = 0;
  }
  ++slot.stopped;
  const bool report = slot.last_tsc == 0 || cur_.now - slot.last_tsc >= 10 * tsc_hz_;
  cur_.block = &b;
  cur_.limit_denied = slot.stopped;
  if (report) {
    slot.last_tsc = cur_.now ? cur_.now : 1;
    slot.stopped = 0;
  }
  if (challenge) {  // its challenge event stands for the blocked one
    send_challenge(*head, ChallengeCause::block_list, 0, 0, report);
    cur_.block = nullptr;
    cur_.limit_denied = 0;
    return;
  }
  if (report)
    event(EventType::blocked, 0,
          static_cast<uint8_t>(!decoy.empty() ? rules::Action::decoy
                               : respond      ? rules::Action::respond
                                              : rules::Action::block),
          0, true, head ? head->anomalies : 0,
          !decoy.empty() ? cur_.rules->decoy_status[b.decoy]
          : respond      ? 403
                         : 0,
          head, hello);
  cur_.block = nullptr;
  cur_.limit_denied = 0;
  if (!decoy.empty()) {
    st_->verdict_decoy.add(1);
    cut(decoy);
    return;
  }
  if (tls) {
    st_->tls_blocked.add(1);
    cut({});
    return;
  }
  if (respond) {
    char body[96];
    const int bl = std::snprintf(body, sizeof body, "{\"error\":\"blocked\",\"entry\":%llu}\n",
                                 static_cast<unsigned long long>(b.id));
    const int n = std::snprintf(limit_response_, sizeof limit_response_,
                                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                                "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                                bl, body);
    st_->verdict_respond.add(1);
    cut(std::string_view(limit_response_, static_cast<size_t>(n)));
  } else {
    st_->verdict_block.add(1);
    cut({});
  }
}

bool Inspector::apply_limits(const signatures::Verdict& v, const proto::HttpHead& head) {
  if (!limiter_) return false;
  const rules::Bundle& b = *cur_.rules->bundle;
  for (unsigned k = 0; k < v.limit_count; ++k) {
    const uint32_t r = v.limits[k];
    const rules::CompiledRule& rule = b.rules[r];
    ratelimit::LimitKey key;
    if (!identity::make_limit_key(rule.id, rule.limit.parts, ident_, key)) continue;
    const uint64_t interval =
        std::max<uint64_t>(1, tsc_hz_ * rule.limit.period_s / rule.limit.count);
    const ratelimit::LimitDecision d =
        limiter_->check(key, interval, interval * rule.limit.burst,
                        rule.limit.global && shared_.limit_up != nullptr, cur_.now);
    const uint32_t slot = rule.limit_index;
    if (slot < api::kMaxLimitSlots) {
      (d.allowed ? st_->limit_allowed : st_->limit_exceeded)[slot].add(1);
      limits_used_ = std::max(limits_used_, slot + 1);
    }
    if (d.allowed) continue;
    const bool enforce = rule.mode == rules::Mode::enforce && rule.action != rules::Action::log;
    const bool challenge = enforce && rule.action == rules::Action::challenge;
    if (challenge && clearance_ok(head)) continue;  // a cleared browser passes this limit
    const uint32_t retry_s = static_cast<uint32_t>((d.retry_after + tsc_hz_ - 1) / tsc_hz_);
    char text[96];
    if (d.report) {
      limit_key_text(rule, text, sizeof text);
      cur_.limit_key = text;
      cur_.retry_after_s = retry_s ? retry_s : 1;
      cur_.limit_denied = d.denied;
    }
    if (challenge) {  // its challenge event (with the key) stands for the rate_limit one
      send_challenge(head, ChallengeCause::limit, r, retry_s ? retry_s : 1, d.report);
      cur_.limit_key = nullptr;
      cur_.retry_after_s = cur_.limit_denied = 0;
      return true;
    }
    if (d.report) {
      event(EventType::rate_limit, r, static_cast<uint8_t>(rule.action),
            static_cast<uint8_t>(rule.mode), enforce, head.anomalies, 429, &head);
      cur_.limit_key = nullptr;
      cur_.retry_after_s = cur_.limit_denied = 0;
    }
    if (!enforce) continue;
    if (rule.action == rules::Action::respond) {
      // Machine-readable, with the wait in whole seconds (at least 1).
      const uint32_t wait = retry_s ? retry_s : 1;
      char body[160];
      const int bl = std::snprintf(body, sizeof body,
                                   "{\"error\":\"rate_limited\",\"limit\":%u,\"retry_after\":%u}\n",
                                   rule.id, wait);
      const int n =
          std::snprintf(limit_response_, sizeof limit_response_,
                        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                        "Retry-After: %u\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                        wait, bl, body);
      st_->verdict_respond.add(1);
      cut(std::string_view(limit_response_, static_cast<size_t>(n)));
    } else {
      st_->verdict_block.add(1);
      cut({});
    }
    return true;
  }
  return false;
}

void Inspector::exchange_limit_reports(uint64_t now) {
  // Other workers' allowed requests first, so this worker's cells are current: up to
  // 1024 reports per other worker per pass (what each collects below), so the ring
  // drains as fast as the others fill it.
  for (unsigned round = 0; round < 4 * limit_peers_; ++round) {
    const unsigned n = rte_ring_sc_dequeue_burst_elem(
        shared_.limit_down[worker_], reports_.data(), sizeof(ratelimit::LimitReport),
        static_cast<unsigned>(reports_.size()), nullptr);
    for (unsigned k = 0; k < n; ++k) limiter_->apply(reports_[k], now);
    if (n < reports_.size()) break;
  }
  for (unsigned round = 0; round < 4; ++round) {
    const unsigned n =
        limiter_->collect(reports_.data(), static_cast<unsigned>(reports_.size()), worker_);
    if (n == 0) break;
    const unsigned sent = rte_ring_sp_enqueue_burst_elem(
        shared_.limit_up[worker_], reports_.data(), sizeof(ratelimit::LimitReport), n, nullptr);
    lost_reports_ += n - sent;
  }
}

void Inspector::on_body(const uint8_t* data, size_t len) {
  HttpSession& s = *cur_.s;
  if (cur_.to_server && s.login.buf != UINT16_MAX)
    login_body(s, data, len);
  else if (!cur_.to_server && s.login.scanning)
    login_response_body(s, data, len);
  if (!cur_.to_server && s.volume.counting) s.volume.bytes += len;
  if (!cur_.to_server && s.api.responding) api_response_body(s, data, len);
  if (cur_.to_server && s.api.awaiting) s.api.rec.request_bytes += len;
  if (cur_.to_server && s.scan_open) cur_.rules->matchers[worker_]->on_body(s.scan, data, len);
}

void Inspector::on_message_end() {
  HttpSession& s = *cur_.s;
  if (cur_.to_server && s.login.endpoint != HttpSession::Login::kNone && !s.login.awaiting)
    login_request_end(s);
  else if (!cur_.to_server && s.login.scanning)
    finish_login(s, login_guard::LoginOutcome::success, s.login.rec.status);  // no failure text
  if (!cur_.to_server && s.volume.counting) volume_response_end(s);
  if (!cur_.to_server && s.api.responding) api_finish(s);
  if (!cur_.to_server || !s.scan_open || s.cut) return;
  signatures::Verdict v;
  cur_.rules->matchers[worker_]->end_body(s.scan, v);
  s.scan_open = false;
  decide(v, nullptr, true);
}

void Inspector::on_anomaly(uint32_t anomalies, bool fatal) {
  HttpSession& s = *cur_.s;
  count_anomalies(*st_, anomalies);
  apply_anomaly_policy(anomalies, nullptr);
  if (fatal && !s.cut) {  // the message boundary is lost: nothing more can be inspected
    s.bypass = true;
    end_login(s);
    if (s.volume.counting) volume_response_end(s);
    api_finish(s);
    st_->inspection_bypassed.add(1);
  }
}

std::string_view Inspector::request_method() {
  const HttpSession& s = *cur_.s;
  if (s.pending_count == 0) return "GET";
  switch (s.pending[s.pending_head]) {
    case 1: return "HEAD";
    case 2: return "CONNECT";
    default: return "GET";
  }
}

uint8_t* Inspector::acquire_head_buffer(uint32_t bytes) {
  if (bytes > http_limits_.max_head_bytes || free_heads_.empty()) return nullptr;
  uint8_t* b = free_heads_.back();
  free_heads_.pop_back();  // capacity reserved at start: never reallocates
  return b;
}

void Inspector::release_head_buffer(uint8_t* buf) { free_heads_.push_back(buf); }

void Inspector::rules_swapped() {
  for (uint32_t r = 0; r < rule_hits_used_; ++r) st_->rule_hits[r].set(0);
  rule_hits_used_ = 0;
  for (uint32_t l = 0; l < limits_used_; ++l) {
    st_->limit_allowed[l].set(0);
    st_->limit_exceeded[l].set(0);
  }
  limits_used_ = 0;
}

void Inspector::publish() {
  if (limiter_) {
    const uint64_t now = rte_rdtsc();
    if (shared_.limit_up && shared_.limit_down) exchange_limit_reports(now);
    limiter_->sweep(now, 256);
    const ratelimit::LimitCounters& l = limiter_->counters();
    st_->limit_keys.set(l.keys);
    st_->limit_expired.set(l.expired);
    st_->limit_evicted.set(l.evicted);
    st_->limit_insert_failed.set(l.insert_failed);
    st_->limit_reports_sent.set(l.reports_sent);
    st_->limit_reports_applied.set(l.reports_applied);
    st_->limit_reports_dropped.set(l.reports_dropped + lost_reports_);
  }
  const proto::ReassemblyCounters& c = reasm_->counters();
  st_->sessions_active.set(sessions_active_);
  st_->reasm_delivered_bytes.set(c.delivered_bytes);
  st_->reasm_in_order.set(c.in_order_segments);
  st_->reasm_out_of_order.set(c.out_of_order_segments);
  st_->reasm_retransmissions.set(c.retransmissions);
  st_->reasm_partial_retransmissions.set(c.partial_retransmissions);
  st_->reasm_overlap_conflicts.set(c.overlap_conflicts);
  st_->reasm_limit_hits.set(c.limit_hits);
  st_->reasm_pool_exhausted.set(c.pool_exhausted);
  st_->reasm_out_of_window.set(c.out_of_window);
  st_->reasm_midstream.set(c.midstream_starts);
}

}  // namespace bulwark::inspect
