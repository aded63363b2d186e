// Counter list of a worker's stats block (api::WorkerStats): each counter's field, JSON
// path (under "worker[i]" and, summed, "total") and Prometheus series (summed over
// workers unless per_worker). Written by that worker only.
//
// An X-macro list, not a header: whoever includes it defines BULWARK_COUNTER(field,
// meta...) and BULWARK_COUNTER_ARRAY(field, slots, meta...) first (stats_layout.h
// declares the fields, counter_tables.cc builds the CounterDef table). A macro because
// one list must yield both struct members, which a constexpr table cannot declare, and
// the table that describes them. `meta` is the designated initializers of a CounterMeta
// (counter_def.h). The order of the list is the order of the fields in the layout.
BULWARK_COUNTER(lcore_id, .json = "lcore", .in_total = false, .series = "bulwark_worker_lcore",
                .type = SeriesType::gauge, .per_worker = true,
                .help = "DPDK lcore the worker runs on")
// TSC cycles in polls that found work / found none.
BULWARK_COUNTER(busy_cycles, .json = "busy_cycles", .series = "bulwark_worker_busy_seconds_total",
                .per_worker = true, .scale = Scale::tsc_to_seconds,
                .help = "Time in polls that found packets")
BULWARK_COUNTER(idle_cycles, .json = "idle_cycles", .series = "bulwark_worker_idle_seconds_total",
                .per_worker = true, .scale = Scale::tsc_to_seconds,
                .help = "Time in polls that found none")
BULWARK_COUNTER(busy_loops, .json = "loop.busy_loops", .in_total = false,
                .series = "bulwark_worker_busy_loops_total", .per_worker = true,
                .help = "Poll iterations that found packets")
BULWARK_COUNTER(loop_max_cycles, .json = "loop.max_cycles", .in_total = false,
                .series = "bulwark_worker_loop_max_seconds", .type = SeriesType::gauge,
                .per_worker = true, .scale = Scale::tsc_to_seconds,
                .help = "Longest poll iteration")
// Rule swaps as this worker saw them: the first poll iteration that ran entirely on a
// newly swapped-in rule set (cold caches, new Hyperscan databases) is the swap's cost to
// the worker; workers never wait for a swap.
BULWARK_COUNTER(swaps_seen, .json = "loop.swaps_seen", .in_total = false,
                .series = "bulwark_worker_rule_swaps_total", .per_worker = true,
                .help = "Rule set swaps the worker has run through")
BULWARK_COUNTER(swap_loop_cycles_last, .json = "loop.swap_cycles_last", .in_total = false,
                .series = "bulwark_worker_swap_stall_seconds", .type = SeriesType::gauge,
                .per_worker = true, .scale = Scale::tsc_to_seconds,
                .help =
                    "First poll iteration on the newest rule set (what the last swap cost "
                    "the worker)")
BULWARK_COUNTER(swap_loop_cycles_max, .json = "loop.swap_cycles_max", .in_total = false,
                .series = "bulwark_worker_swap_stall_max_seconds", .type = SeriesType::gauge,
                .per_worker = true, .scale = Scale::tsc_to_seconds,
                .help = "Longest first poll iteration on a new rule set")
// Packets passed to / taken from other workers; lost because the hand-off ring was full.
BULWARK_COUNTER(handoff_out, .json = "handoff_out",
                .series = "bulwark_worker_handoff_packets_total", .label = {"direction", "out"},
                .per_worker = true,
                .help = "Packets passed to another worker (out) or taken from one (in)")
BULWARK_COUNTER(handoff_in, .json = "handoff_in", .series = "bulwark_worker_handoff_packets_total",
                .label = {"direction", "in"}, .per_worker = true)
BULWARK_COUNTER(handoff_drops, .json = "handoff_drops",
                .series = "bulwark_worker_handoff_drops_total", .per_worker = true,
                .help = "Packets lost because a hand-off ring was full")
