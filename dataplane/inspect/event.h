// Decision events travel from the workers to the main lcore as fixed-size records
// (taken from an rte_mempool, passed over a multi-producer rte_ring); the main lcore
// formats them as JSON lines and appends them to the events file. Workers never write
// files. Strings are truncated to their fields.
#pragma once

#include <cstdint>

namespace bulwark::inspect {

enum class EventType : uint8_t {
  rule = 0,          // a rule matched (any action and mode)
  smuggling,         // a request showed request-smuggling signs
  overlap_conflict,  // TCP data overlapped held data with different bytes
  integrity,         // inspection of a connection stopped: cause in `kind`, the policy's
                     // action in `action` (api::IntegrityAction), enforced when cut
  tls_client_hello,  // a ClientHello was fingerprinted (host: SNI; ja3, ja4)
  rate_limit,        // a key went over a rate limit (first request over it; rule: the limit)
  blocked,           // the block list stopped a request or TLS connection
  challenge,         // a request without a valid clearance was challenged
  consistency,       // a browser claim scored at or over the threshold (not challenged)
  feature,           // a feature's own event about a request: its type is `kind`, its own
                     // fields the JSON object text `extra` (see EventDetail)
};

// Why a request was challenged.
enum class ChallengeCause : uint8_t { rule = 0, limit, consistency, block_list, login_guard };

// What a stage adds to an event beyond the request itself (zero: not given).
struct EventDetail {
  uint64_t block_id = 0;            // blocked: the block-list entry
  uint8_t block_kind = 0;           // blocked: BlockKind
  uint32_t retry_after_s = 0;       // rate_limit
  uint32_t denied = 0;              // rate_limit, blocked, challenge: stopped since the last event
  const char* limit_key = nullptr;  // rate_limit: the key as text
  uint32_t score = 0;               // challenge, consistency: the consistency score
  uint8_t signals = 0;              // ... rules::Signal bits
  ChallengeCause cause = ChallengeCause::rule;  // challenge
  bool page = false;  // challenge: the page (else the machine-readable answer)
  // feature events: the event's type ("method_not_allowed") and its own fields as the
  // text of a JSON object (json_fields.h writes one without allocating).
  const char* kind = nullptr;
  const char* extra = nullptr;
};

struct EventRecord {
  uint64_t tsc;  // when (worker's TSC)
  uint64_t bundle_version;
  uint32_t rule_id;    // rule events
  uint32_t anomalies;  // HttpAnomaly bits
  uint16_t status;     // respond: the status sent
  uint16_t client_port, server_port;
  EventType type;
  uint8_t action;    // rules::Action; for smuggling: 0 block, 2 log
  uint8_t mode;      // rules::Mode
  uint8_t enforced;  // the action was carried out (enforce mode and not overridden)
  uint8_t family;    // 4 or 6
  uint8_t worker;
  uint8_t client_ip[16], server_ip[16];  // the packet's endpoints
  // The client as identified (a forwarding header from a trusted proxy), if it differs.
  uint8_t real_client_family;  // 0: the packet's client
  uint8_t real_client_ip[16];
  uint32_t retry_after_s;  // rate_limit
  uint32_t limit_denied;   // rate_limit: requests over the limit since the key's last event
  char limit_key[96];      // rate_limit: "api_key=3fa2..,client_ip=198.18.0.1"
  uint64_t block_id;       // blocked: the entry
  uint8_t block_kind;      // blocked: inspect::BlockKind
  uint32_t score;          // challenge, consistency: the consistency score (0: not scored)
  uint8_t signals;         // ... rules::Signal bits
  uint8_t clearance;       // challenge: challenge::ClearanceCheck of the request's cookie
  ChallengeCause cause;    // challenge
  uint8_t page;            // challenge: 1 the page, 0 the machine-readable answer
  char method[16];
  char rule_name[64];
  char host[96];
  char path[256];
  char user_agent[192];
  char ja3[33];  // tls_client_hello: JA3 MD5 (hex)
  char ja4[37];
  char kind[32];    // feature: the event's type
  char extra[192];  // feature: its own fields, the text of a JSON object
};

}  // namespace bulwark::inspect
