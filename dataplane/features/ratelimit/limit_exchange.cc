// Global rate-limit reports between workers (see limit_exchange.h).
#include "dataplane/features/ratelimit/limit_exchange.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

namespace bulwark::ratelimit {
namespace {
constexpr unsigned kLimitRing = 65536;  // rate-limit reports in flight per worker and direction
}  // namespace

LimitExchange::~LimitExchange() { stop(); }

bool LimitExchange::start(inspect::MainContext& ctx, std::string& error) {
  header_ = &ctx.seg.header;
  if (ctx.cfg.limit_keys == 0 || ctx.workers < 2) return true;
  for (unsigned w = 0; w < ctx.workers; ++w)
    for (const char* dir : {"up", "down"}) {
      const std::string name = std::string("limit_") + dir + "_" + std::to_string(w);
      rte_ring* r =
          rte_ring_create_elem(name.c_str(), sizeof(LimitReport), kLimitRing,
                               static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) {
        error = "cannot create rate-limit ring " + name + ": " + rte_strerror(rte_errno);
        return false;
      }
      (dir[0] == 'u' ? up_ : down_).push_back(r);
    }
  batch_.resize(256);
  return true;
}

// Hands each worker's rate-limit reports to every other worker.
void LimitExchange::poll(uint64_t) {
  for (unsigned from = 0; from < up_.size(); ++from) {
    for (unsigned round = 0; round < 64; ++round) {
      const unsigned n =
          rte_ring_sc_dequeue_burst_elem(up_[from], batch_.data(), sizeof(LimitReport),
                                         static_cast<unsigned>(batch_.size()), nullptr);
      for (unsigned to = 0; to < down_.size(); ++to) {
        if (to == from || n == 0) continue;
        const unsigned sent = rte_ring_sp_enqueue_burst_elem(down_[to], batch_.data(),
                                                             sizeof(LimitReport), n, nullptr);
        header_->limit_merge_dropped.add(n - sent);
      }
      header_->limit_merged.add(n);
      if (n < batch_.size()) break;
    }
  }
}

void LimitExchange::stop() {
  for (rte_ring* r : up_) rte_ring_free(r);
  for (rte_ring* r : down_) rte_ring_free(r);
  up_.clear();
  down_.clear();
}

}  // namespace bulwark::ratelimit
