// What the inspection core calls: one worker's Pipeline (its stages, in order; see
// stage.h) and the FeatureSet that makes pipelines and holds the features' main-lcore
// parts. Both are made by dataplane/features/pipeline.cc, the one file that names every
// feature; the core includes only this interface. One virtual call per hook and message;
// the stages behind it are called directly (stage_list.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/inspect/main_part.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::rules {
struct Bundle;
}  // namespace bulwark::rules

namespace bulwark::inspect {

struct ActiveRules;

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual bool init(std::string& error) = 0;
  virtual void open(Session& s) = 0;
  virtual void request_head(Request& r) = 0;
  virtual void request_body(Request& r, const uint8_t* data, size_t len) = 0;
  virtual void request_end(Request& r) = 0;
  virtual void response_head(Request& r) = 0;
  virtual void response_body(Request& r, const uint8_t* data, size_t len) = 0;
  virtual void response_end(Request& r) = 0;
  virtual void anomaly(Request& r, uint32_t anomalies) = 0;
  virtual void new_rules(Request& r) = 0;
  virtual void end(Session& s, End why, const Request* r) = 0;
  // TLS connections: the first packet (true: it goes on; false: it was stopped), then
  // the client's bytes (the client_hello hooks run when a stage set r.hello).
  virtual bool tls_start(Request& r) = 0;
  virtual void tls_bytes(Request& r, const uint8_t* data, uint32_t len) = 0;
  // Some stage's buffer of `pool` is held by the connection.
  virtual bool holds(const Session& s, SharedPool pool) const = 0;
  virtual void rules_swapped() = 0;
  virtual void publish(uint64_t now_tsc) = 0;
};

class FeatureSet {
 public:
  virtual ~FeatureSet() = default;
  // The features' main-lcore parts (registered when the set is made).
  virtual MainParts& parts() = 0;
  // One worker's pipeline (its stages find their main-lcore parts in parts()).
  virtual std::unique_ptr<Pipeline> make_pipeline(const StageEnv& env) = 0;
  // Each stage's state for a new rule set, into rules.parts (off the workers).
  virtual bool prepare(ActiveRules& rules, const PrepareEnv& env, std::string& error) = 0;
};

// features/pipeline.cc: the features this dataplane runs.
std::unique_ptr<FeatureSet> make_features();

}  // namespace bulwark::inspect
