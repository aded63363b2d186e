// API discovery on the main lcore (see api_observer.h).
#include "dataplane/features/discovery/api_observer.h"

#include "dataplane/inspect/active_rules.h"

namespace bulwark::discovery {
namespace {
constexpr unsigned kBatchesPerSecond = 8;  // early (full) batches a second at most
}  // namespace

bool ApiObserver::start(inspect::MainContext& ctx, std::string&) {
  header_ = &ctx.seg.header;
  to_control_ = ctx.to_control;
  return true;
}

void ApiObserver::configure(const inspect::ActiveRules& rules) {
  const rules::Bundle& b = *rules.bundle;
  extraction_.configure(b.discovery.extraction, rules.generation);
  batch_.set_classes(b.discovery.class_names, rules.generation);
}

void ApiObserver::add(const void* record, uint64_t now_unix, std::vector<nlohmann::json>& events) {
  const auto& r = *static_cast<const ApiRecord*>(record);
  if (now_unix != second_) {
    second_ = now_unix;
    sent_this_second_ = 0;
  }
  if (batch_.full() && sent_this_second_ < kBatchesPerSecond) {
    send(now_unix);
    ++sent_this_second_;
  }
  batch_.add(r);
  extraction_.add(r, now_unix, events);
}

void ApiObserver::poll(uint64_t now_unix) {
  const auto t = std::chrono::steady_clock::now();
  if (t - last_batch_ < std::chrono::seconds(1) || batch_.empty()) return;
  last_batch_ = t;
  send(now_unix);
}

void ApiObserver::send(uint64_t now_unix) {
  header_->api_batches.add(1);
  header_->api_batch_endpoints.add(batch_.lines());
  header_->api_batch_overflow.add(batch_.overflow());
  std::string line = batch_.take(now_unix);
  if (to_control_) to_control_(std::move(line));
}

}  // namespace bulwark::discovery
