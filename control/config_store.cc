// Versioned configuration store on disk (see config_store.h).
#include "control/config_store.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bulwark::control {
namespace fs = std::filesystem;

namespace {

std::string number_name(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(n));
  return buf;
}

// `diff -u` of two texts (diffutils is on every Debian system; no library needed for
// a management-plane diff). "" when equal.
std::string unified_diff(const std::string& a, const std::string& a_label, const std::string& b,
                         const std::string& b_label) {
  if (a == b) return "";
  char tmpl[] = "/tmp/bulwark-diff-XXXXXX";
  const char* d = mkdtemp(tmpl);
  if (d == nullptr) return "(cannot diff: no temporary directory)\n";
  const std::string da = std::string(d) + "/a", db = std::string(d) + "/b";
  std::string err;
  write_file_atomic(da, a, err);
  write_file_atomic(db, b, err);
  std::string out;
  int pipefd[2] = {-1, -1};
  if (pipe(pipefd) == 0) {
    const pid_t child = fork();
    if (child == 0) {
      dup2(pipefd[1], 1);
      close(pipefd[0]);
      close(pipefd[1]);
      execlp("diff", "diff", "-u", "--label", a_label.c_str(), "--label", b_label.c_str(),
             da.c_str(), db.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    int status = 0;
    if (child > 0) waitpid(child, &status, 0);
  }
  std::error_code ec;
  fs::remove_all(d, ec);
  return out;
}

}  // namespace

nlohmann::json VersionMeta::to_json() const {
  return {{"version", number},
          {"time_unix_ms", time_unix_ms},
          {"user", user},
          {"comment", comment},
          {"kind", kind},
          {"based_on", based_on},
          {"bundle_sha256", bundle_sha256}};
}

VersionMeta VersionMeta::from_json(const nlohmann::json& j) {
  VersionMeta m;
  m.number = j.value("version", uint64_t{0});
  m.time_unix_ms = j.value("time_unix_ms", uint64_t{0});
  m.user = j.value("user", std::string());
  m.comment = j.value("comment", std::string());
  m.kind = j.value("kind", std::string());
  m.based_on = j.value("based_on", uint64_t{0});
  m.bundle_sha256 = j.value("bundle_sha256", std::string());
  return m;
}

namespace {

// fsync of a file or directory by path; false if it cannot be opened or synced.
bool sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool write_file_atomic(const std::string& path, const std::string& data, std::string& error) {
  // A name of its own per call (threads of one process may write side by side); the
  // data is on disk before the rename, and the rename before this returns.
  static std::atomic<uint64_t> serial{0};
  const std::string tmp =
      path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(serial++);
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o.write(data.data(), static_cast<std::streamsize>(data.size()));
    o.flush();
    if (!o.good()) {
      error = "cannot write " + tmp;
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  if (!sync_path(tmp, O_RDONLY)) {
    error = "cannot sync " + tmp + ": " + std::strerror(errno);
    fs::remove(tmp, ec);
    return false;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    error = "cannot rename " + tmp + " to " + path + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  const auto dir = fs::path(path).parent_path();
  sync_path(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
  return true;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ConfigStore::open(const std::string& dir, std::string& error) {
  dir_ = dir;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "versions", ec);
  if (ec) {
    error = "cannot create state directory " + dir + ": " + ec.message();
    return false;
  }
  if (access(dir.c_str(), W_OK) != 0) {
    error = "state directory " + dir + " is not writable";
    return false;
  }
  // Leftovers of a crash in the middle of add(): never a version.
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "versions", ec))
    if (e.path().filename().string().find(".tmp") != std::string::npos)
      fs::remove_all(e.path(), ec);
  return true;
}

std::string ConfigStore::version_dir(uint64_t n) const {
  return (fs::path(dir_) / "versions" / number_name(n)).string();
}
std::string ConfigStore::bundle_path(uint64_t n) const { return version_dir(n) + "/bundle.bwb"; }
std::string ConfigStore::rules_dir(uint64_t n) const { return version_dir(n) + "/rules"; }

uint64_t ConfigStore::active() const {
  const auto t = read_file(dir_ + "/active");
  if (!t) return 0;
  try {
    return std::stoull(*t);
  } catch (...) {
    return 0;
  }
}

std::vector<VersionMeta> ConfigStore::versions() const {
  std::vector<VersionMeta> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir_) / "versions", ec)) {
    const auto name = e.path().filename().string();
    if (name.empty() || name.size() > 18 ||
        name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (auto m = meta(std::stoull(name))) out.push_back(*m);
  }
  std::sort(out.begin(), out.end(),
            [](const VersionMeta& a, const VersionMeta& b) { return a.number < b.number; });
  return out;
}

std::optional<VersionMeta> ConfigStore::meta(uint64_t n) const {
  const auto t = read_file(version_dir(n) + "/meta.json");
  if (!t) return std::nullopt;
  const auto j = nlohmann::json::parse(*t, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return VersionMeta::from_json(j);
}

std::optional<Snapshot> ConfigStore::read(uint64_t n) const {
  Snapshot s;
  const auto c = read_file(version_dir(n) + "/config.yaml");
  if (!c) return std::nullopt;
  s.config = *c;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(rules_dir(n), ec))
    if (auto t = read_file(e.path().string())) s.rules[e.path().filename().string()] = *t;
  return s;
}

uint64_t ConfigStore::add(const Snapshot& s, const std::vector<uint8_t>& bundle, VersionMeta meta,
                          std::string& error) {
  uint64_t n = 1;
  for (const auto& v : versions()) n = std::max(n, v.number + 1);
  meta.number = n;
  if (!meta.time_unix_ms)
    meta.time_unix_ms =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  const std::string final_dir = version_dir(n);
  const std::string tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp + "/rules", ec);
  bool ok =
      !ec && write_file_atomic(tmp + "/config.yaml", s.config, error) &&
      write_file_atomic(tmp + "/bundle.bwb", std::string(bundle.begin(), bundle.end()), error) &&
      write_file_atomic(tmp + "/meta.json", meta.to_json().dump(2) + "\n", error);
  for (const auto& [name, text] : s.rules)
    ok = ok && write_file_atomic(tmp + "/rules/" + name, text, error);
  if (ok) {
    sync_path(tmp + "/rules", O_RDONLY | O_DIRECTORY);
    sync_path(tmp, O_RDONLY | O_DIRECTORY);
    fs::rename(tmp, final_dir, ec);
    ok = !ec;
    if (ec) error = "cannot create " + final_dir + ": " + ec.message();
    sync_path(fs::path(final_dir).parent_path().string(), O_RDONLY | O_DIRECTORY);
  }
  if (!ok) {
    if (error.empty()) error = "cannot write version " + std::to_string(n) + " under " + dir_;
    fs::remove_all(tmp, ec);
    return 0;
  }
  return n;
}

