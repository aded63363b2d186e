// One observed API call, passed by a worker to the main lcore over an SP/SC ring (fixed
// size: a ring element) once its response has ended (or the connection went away
// first). The main lcore folds records into the inventory batch it sends to
// bulwark-control and into the extraction detector.
#pragma once

#include <cstdint>

#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/inspect/decision_list.h"

namespace bulwark::discovery {

// Credentials a request carried (bits of ApiRecord::auth).
enum AuthBits : uint8_t { kAuthAuthorization = 1, kAuthApiKey = 2, kAuthSession = 4 };

struct ApiRecord {
  inspect::DecisionKey key;  // the extraction policy's client key (if has_key)
  uint8_t bits;              // addresses: prefix length
  uint8_t has_key;
  uint8_t worker;
  uint8_t status_class;  // 1..5 (1xx..5xx); 0: no response seen
  uint8_t auth;          // AuthBits
  uint8_t scanned;       // the body went through the sensitive-data scan
  uint8_t unscanned;     // it could not (compressed, no stream free, too large, rules changed)
  uint8_t ids;           // id segments in the path (distinct objects count them)
  uint16_t status;       // the response's status (0: none seen)
  uint32_t generation;   // low 32 bits of the rules generation the classes belong to
  uint64_t id_hash;      // of the template and the id values (0: no ids)
  uint64_t unix_s;
  uint64_t request_bytes, response_bytes;  // bodies
  uint16_t sensitive[kMaxClasses];         // confirmed matches by class
  char method[16];
  char content_type[48];  // response media type, lower-case, no parameters
  char host[64];          // lower-case, without a trailing dot
  char path[192];         // templated
  char query[128];        // parameter names, '&' between them (truncated at a whole name)
  char key_text[48];      // for events: the address, fingerprint, or a digest prefix
};
static_assert(sizeof(ApiRecord) % 8 == 0);

}  // namespace bulwark::discovery
