// One shape for behaviour that must be counted across workers (credential stuffing,
// enumeration, bulk extraction): each worker reports records of one kind over its own
// single-producer/single-consumer rte_ring (Reporter, on the worker); on the main lcore
// the DetectorHub drains every ring into the detector, which is configured with each new
// rule set, adds records, expires its windows and decisions, and hands its enforced
// decisions to the block list every worker reads (swapped in with RCU by the runtime).
// A detector is a main-lcore part (main_part.h), registered by features/pipeline.cc.
#pragma once

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataplane/api/stats_layout.h"
#include "dataplane/inspect/decision_list.h"
#include "dataplane/inspect/main_part.h"

namespace bulwark::inspect {

struct ActiveRules;

// Main lcore only (not thread-safe), except ring(): read by workers after start.
class Detector : public MainPart {
 public:
  // Ring names are "<name>_<worker>"; records are `record_size` bytes, `ring_size` of
  // them in flight per worker (a full ring drops the report: the worker counts it).
  virtual const char* name() const = 0;
  virtual size_t record_size() const = 0;
  virtual unsigned ring_size() const = 0;
  // A new rule set (its policy; records of older sets are dropped by generation).
  virtual void configure(const ActiveRules& rules) = 0;
  // One record from a worker; events it caused are appended.
  virtual void add(const void* record, uint64_t now_unix, std::vector<nlohmann::json>& events) = 0;
  virtual DecisionList& decisions() = 0;
  // True once after this detector's part of the block list changed (decisions, and
  // anything else it adds to the message).
  virtual bool take_changed(uint64_t /*now_unix*/) { return decisions().take_changed(); }
  // Its part of the block-list message: enforced decisions as entries, other keys.
  virtual void block_list(nlohmann::json& msg, uint64_t /*now_unix*/) {
    for (auto& e : decisions().block_entries()) msg["entries"].push_back(std::move(e));
  }
  // Decisions made so far (enforced or reported).
  virtual uint64_t decisions_made() { return decisions().made(); }
  // Its main-lcore counters into the stats header.
  virtual void publish(api::Header& /*h*/) {}

  // MainPart: rings are made by the hub; most detectors need nothing else.
  bool start(MainContext&, std::string&) override { return true; }
  void poll(uint64_t) override {}
  void stop() override {}

  // The ring worker `w` reports on (nullptr before the hub started).
  rte_ring* ring(unsigned w) const { return w < rings_.size() ? rings_[w] : nullptr; }

 private:
  friend class DetectorHub;
  std::vector<rte_ring*> rings_;  // [worker]: worker w produces, the main lcore consumes
};

// The worker's end of a detector's ring: enqueues one record, false if the ring is full
// (or there is no ring). No allocation, no lock (single producer).
template <class Record>
class Reporter {
 public:
  Reporter() = default;
  explicit Reporter(rte_ring* ring) : ring_(ring) {}
  bool report(const Record& rec) const {
    return ring_ != nullptr &&
           rte_ring_sp_enqueue_elem(ring_, const_cast<Record*>(&rec), sizeof rec) == 0;
  }

 private:
  rte_ring* ring_ = nullptr;
};

// Drives every detector on the main lcore.
class DetectorHub {
 public:
  ~DetectorHub();
  // Finds the detectors among `parts` and makes their rings. false and `error` if a ring
  // cannot be made.
  bool start(const MainParts& parts, unsigned workers, std::string& error);
  // Configures the detectors with `rules` if it is a new set (nullptr: keep the current
  // one), drains every ring into its detector and expires; events are appended.
  void poll(const ActiveRules* rules, uint64_t now_unix, std::vector<nlohmann::json>& events);
  // True if any detector's part of the block list changed (each one is asked).
  bool take_changed(uint64_t now_unix);
  // Every detector's part of the block-list message.
  void block_list(nlohmann::json& msg, uint64_t now_unix);
  // Decisions made and holding (all detectors) and each detector's counters.
  void publish(api::Header& h);
  void stop();

 private:
  std::vector<Detector*> detectors_;
  uint64_t generation_ = 0;  // of the rule set the detectors were configured with
  std::vector<uint8_t> batch_;
};

}  // namespace bulwark::inspect