BULWARK_COUNTER(policy_drops, .json = "policy_drops", .series = "bulwark_worker_policy_drops_total",
                .per_worker = true, .help = "Packets dropped by policy")
// L2-L4 classification of the packets this worker processed (owned packets).
BULWARK_COUNTER(ipv4, .json = "packets.ipv4", .series = "bulwark_packets_l3_total",
                .label = {"protocol", "ipv4"},
                .help = "Packets the workers processed, by network protocol")
BULWARK_COUNTER(ipv6, .json = "packets.ipv6", .series = "bulwark_packets_l3_total",
                .label = {"protocol", "ipv6"})
BULWARK_COUNTER(non_ip, .json = "packets.non_ip", .series = "bulwark_packets_l3_total",
                .label = {"protocol", "non_ip"})
BULWARK_COUNTER(vlan_tagged, .json = "packets.vlan_tagged",
                .series = "bulwark_packets_vlan_tagged_total",
                .help = "Packets with at least one VLAN tag")
BULWARK_COUNTER(tcp, .json = "packets.tcp", .series = "bulwark_packets_l4_total",
                .label = {"protocol", "tcp"},
                .help = "Packets the workers processed, by transport protocol")
BULWARK_COUNTER(udp, .json = "packets.udp", .series = "bulwark_packets_l4_total",
                .label = {"protocol", "udp"})
BULWARK_COUNTER(icmp, .json = "packets.icmp", .series = "bulwark_packets_l4_total",
                .label = {"protocol", "icmp"})
BULWARK_COUNTER(other_l4, .json = "packets.other_l4", .series = "bulwark_packets_l4_total",
                .label = {"protocol", "other"})
BULWARK_COUNTER(ipv4_fragments, .json = "packets.ipv4_fragments",
                .series = "bulwark_packets_fragments_total", .label = {"protocol", "ipv4"},
                .help = "IP fragments, by network protocol")
BULWARK_COUNTER(ipv6_fragments, .json = "packets.ipv6_fragments",
                .series = "bulwark_packets_fragments_total", .label = {"protocol", "ipv6"})
BULWARK_COUNTER(multi_segment_dropped, .json = "packets.multi_segment_dropped",
                .series = "bulwark_packets_multi_segment_dropped_total",
                .help =
                    "Frames received in several buffers that could not be joined into one "
                    "(larger than ports.mtu allows): dropped, since only a whole frame is "
                    "inspected")
BULWARK_COUNTER(ip_datagrams_reassembled, .json = "packets.reassembly.datagrams",
                .series = "bulwark_ip_reassembly_datagrams_total", .label = {"result", "whole"},
                .help =
                    "Fragmented IP datagrams (TCP) by what reassembly made of them: whole "
                    "(inspected and forwarded whole), too_large (larger than ports.mtu: "
                    "dropped, the box does not fragment again)")
BULWARK_COUNTER(ip_datagrams_too_large, .json = "packets.reassembly.too_large",
                .series = "bulwark_ip_reassembly_datagrams_total", .label = {"result", "too_large"})
BULWARK_COUNTER(ip_fragments_dropped, .json = "packets.reassembly.fragments_dropped",
                .series = "bulwark_ip_fragments_dropped_total",
                .help =
                    "IP fragments (TCP) dropped by reassembly: overlapping or duplicate, more "
                    "than 8 to a datagram, a bad header checksum, a full table, or incomplete "
                    "past fragments.timeout_ms")
BULWARK_COUNTER_ARRAY(malformed, kParseStatusSlots, .json = "malformed",
                      .series = "bulwark_packets_malformed_total", .slot_label = "reason",
                      .slot_names = kParseStatusNames, .first_slot = 1,
                      .help =
                          "Frames that could not be parsed down to L4 (bridged, or dropped "
                          "by policy), by reason")
// Flow table.
BULWARK_COUNTER(flows_active, .json = "flows.active", .series = "bulwark_flows_active",
                .type = SeriesType::gauge, .per_worker = true,
                .help = "Flows in the worker's table")
