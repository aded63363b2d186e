// Numbered versions of the appliance's configuration and rule sources on disk, the
// staged candidate, and a pending confirm-or-rollback. Layout under the state
// directory (default /var/lib/bulwark):
//
//   versions/000007/config.yaml        the configuration of version 7
//   versions/000007/rules/NAME         its rule files (YAML or Suricata .rules)
//   versions/000007/bundle.bwb         the bundle compiled from them (version 7)
//   versions/000007/meta.json          when, who, why, what it was based on
//   candidate/config.yaml              staged by `config edit`, until commit/discard
//   active                             the number of the active version
//   pending-confirm.json               {version, previous, deadline_unix_ms}
//
// Every write goes to a temporary name first and is renamed into place, so a crash
// leaves either the old or the new state, never half of one.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::control {

// What a version holds: the configuration text and the rule files by name.
struct Snapshot {
  std::string config;
  std::map<std::string, std::string> rules;
  bool operator==(const Snapshot&) const = default;
};

struct VersionMeta {
  uint64_t number = 0;
  uint64_t time_unix_ms = 0;
  std::string user;
  std::string comment;
  std::string kind;  // commit, rules-load, rollback, auto-rollback, initial
  uint64_t based_on = 0;
  std::string bundle_sha256;
  nlohmann::json to_json() const;
  static VersionMeta from_json(const nlohmann::json& j);
  static VersionMeta of(std::string kind, std::string user, std::string comment) {
    VersionMeta m;
    m.kind = std::move(kind);
    m.user = std::move(user);
    m.comment = std::move(comment);
    return m;
  }
};

struct PendingConfirm {
  uint64_t version = 0;   // committed with --confirm
  uint64_t previous = 0;  // what it replaced; restored unless confirmed
  uint64_t deadline_unix_ms = 0;
};

class ConfigStore {
 public:
  // Opens (creating) the state directory. false and `error` if unusable.
  bool open(const std::string& dir, std::string& error);
  const std::string& dir() const { return dir_; }

  uint64_t active() const;  // 0: no version yet
  std::vector<VersionMeta> versions() const;
  std::optional<VersionMeta> meta(uint64_t n) const;
  std::optional<Snapshot> read(uint64_t n) const;
  std::string bundle_path(uint64_t n) const;
  // Directory of version n's rule files (for compiling and error messages).
  std::string rules_dir(uint64_t n) const;

  // Writes a new version (number = highest + 1) with its compiled bundle; does not
  // activate it. 0 and `error` on failure.
  uint64_t add(const Snapshot& s, const std::vector<uint8_t>& bundle, VersionMeta meta,
               std::string& error);
  bool activate(uint64_t n, std::string& error);

  std::optional<std::string> candidate_config() const;
  bool stage_config(const std::string& text, std::string& error);
  void discard_candidate();

  std::optional<PendingConfirm> pending() const;
  bool set_pending(const PendingConfirm& p, std::string& error);
  void clear_pending();

 private:
  std::string version_dir(uint64_t n) const;
  std::string dir_;
};

// Unified diff of two snapshots (configuration and rule files), "" when equal.
std::string diff_snapshots(const Snapshot& a, const std::string& a_name, const Snapshot& b,
                           const std::string& b_name);

// Writes `data` to `path` through a temporary file and rename.
bool write_file_atomic(const std::string& path, const std::string& data, std::string& error);
std::optional<std::string> read_file(const std::string& path);

}  // namespace bulwark::control
