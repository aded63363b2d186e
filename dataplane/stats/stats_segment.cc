// POSIX shm segment creation for the stats layout in control/api/stats_layout.h.
#include "dataplane/stats/stats_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>

namespace bulwark::dp {

bool StatsSegment::create(const std::string& name, unsigned workers, std::string& error) {
  if (name.size() < 2 || name[0] != '/' || name.find('/', 1) != std::string::npos) {
    error = "stats segment name '" + name + "' must look like /name (one leading slash)";
    return false;
  }
  // A previous run that was killed leaves its segment behind: replace it.
  shm_unlink(name.c_str());
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0644);
  if (fd < 0) {
    error = "cannot create stats segment " + name + ": " + std::strerror(errno);
    return false;
  }
  fchmod(fd, 0644);  // readable by the unprivileged control process whatever the umask
  if (ftruncate(fd, sizeof(api::Segment)) != 0) {
    error = "cannot size stats segment " + name + ": " + std::strerror(errno);
    close(fd);
    shm_unlink(name.c_str());
    return false;
  }
  void* p = mmap(nullptr, sizeof(api::Segment), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    error = "cannot map stats segment " + name + ": " + std::strerror(errno);
    shm_unlink(name.c_str());
    return false;
  }
  name_ = name;
  seg_ = new (p) api::Segment();
  auto& h = seg_->header;
  h.layout_version = api::kStatsLayoutVersion;
  h.segment_size = sizeof(api::Segment);
  h.worker_count = workers;
  h.pid = static_cast<uint32_t>(getpid());
  h.start_unix_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  h.state.store(static_cast<uint32_t>(api::RunState::starting), std::memory_order_relaxed);
  // Magic last: a reader that sees it sees an initialised header.
  std::atomic_thread_fence(std::memory_order_release);
  h.magic = api::kStatsMagic;
  return true;
}

StatsSegment::~StatsSegment() {
  if (seg_ == nullptr) return;
  munmap(seg_, sizeof(api::Segment));
  if (!keep_) shm_unlink(name_.c_str());
}

}  // namespace bulwark::dp