BULWARK_COUNTER(flows_capacity, .json = "flows.capacity", .series = "bulwark_flows_capacity",
                .type = SeriesType::gauge, .per_worker = true, .help = "Flow table size")
BULWARK_COUNTER(flows_created, .json = "flows.created", .series = "bulwark_flows_created_total",
                .per_worker = true, .help = "Flows created")
BULWARK_COUNTER(flows_expired, .json = "flows.expired", .series = "bulwark_flows_expired_total",
                .per_worker = true, .help = "Flows removed after their idle timeout")
BULWARK_COUNTER(flows_evicted, .json = "flows.evicted", .series = "bulwark_flows_evicted_total",
                .per_worker = true, .help = "Flows evicted because the table was full")
BULWARK_COUNTER(flows_evicted_established, .json = "flows.evicted_established",
                .series = "bulwark_flows_evicted_established_total", .per_worker = true,
                .help = "Established connections among the flows evicted")
BULWARK_COUNTER(flows_insert_failed, .json = "flows.insert_failed",
                .series = "bulwark_flows_insert_failed_total", .per_worker = true,
                .help = "Flows that found no room")
BULWARK_COUNTER(flows_midstream, .json = "flows.midstream",
                .series = "bulwark_flows_midstream_total", .per_worker = true,
                .help = "TCP flows picked up without their handshake")
BULWARK_COUNTER_ARRAY(flows_by_class, kTimeoutClassSlots, .json = "flows.by_class",
                      .series = "bulwark_flows_active_by_class", .type = SeriesType::gauge,
                      .per_worker = true, .slot_label = "class", .slot_names = kTimeoutClassNames,
                      .help = "Flows in the worker's table, by timeout class")
// HTTP inspection: inspected connections (sessions).
BULWARK_COUNTER(sessions_active, .json = "http.sessions_active",
                .series = "bulwark_http_sessions_active", .type = SeriesType::gauge,
                .help = "Inspected connections")
BULWARK_COUNTER(sessions_created, .json = "http.sessions_created",
                .series = "bulwark_http_sessions_created_total",
                .help = "Connections taken up for HTTP inspection")
BULWARK_COUNTER(sessions_exhausted, .json = "http.sessions_exhausted",
                .series = "bulwark_http_sessions_exhausted_total",
                .help = "Connections not inspected because no inspection session was free")
BULWARK_COUNTER(http_requests, .json = "http.requests",
                .series = "bulwark_http_requests_inspected_total",
                .help = "HTTP requests inspected, all methods")
BULWARK_COUNTER(http_responses, .json = "http.responses", .series = "bulwark_http_responses_total",
                .help = "HTTP responses inspected")
BULWARK_COUNTER_ARRAY(requests_by_method, kMethodSlots, .json = "http.requests_by_method",
                      .series = "bulwark_http_requests_total", .slot_label = "method",
                      .slot_names = kMethodNames, .help = "HTTP requests inspected, by method")
// Decisions on requests: no rule or only log rules (pass), enforced block / respond,
// log-action matches, monitor-mode matches (what would have been done), challenged,
// answered with a decoy.
BULWARK_COUNTER(verdict_pass, .json = "http.verdicts.pass",
                .series = "bulwark_http_request_verdicts_total", .label = {"verdict", "pass"},
                .help =
                    "HTTP requests by decision: passed, blocked (reset), answered by a rule, "
                    "challenged, answered with a decoy")
BULWARK_COUNTER(verdict_block, .json = "http.verdicts.block",
                .series = "bulwark_http_request_verdicts_total", .label = {"verdict", "block"})
BULWARK_COUNTER(verdict_respond, .json = "http.verdicts.respond",
                .series = "bulwark_http_request_verdicts_total", .label = {"verdict", "respond"})
