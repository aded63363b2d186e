// Enumeration and scraping defence on the worker: a request whose path matches an
// entry's template (/api/v1/customers/{id}) is reported (ObjectRecord) to the main
// lcore's EnumerationDetector with its client key and object id; for entries that count
// response volume, the size of its response body follows once it has ended. The
// detector's decisions join the block list.
// Reads r.rules (the entries), r.view, r.ident, r.head. Writes nothing other stages
// read. Slot: the read whose response volume is being counted (one at a time).
#pragma once

#include "dataplane/features/enumeration/object_record.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::enumeration {

class EnumerationStage {
 public:
  explicit EnumerationStage(const inspect::StageEnv& env);
  void on_open(inspect::Session& s) { slots_[s] = Slot{}; }
  inspect::Next on_request_head(inspect::Request& r);
  void on_response_head(inspect::Request& r);
  void on_response_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_response_end(inspect::Request& r);
  void on_end(inspect::Session& s, inspect::End why, const inspect::Request* r);

 private:
  // A read of an entry that counts response bytes, until its response has ended (then
  // reported again with the body's size).
  struct Slot {
    ObjectRecord rec;
    uint32_t seq = 0;  // the request's number on the connection
    uint64_t bytes = 0;
    bool awaiting = false;  // request seen, response not yet
    bool counting = false;  // its response's body is being counted
  };
  void volume_end(Slot& v);

  api::WorkerStats* st_;
  unsigned worker_;
  inspect::Reporter<ObjectRecord> reporter_;
  inspect::SlotTable<Slot> slots_;
};

}  // namespace bulwark::enumeration
