// One read of an object endpoint (e.g. GET /api/v1/customers/{id}), passed by a worker to
// the main lcore's enumeration detector over an SP/SC ring (fixed size: a ring element);
// for entries that count response volume, the same record again once the response has
// ended, with `volume` set and the body's size.
#pragma once

#include <cstdint>

#include "dataplane/inspect/decision_list.h"

namespace bulwark::enumeration {

struct ObjectRecord {
  inspect::DecisionKey key;  // the client key the entry counts by (decision_list.h kinds)
  uint8_t bits;              // addresses: prefix length
  uint8_t endpoint;          // index in the bundle's enumeration entries
  uint8_t numeric;           // the id is a number (for sequential walks)
  uint8_t worker;
  uint8_t volume;       // a response's size (`bytes`), not a read
  uint32_t generation;  // of the rules whose entry index `endpoint` is (low 32 bits)
  uint64_t id_hash;     // of the id text (distinct counting)
  uint64_t id_value;    // the number, if numeric
  uint64_t bytes;       // volume records: response body bytes
  char key_text[48];    // for events: the address, fingerprint, or a digest prefix
};
static_assert(sizeof(ObjectRecord) % 8 == 0);

}  // namespace bulwark::enumeration