BULWARK_COUNTER(verdict_log, .json = "http.verdicts.log",
                .series = "bulwark_rule_matches_by_kind_total", .label = {"kind", "log"},
                .help =
                    "Matches that did not decide: log rules, and rules in monitor mode (what "
                    "they would have done)")
BULWARK_COUNTER(verdict_monitor, .json = "http.verdicts.monitor",
                .series = "bulwark_rule_matches_by_kind_total", .label = {"kind", "monitor"})
BULWARK_COUNTER(verdict_challenge, .json = "http.verdicts.challenge",
                .series = "bulwark_http_request_verdicts_total", .label = {"verdict", "challenge"})
BULWARK_COUNTER(verdict_decoy, .json = "http.verdicts.decoy",
                .series = "bulwark_http_request_verdicts_total", .label = {"verdict", "decoy"})
BULWARK_COUNTER_ARRAY(anomalies, kHttpAnomalySlots, .json = "http.anomalies",
                      .series = "bulwark_http_anomalies_total", .slot_label = "anomaly",
                      .slot_names = kHttpAnomalyNames,
                      .help = "Requests and responses showing each anomaly")
BULWARK_COUNTER_ARRAY(path_signs, kPathSignSlots, .json = "http.path_signs",
                      .series = "bulwark_http_path_signs_total", .slot_label = "sign",
                      .slot_names = kPathSignNames,
                      .help =
                          "Requests whose path needed each normalisation step, or that servers "
                          "read differently (path parameters, double encoding, %u, overlong "
                          "UTF-8)")
BULWARK_COUNTER(anomaly_blocks, .json = "http.anomaly_blocks",
                .series = "bulwark_http_anomaly_blocks_total",
                .help = "Requests blocked by the request-smuggling (anomaly) policy")
BULWARK_COUNTER(rule_hits_total, .json = "http.rule_hits", .series = "bulwark_rules_matched_total",
                .help = "Rule matches of all rules, all actions and modes")
// Injected segments.
BULWARK_COUNTER(resets_sent, .json = "http.resets_sent", .series = "bulwark_resets_sent_total",
                .help = "TCP resets injected")
BULWARK_COUNTER(responses_sent, .json = "http.responses_sent",
                .series = "bulwark_responses_sent_total", .help = "HTTP responses injected")
BULWARK_COUNTER(inject_failures, .json = "http.inject_failures",
                .series = "bulwark_inject_failures_total",
                .help = "Resets and responses that could not be injected")
BULWARK_COUNTER(flows_blocked_packets, .json = "http.blocked_flow_packets",
                .series = "bulwark_blocked_flow_packets_total",
                .help = "Packets dropped because their connection was cut")
BULWARK_COUNTER(inspection_bypassed, .json = "http.inspection_bypassed",
                .series = "bulwark_http_inspection_bypassed_total",
                .help = "Connections no longer inspected")
// Detection integrity (integrity_policy.h): connections to inspected ports whose
// inspection stopped, by cause and by what the policy did.
BULWARK_COUNTER_ARRAY(integrity_cut, kIntegrityCauseSlots, .json = "integrity.cut",
                      .series = "bulwark_integrity_cuts_total", .slot_label = "cause",
                      .slot_names = kIntegrityCauseNames,
                      .help = "Connections cut (reset both ways) by the integrity policy, by cause")
BULWARK_COUNTER_ARRAY(
    integrity_pass, kIntegrityCauseSlots, .json = "integrity.uninspected",
    .series = "bulwark_uninspected_connections_total", .slot_label = "cause",
    .slot_names = kIntegrityCauseNames,
    .help = "Connections let through uninspected by the integrity policy, by cause")
BULWARK_COUNTER_ARRAY(integrity_inspect, kIntegrityCauseSlots, .json = "integrity.best_effort",
                      .series = "bulwark_integrity_best_effort_total", .slot_label = "cause",
                      .slot_names = kIntegrityCauseNames,
                      .help =
                          "Connections still inspected, as far as possible, after an integrity "
                          "cause (e.g. requests after a response that cannot be framed)")
