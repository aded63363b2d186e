// Rotating JSON-lines event file and followers (see event_log.h).
#include "control/event_log.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace bulwark::control {

std::string iso_time_now() {
  const auto now = std::chrono::system_clock::now();
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06uZ", static_cast<unsigned>(us % 1000000));
  return buf;
}

EventLog::~EventLog() {
  std::lock_guard<std::mutex> lock(mu_);
  if (f_) std::fclose(f_);
  for (auto& f : followers_) {
    std::lock_guard<std::mutex> fl(f->mu);
    f->closed = true;
    f->cv.notify_all();
  }
}

namespace {

// Opens `path` for appending, creating its directory; nullptr and `error` on failure.
std::FILE* open_append(const std::string& path, std::string& error) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) error = "cannot open events file " + path + ": " + std::strerror(errno);
  return f;
}

}  // namespace

bool EventLog::configure(const std::string& path, uint64_t rotate_bytes, unsigned keep,
                         std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (path != path_) {
    std::FILE* f = open_append(path, error);
    if (f == nullptr) return false;
    if (f_) std::fclose(f_);
    f_ = f;
    path_ = path;
    struct stat st {};
    size_ = stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  rotate_bytes_ = rotate_bytes;
  keep_ = std::max(1u, keep);
  return true;
}

bool EventLog::can_open(const std::string& path, std::string& error) {
  std::FILE* f = open_append(path, error);
  if (f) std::fclose(f);
  return f != nullptr;
}

void EventLog::rotate_locked() {
  std::fclose(f_);
  f_ = nullptr;
  std::error_code ec;
  std::filesystem::remove(path_ + "." + std::to_string(keep_), ec);
  for (unsigned i = keep_; i > 1; --i)
    std::filesystem::rename(path_ + "." + std::to_string(i - 1), path_ + "." + std::to_string(i),
                            ec);
  std::filesystem::rename(path_, path_ + ".1", ec);
  f_ = std::fopen(path_.c_str(), "a");
  size_ = 0;
  ++rotations_;
}

void EventLog::append(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (f_) {
    std::fwrite(line.data(), 1, line.size(), f_);
    std::fputc('\n', f_);
    std::fflush(f_);
    size_ += line.size() + 1;
    if (rotate_bytes_ && size_ >= rotate_bytes_) rotate_locked();
  }
  ++written_;
  for (auto& f : followers_) {
    std::lock_guard<std::mutex> fl(f->mu);
    if (f->lines.size() >= kFollowerQueue) {
      ++f->dropped;
      continue;
    }
    f->lines.push_back(line);
    f->cv.notify_one();
  }
}

void EventLog::control_event(const std::string& type, nlohmann::json fields) {
  nlohmann::json j = {{"time", iso_time_now()}, {"type", type}, {"source", "control"}};
  j.update(fields);
  append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::shared_ptr<EventLog::Follower> EventLog::follow() {
  auto f = std::make_shared<Follower>();
  std::lock_guard<std::mutex> lock(mu_);
  followers_.push_back(f);
  return f;
}

void EventLog::unfollow(const std::shared_ptr<Follower>& f) {
  std::lock_guard<std::mutex> lock(mu_);
  followers_.erase(std::remove(followers_.begin(), followers_.end(), f), followers_.end());
}

std::vector<std::string> EventLog::tail(size_t n) const {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = path_;
  }
  std::deque<std::string> last;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > n) last.pop_front();
  }
  return {last.begin(), last.end()};
}

size_t EventLog::followers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return followers_.size();
}

uint64_t EventLog::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}
uint64_t EventLog::rotations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rotations_;
}
std::string EventLog::path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return path_;
}

}  // namespace bulwark::control