bool ConfigStore::activate(uint64_t n, std::string& error) {
  return write_file_atomic(dir_ + "/active", std::to_string(n) + "\n", error);
}

std::optional<std::string> ConfigStore::candidate_config() const {
  return read_file(dir_ + "/candidate/config.yaml");
}

bool ConfigStore::stage_config(const std::string& text, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir_ + "/candidate", ec);
  return write_file_atomic(dir_ + "/candidate/config.yaml", text, error);
}

void ConfigStore::discard_candidate() {
  std::error_code ec;
  fs::remove_all(dir_ + "/candidate", ec);
}

std::optional<PendingConfirm> ConfigStore::pending() const {
  const auto t = read_file(dir_ + "/pending-confirm.json");
  if (!t) return std::nullopt;
  const auto j = nlohmann::json::parse(*t, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  PendingConfirm p;
  p.version = j.value("version", uint64_t{0});
  p.previous = j.value("previous", uint64_t{0});
  p.deadline_unix_ms = j.value("deadline_unix_ms", uint64_t{0});
  if (!p.version || !p.previous) return std::nullopt;
  return p;
}

bool ConfigStore::set_pending(const PendingConfirm& p, std::string& error) {
  const nlohmann::json j = {
      {"version", p.version}, {"previous", p.previous}, {"deadline_unix_ms", p.deadline_unix_ms}};
  return write_file_atomic(dir_ + "/pending-confirm.json", j.dump() + "\n", error);
}

void ConfigStore::clear_pending() {
  std::error_code ec;
  fs::remove(dir_ + "/pending-confirm.json", ec);
}

std::string diff_snapshots(const Snapshot& a, const std::string& a_name, const Snapshot& b,
                           const std::string& b_name) {
  std::string out =
      unified_diff(a.config, a_name + "/config.yaml", b.config, b_name + "/config.yaml");
  std::map<std::string, int> names;
  for (const auto& kv : a.rules) names[kv.first] |= 1;
  for (const auto& kv : b.rules) names[kv.first] |= 2;
  for (const auto& [name, where] : names) {
    const std::string ta = where & 1 ? a.rules.at(name) : "";
    const std::string tb = where & 2 ? b.rules.at(name) : "";
    out += unified_diff(ta, where & 1 ? a_name + "/rules/" + name : "/dev/null", tb,
                        where & 2 ? b_name + "/rules/" + name : "/dev/null");
  }
  return out;
}

}  // namespace bulwark::control