BULWARK_COUNTER_ARRAY(segments_rejected, kSegmentRejectSlots, .json = "integrity.segments_rejected",
                      .series = "bulwark_tcp_segments_rejected_total", .slot_label = "reason",
                      .slot_names = kSegmentRejectNames,
                      .help =
                          "TCP segments of inspected connections that the receiving stack would "
                          "not accept: bad checksums are dropped, forged RST and SYN are "
                          "forwarded but change nothing")
BULWARK_COUNTER(events_dropped, .json = "http.events_dropped",
                .series = "bulwark_events_dropped_total", .label = {"where", "worker_ring"},
                .help = "Events lost, by where")
BULWARK_COUNTER(body_unscanned, .json = "http.body_unscanned",
                .series = "bulwark_http_body_unscanned_total",
                .help = "Requests whose body could not be scanned (no stream free)")
// TLS ClientHellos on TLS ports, by outcome: fingerprinted; not TLS; broken; larger than
// 16 KiB; connection ended or bypassed first; no buffer free for a hello that spans
// segments.
BULWARK_COUNTER(tls_sessions, .json = "tls.sessions", .series = "bulwark_tls_connections_total",
                .help = "Connections on TLS ports taken up for ClientHello inspection")
BULWARK_COUNTER(tls_hellos, .json = "tls.hellos", .series = "bulwark_tls_client_hellos_total",
                .label = {"result", "fingerprinted"},
                .help =
                    "Connections on TLS ports by what their first bytes were: a ClientHello "
                    "fingerprinted (JA3, JA4), not TLS, broken, too large, ended first, no "
                    "buffer")
BULWARK_COUNTER(tls_not_tls, .json = "tls.not_tls", .series = "bulwark_tls_client_hellos_total",
                .label = {"result", "not_tls"})
BULWARK_COUNTER(tls_malformed, .json = "tls.malformed", .series = "bulwark_tls_client_hellos_total",
                .label = {"result", "malformed"})
BULWARK_COUNTER(tls_too_large, .json = "tls.too_large", .series = "bulwark_tls_client_hellos_total",
                .label = {"result", "too_large"})
BULWARK_COUNTER(tls_incomplete, .json = "tls.incomplete",
                .series = "bulwark_tls_client_hellos_total", .label = {"result", "incomplete"})
BULWARK_COUNTER(tls_no_buffer, .json = "tls.no_buffer", .series = "bulwark_tls_client_hellos_total",
                .label = {"result", "no_buffer"})
BULWARK_COUNTER(tls_blocked, .json = "tls.blocked",
                .series = "bulwark_tls_connections_blocked_total",
                .help = "TLS connections cut at their ClientHello by a fingerprint rule")
// TCP reassembly (both directions of inspected connections).
BULWARK_COUNTER(reasm_delivered_bytes, .json = "reassembly.delivered_bytes",
                .series = "bulwark_tcp_reassembly_delivered_bytes_total",
                .help = "Stream bytes TCP reassembly delivered in order to inspection")
BULWARK_COUNTER(reasm_in_order, .json = "reassembly.in_order",
                .series = "bulwark_tcp_reassembly_in_order_segments_total",
                .help = "TCP segments that started at the next expected byte")
BULWARK_COUNTER(reasm_out_of_order, .json = "reassembly.out_of_order",
                .series = "bulwark_tcp_reassembly_out_of_order_segments_total",
                .help = "TCP segments held (fully or partly) for later")
BULWARK_COUNTER(reasm_retransmissions, .json = "reassembly.retransmissions",
                .series = "bulwark_tcp_reassembly_retransmissions_total",
                .help = "TCP segments entirely before the next expected byte (ignored)")
BULWARK_COUNTER(reasm_partial_retransmissions, .json = "reassembly.partial_retransmissions",
                .series = "bulwark_tcp_reassembly_partial_retransmissions_total",
                .help =
                    "TCP segments that started before the next expected byte (old part "
                    "trimmed)")
