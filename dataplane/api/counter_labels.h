// Names of the slots of the stats segment's array counters (and of a top flow's state):
// the JSON keys and Prometheus label values of each slot. Spelled only here: the
// dataplane's enums that index these arrays stay where they are (proto/, features/,
// rules/lang/) and dataplane/stats/counter_labels_check.cc asserts that each table has
// one name per enum value; their *_name() functions read these tables. Readers of the
// segment (stats_reader, bulwark-control) need no dataplane header beyond api/.
#pragma once

#include <iterator>

#include "rules/lang/rule_model.h"

namespace bulwark::api {

// Slots reserved in the layout for each array (room to grow without a layout change).
inline constexpr unsigned kParseStatusSlots = 24;
inline constexpr unsigned kTimeoutClassSlots = 8;
inline constexpr unsigned kHttpAnomalySlots = 24;  // indexed by HttpAnomaly bit
inline constexpr unsigned kMethodSlots = 8;
inline constexpr unsigned kBlocklistKindSlots = 5;
inline constexpr unsigned kClearanceCheckSlots = 8;
inline constexpr unsigned kConsistencySignalSlots = 8;
inline constexpr unsigned kIntegrityCauseSlots = 16;
inline constexpr unsigned kSegmentRejectSlots = 12;
inline constexpr unsigned kPathSignSlots = 16;

// HTTP request methods counted one by one; the last slot takes every other method.
inline constexpr const char* kMethodNames[] = {"GET",   "POST", "PUT",     "DELETE",
                                               "PATCH", "HEAD", "OPTIONS", "other"};
// proto::ParseStatus (why a frame could not be parsed to L4; slot 0, "ok", is not a
// malformed frame and is not reported).
inline constexpr const char* kParseStatusNames[] = {"ok",
                                                    "truncated_ethernet",
                                                    "truncated_vlan",
                                                    "too_many_vlans",
                                                    "truncated_ipv4",
                                                    "bad_ipv4_version",
                                                    "bad_ipv4_ihl",
                                                    "bad_ipv4_length",
                                                    "truncated_ipv6",
                                                    "bad_ipv6_version",
                                                    "bad_ipv6_length",
                                                    "bad_ipv6_ext_header",
                                                    "truncated_tcp",
                                                    "bad_tcp_offset",
                                                    "truncated_udp",
                                                    "bad_udp_length",
                                                    "ipv6_not_delivered"};
// proto::TimeoutClass (one LRU list and idle timeout each).
inline constexpr const char* kTimeoutClassNames[] = {"closed", "embryonic", "closing", "udp",
                                                     "established"};
// proto::FlowState (a top flow's state).
inline constexpr const char* kFlowStateNames[] = {"udp",      "syn_sent", "syn_recv", "established",
                                                  "fin_wait", "closing",  "closed"};
// proto::HttpAnomaly, by bit number.
inline constexpr const char* kHttpAnomalyNames[] = {
    "cl_and_te",        "duplicate_cl",     "conflicting_cl",  "bad_cl",
    "bad_te",           "bad_chunk_size",   "bare_lf",         "nul_in_head",
    "long_line",        "head_too_large",   "obs_fold",        "space_before_colon",
    "bad_header_name",  "bad_request_line", "bad_status_line", "too_many_headers",
    "bad_chunk_end",    "multiple_host",    "missing_host",    "pipeline_overflow",
    "odd_request_line", "h2c_preface",      "bad_version"};
// api::IntegrityCause: why inspection of a connection stopped (integrity_policy.h).
inline constexpr const char* kIntegrityCauseNames[] = {
    "request_parse", "response_parse", "reassembly_limit", "h2c",
    "tunnel",        "urgent",         "insertion",        "conflict",
    "midstream",     "fragment",       "sessions_full",    "idle_reclaimed",
    "client_share",  "body_unscanned", "tls_unread"};
// proto::PathFlags, by bit number: what normalising a request's path had to undo.
inline constexpr const char* kPathSignNames[] = {
    "percent_encoded", "bad_percent",    "dot_segments",   "double_slash",
    "backslash",       "above_root",     "encoded_slash",  "nul",
    "path_params",     "double_encoded", "unicode_escape", "overlong_utf8"};
// inspect::SegmentReject: TCP segments on inspected connections that the receiving stack
// would not accept, so inspection does not either.
inline constexpr const char* kSegmentRejectNames[] = {
    "bad_checksum", "rst_not_at_edge", "syn_in_session", "ttl_below_path",
    "no_ack",       "ack_unsent",      "syn_data",       "syn_fin",
    "wrong_port",   "old_ack",         "out_of_window",  "paws"};
// blocklist::BlockKind: what a block-list entry matched.
inline constexpr const char* kBlocklistKindNames[] = {"address", "fingerprint", "api_key",
                                                      "user_agent", "session"};
// challenge::ClearanceCheck: the result of checking a clearance cookie.
inline constexpr const char* kClearanceCheckNames[] = {
    "valid", "missing", "malformed", "unknown_key", "expired", "bad_mac", "no_work"};
// rules::Signal: what contradicts a request's browser claim (also the keys of the rule
// files' consistency weights).
inline constexpr const auto& kConsistencySignalNames = rules::kSignalNames;

static_assert(std::size(kMethodNames) == kMethodSlots);
static_assert(std::size(kParseStatusNames) <= kParseStatusSlots);
static_assert(std::size(kTimeoutClassNames) <= kTimeoutClassSlots);
static_assert(std::size(kHttpAnomalyNames) <= kHttpAnomalySlots);
static_assert(std::size(kBlocklistKindNames) <= kBlocklistKindSlots);
static_assert(std::size(kClearanceCheckNames) <= kClearanceCheckSlots);
static_assert(std::size(kConsistencySignalNames) <= kConsistencySignalSlots);
static_assert(std::size(kIntegrityCauseNames) <= kIntegrityCauseSlots);
static_assert(std::size(kSegmentRejectNames) <= kSegmentRejectSlots);
static_assert(std::size(kPathSignNames) <= kPathSignSlots);

// `names[i]` if i is in range, else "unknown" (for the *_name() functions).
template <unsigned N>
constexpr const char* label_name(const char* const (&names)[N], unsigned i) {
  return i < N ? names[i] : "unknown";
}

}  // namespace bulwark::api
