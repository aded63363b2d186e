// bulwark-control's event log: every event line (from the dataplane, or control's own:
// commits, rollbacks, pushes, dataplane up/down) is appended to a JSON-lines file that
// is rotated by size (events.jsonl -> events.jsonl.1 -> ... -> .KEEP, oldest dropped),
// and handed to each follower (`bulwarkctl events --follow`). A follower that does not
// keep up loses lines, counted, rather than holding the log up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::control {

class EventLog {
 public:
  struct Follower {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> lines;
    uint64_t dropped = 0;
    bool closed = false;
  };
  static constexpr size_t kFollowerQueue = 10000;

  ~EventLog();
  // (Re)opens the file with these rotation settings. false and `error` on failure (the
  // previous file, if any, stays in use).
  bool configure(const std::string& path, uint64_t rotate_bytes, unsigned keep, std::string& error);
  // Whether `path` can be opened for appending (its directory is created).
  static bool can_open(const std::string& path, std::string& error);
  void append(const std::string& line);
  // An event of bulwark-control itself: {time, type, ...fields}.
  void control_event(const std::string& type, nlohmann::json fields);

  std::shared_ptr<Follower> follow();
  void unfollow(const std::shared_ptr<Follower>& f);
  // The last `n` lines of the current file.
  std::vector<std::string> tail(size_t n) const;

  size_t followers() const;
  uint64_t written() const;
  uint64_t rotations() const;
  std::string path() const;

 private:
  void rotate_locked();
  mutable std::mutex mu_;
  std::FILE* f_ = nullptr;
  std::string path_;
  uint64_t rotate_bytes_ = 0;
  unsigned keep_ = 1;
  uint64_t size_ = 0;
  uint64_t written_ = 0, rotations_ = 0;
  std::vector<std::shared_ptr<Follower>> followers_;
};

std::string iso_time_now();

}  // namespace bulwark::control