BULWARK_COUNTER(reasm_overlap_conflicts, .json = "reassembly.overlap_conflicts",
                .series = "bulwark_tcp_reassembly_overlap_conflicts_total",
                .help = "Overlapping TCP segments whose bytes differed")
BULWARK_COUNTER(reasm_retransmit_conflicts, .json = "reassembly.retransmit_conflicts",
                .series = "bulwark_tcp_reassembly_retransmit_conflicts_total",
                .help = "Retransmissions whose bytes differed from those already inspected")
BULWARK_COUNTER(reasm_retransmit_unverified, .json = "reassembly.retransmit_unverified",
                .series = "bulwark_tcp_reassembly_retransmit_unverified_total",
                .help =
                    "Retransmissions (partly) older than the compare ring holds: not "
                    "compared")
BULWARK_COUNTER(reasm_limit_hits, .json = "reassembly.limit_hits",
                .series = "bulwark_tcp_reassembly_limit_hits_total",
                .help = "Stream directions abandoned at the per-direction bound")
BULWARK_COUNTER(reasm_pool_exhausted, .json = "reassembly.pool_exhausted",
                .series = "bulwark_tcp_reassembly_pool_exhausted_total",
                .help = "Stream directions abandoned because no segment buffer was left")
BULWARK_COUNTER(reasm_out_of_window, .json = "reassembly.out_of_window",
                .series = "bulwark_tcp_reassembly_out_of_window_total",
                .help = "TCP segments too far ahead of the next expected byte (ignored)")
BULWARK_COUNTER(reasm_midstream, .json = "reassembly.midstream",
                .series = "bulwark_tcp_reassembly_midstream_total",
                .help = "Stream directions picked up without their SYN")
// Client identity: forwarding headers used, ignored (peer not a trusted proxy), cut short
// at an unusable hop.
BULWARK_COUNTER(forwarded_used, .json = "identity.forwarded_used",
                .series = "bulwark_client_forwarding_headers_total", .label = {"result", "used"},
                .help =
                    "Requests with X-Forwarded-For/Forwarded: client taken from it (trusted "
                    "proxy), ignored (peer not a trusted proxy: possibly spoofed), cut short "
                    "at a bad hop")
BULWARK_COUNTER(forwarded_untrusted, .json = "identity.forwarded_untrusted",
                .series = "bulwark_client_forwarding_headers_total",
                .label = {"result", "untrusted_peer"})
BULWARK_COUNTER(forwarded_malformed, .json = "identity.forwarded_malformed",
                .series = "bulwark_client_forwarding_headers_total",
                .label = {"result", "malformed"})
// Rate limits, by limit index in the active bundle (see RulesInfo::limit_ids): requests
// within the limit and over it (enforced or, in monitor mode, not).
BULWARK_COUNTER_ARRAY(limit_allowed, kMaxLimitSlots, .json = "limits.allowed",
                      .series = "bulwark_rate_limit_requests_total", .label = {"result", "allowed"},
                      .slot_key = SlotKey::limit_index, .slot_label = "limit",
                      .help =
                          "Requests counted by each rate limit: within it, or over it "
                          "(enforced or, in monitor mode, only reported)")
BULWARK_COUNTER_ARRAY(limit_exceeded, kMaxLimitSlots, .json = "limits.exceeded",
                      .series = "bulwark_rate_limit_requests_total",
                      .label = {"result", "exceeded"}, .slot_key = SlotKey::limit_index,
                      .slot_label = "limit")
// Rate-limit cells in use / available on this worker; freed or refused.
BULWARK_COUNTER(limit_keys, .json = "limits.keys", .series = "bulwark_rate_limit_keys",
                .type = SeriesType::gauge,
                .help = "Rate-limit cells in use (client keys being counted)")
BULWARK_COUNTER(limit_capacity, .json = "limits.capacity",
                .series = "bulwark_rate_limit_keys_capacity", .type = SeriesType::gauge,
                .help = "Rate-limit cells available")
