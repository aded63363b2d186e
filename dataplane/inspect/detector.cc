// The detector hub (see detector.h): rings per detector and worker, drained on the main
// lcore.
#include "dataplane/inspect/detector.h"

#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/decision_list.h"

namespace bulwark::inspect {

namespace {
constexpr unsigned kBatch = 32;  // records taken from a ring at a time
}  // namespace

DetectorHub::~DetectorHub() { stop(); }

bool DetectorHub::start(const MainParts& parts, unsigned workers, std::string& error) {
  size_t largest = 0;
  for (const auto& p : parts.all())
    if (auto* d = dynamic_cast<Detector*>(p.get())) detectors_.push_back(d);
  // The block list has room for every detector's decisions beside a full operator list.
  if (detectors_.size() > kMaxDetectors) {
    error = std::to_string(detectors_.size()) + " detectors; the block list makes room for " +
            std::to_string(kMaxDetectors) + " (inspect/block_set.h)";
    return false;
  }
  static_assert(DecisionList::kMax == 10000, "kMaxBlockSetEntries counts 10000 per detector");
  for (Detector* d : detectors_) {
    largest = std::max(largest, d->record_size());
    for (unsigned w = 0; w < workers; ++w) {
      const std::string name = std::string(d->name()) + "_" + std::to_string(w);
      rte_ring* r = rte_ring_create_elem(name.c_str(), static_cast<unsigned>(d->record_size()),
                                         d->ring_size(), static_cast<int>(rte_socket_id()),
                                         RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) {
        error = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
        return false;
      }
      d->rings_.push_back(r);
    }
  }
  batch_.resize(largest * kBatch);
  return true;
}

void DetectorHub::poll(const ActiveRules* rules, uint64_t now_unix,
                       std::vector<nlohmann::json>& events) {
  if (rules && rules->generation != generation_) {
    generation_ = rules->generation;
    for (Detector* d : detectors_) d->configure(*rules);
  }
  for (Detector* d : detectors_) {
    const size_t size = d->record_size();
    for (rte_ring* r : d->rings_) {
      unsigned n;
      while ((n = rte_ring_sc_dequeue_burst_elem(r, batch_.data(), static_cast<unsigned>(size),
                                                 kBatch, nullptr)) > 0)
        for (unsigned i = 0; i < n; ++i) d->add(batch_.data() + i * size, now_unix, events);
    }
  }
  for (Detector* d : detectors_) d->decisions().expire(now_unix);
}

bool DetectorHub::take_changed(uint64_t now_unix) {
  bool changed = false;
  for (Detector* d : detectors_) changed = d->take_changed(now_unix) || changed;  // ask each
  return changed;
}

void DetectorHub::block_list(nlohmann::json& msg, uint64_t now_unix) {
  for (Detector* d : detectors_) d->block_list(msg, now_unix);
}

void DetectorHub::publish(api::Header& h) {
  uint64_t made = 0, active = 0;
  for (Detector* d : detectors_) {
    made += d->decisions_made();
    active += d->decisions().active();
    d->publish(h);
  }
  h.decisions_total.set(made);
  h.decisions_active.set(active);
}

void DetectorHub::stop() {
  for (Detector* d : detectors_) {
    for (rte_ring* r : d->rings_) rte_ring_free(r);
    d->rings_.clear();
  }
  detectors_.clear();
}

}  // namespace bulwark::inspect