BULWARK_COUNTER(limit_expired, .json = "limits.expired",
                .series = "bulwark_rate_limit_keys_removed_total", .label = {"why", "expired"},
                .help =
                    "Rate-limit cells freed because their bucket was full again (expired), "
                    "pushed out while the table was full (evicted), or requests that found "
                    "no cell")
BULWARK_COUNTER(limit_evicted, .json = "limits.evicted",
                .series = "bulwark_rate_limit_keys_removed_total", .label = {"why", "evicted"})
BULWARK_COUNTER(limit_insert_failed, .json = "limits.insert_failed",
                .series = "bulwark_rate_limit_keys_removed_total",
                .label = {"why", "insert_failed"})
// Global limits: reports sent to / applied from the other workers, reports lost (too many
// keys in a millisecond, or the ring to the aggregator full).
BULWARK_COUNTER(limit_reports_sent, .json = "limits.reports_sent",
                .series = "bulwark_rate_limit_reports_total", .label = {"result", "sent"},
                .help =
                    "Global limits: per-key counts workers sent, applied from other "
                    "workers, lost")
BULWARK_COUNTER(limit_reports_applied, .json = "limits.reports_applied",
                .series = "bulwark_rate_limit_reports_total", .label = {"result", "applied"})
BULWARK_COUNTER(limit_reports_dropped, .json = "limits.reports_dropped",
                .series = "bulwark_rate_limit_reports_total", .label = {"result", "dropped"})
// Requests (and TLS connections) stopped by the block list (manual entries and
// decisions), by what matched (blocklist::BlockKind).
BULWARK_COUNTER_ARRAY(blocklist_hits, kBlocklistKindSlots, .json = "blocklist_hits",
                      .series = "bulwark_blocklist_hits_total", .slot_label = "matched",
                      .slot_names = kBlocklistKindNames,
                      .help =
                          "Requests and TLS connections stopped by the block list, by what "
                          "matched")
// Login endpoints: requests seen, without a free capture buffer, without a username in
// their body, outcomes lost (ring to the main lcore full), outcome unknown because the
// failure text is in a compressed body.
BULWARK_COUNTER(login_requests, .json = "login.requests", .series = "bulwark_login_requests_total",
                .help = "Requests to login endpoints the workers saw")
BULWARK_COUNTER(login_no_buffer, .json = "login.no_buffer",
                .series = "bulwark_login_no_buffer_total",
                .help = "Login requests that found no free capture buffer")
BULWARK_COUNTER(login_no_username, .json = "login.no_username",
                .series = "bulwark_login_no_username_total",
                .help = "Login requests without a username in their body")
BULWARK_COUNTER(login_dropped, .json = "login.dropped",
                .series = "bulwark_login_outcomes_dropped_total",
                .help = "Login outcomes lost (ring to the main lcore full)")
BULWARK_COUNTER(login_body_encoded, .json = "login.body_encoded",
                .series = "bulwark_login_body_encoded_total",
                .help =
                    "Login outcomes not known because the failure text was in a compressed "
                    "body")
// Challenges answered with the page / the machine-readable 403 or 429; clearance cookies
// checked, by result (challenge::ClearanceCheck).
BULWARK_COUNTER(challenges_page, .json = "challenges.page", .series = "bulwark_challenges_total",
                .label = {"answer", "page"},
                .help =
                    "Challenges answered, by answer: the proof-of-work page (browsers) or "
                    "the machine-readable 403/429 (other clients)")
BULWARK_COUNTER(challenges_api, .json = "challenges.api", .series = "bulwark_challenges_total",
                .label = {"answer", "api"})
BULWARK_COUNTER_ARRAY(clearance_checks, kClearanceCheckSlots, .json = "challenges.clearance",
                      .series = "bulwark_clearance_checks_total", .slot_label = "result",
                      .slot_names = kClearanceCheckNames,
                      .help = "Clearance cookies checked on challenged requests, by result")
// Consistency: requests claiming a browser (scored), those at or over the threshold, and
// each contradiction seen (rules::Signal).
BULWARK_COUNTER(scored_requests, .json = "consistency.scored",
                .series = "bulwark_consistency_scored_total",
                .help = "Requests claiming a browser, scored by the consistency policy")
BULWARK_COUNTER(scored_over, .json = "consistency.over",
                .series = "bulwark_consistency_over_threshold_total",
                .help = "Scored requests at or over the policy's threshold")
BULWARK_COUNTER_ARRAY(score_signals, kConsistencySignalSlots, .json = "consistency.signals",
                      .series = "bulwark_consistency_signals_total", .slot_label = "signal",
                      .slot_names = kConsistencySignalNames,
                      .help = "Contradictions of a browser claim seen, by kind")
// Reads of enumeration-watched object endpoints reported to the main lcore / lost.
BULWARK_COUNTER(object_reads, .json = "objects.reads",
                .series = "bulwark_enumeration_object_reads_total", .label = {"result", "reported"},
                .help =
                    "Reads of object endpoints watched for enumeration: reported to the main "
                    "lcore, or lost (ring full)")
BULWARK_COUNTER(object_reads_dropped, .json = "objects.dropped",
                .series = "bulwark_enumeration_object_reads_total", .label = {"result", "lost"})
// API discovery: calls reported to the main lcore / lost (ring full); responses whose body
// was scanned for sensitive data / not (compressed, no stream, too large), bytes scanned,
// and confirmed sensitive-data matches (all classes).
BULWARK_COUNTER(api_records, .json = "api.calls", .series = "bulwark_api_calls_total",
                .label = {"result", "reported"},
                .help =
                    "API calls observed for the inventory: reported to the main lcore, or "
                    "lost (ring full)")
BULWARK_COUNTER(api_records_dropped, .json = "api.calls_lost", .series = "bulwark_api_calls_total",
                .label = {"result", "lost"})
BULWARK_COUNTER(api_scanned, .json = "api.scanned", .series = "bulwark_api_responses_total",
                .label = {"scan", "scanned"},
                .help =
                    "Responses by sensitive-data scanning: scanned, or not (compressed, no "
                    "stream free, over max_scan_bytes, rules changed)")
BULWARK_COUNTER(api_unscanned, .json = "api.unscanned", .series = "bulwark_api_responses_total",
                .label = {"scan", "unscanned"})
BULWARK_COUNTER(api_scan_bytes, .json = "api.scanned_bytes",
                .series = "bulwark_api_scanned_bytes_total",
                .help = "Response bytes scanned for sensitive data (heads and bodies)")
BULWARK_COUNTER(sensitive_matches, .json = "api.sensitive_matches",
                .series = "bulwark_sensitive_matches_total",
                .help = "Validated sensitive-data matches in responses, all classes")
// Method allow-list: requests to a listed endpoint with a method it does not serve,
// answered 405 (enforce mode) or only reported (monitor mode).
BULWARK_COUNTER(methods_refused, .json = "method_allowlist.refused",
                .series = "bulwark_method_allowlist_requests_total", .label = {"result", "refused"},
                .help =
                    "Requests with a method their endpoint does not serve: answered 405 "
                    "(refused), or only reported in monitor mode (monitored)")
BULWARK_COUNTER(methods_monitored, .json = "method_allowlist.monitored",
                .series = "bulwark_method_allowlist_requests_total",
                .label = {"result", "monitored"})
// By rule index in the active bundle (see RulesInfo::rule_ids).
BULWARK_COUNTER_ARRAY(rule_hits, kMaxRuleSlots, .json = "rules.hits",
                      .series = "bulwark_rule_hits_total", .slot_key = SlotKey::rule_index,
                      .slot_label = "rule",
                      .help = "Matches of the most-matched rules (top N by hits)")
