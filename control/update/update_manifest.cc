// Update manifest parsing and checks; see update_manifest.h.
#include "control/update/update_manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace bulwark::update {
namespace {

bool all_of_chars(const std::string& s, const char* extra) {
  for (char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view(extra).find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool lower_hex(const std::string& s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool valid_deb_file_name(const std::string& s) {
  return s.size() > 4 && s.size() <= 200 && s.compare(s.size() - 4, 4, ".deb") == 0 &&
         s[0] != '.' && s[0] != '-' && all_of_chars(s, "._+~-");
}

bool valid_package_name(const std::string& s) {  // Debian policy 5.6.1
  return s.size() >= 2 && s.size() <= 100 &&
         ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')) && all_of_chars(s, "+.-") &&
         std::none_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool valid_version(const std::string& s) {  // Debian policy 5.6.12, epoch included
  return !s.empty() && s.size() <= 100 && s[0] >= '0' && s[0] <= '9' && all_of_chars(s, ".+~-:");
}

std::optional<Manifest> parse_manifest(const std::string& text, std::string& error) {
  error.clear();
  if (text.size() > kMaxManifestBytes) {
    error = "manifest larger than " + std::to_string(kMaxManifestBytes) + " bytes";
    return std::nullopt;
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "manifest is not a JSON object";
    return std::nullopt;
  }
  auto str = [&](const nlohmann::json& o, const char* key, std::string& out) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) {
      error = std::string("manifest: '") + key + "' missing or not a string";
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  const auto format = j.find("format");
  if (format == j.end() || !format->is_number_unsigned() || format->get<uint64_t>() != 1) {
    error = "manifest: 'format' must be 1";
    return std::nullopt;
  }
  Manifest m;
  if (!str(j, "version", m.version)) return std::nullopt;
  if (!valid_version(m.version)) {
    error = "manifest: bad version '" + m.version + "'";
    return std::nullopt;
  }
  const auto created = j.find("created_unix");
  if (created == j.end() || !created->is_number_unsigned()) {
    error = "manifest: 'created_unix' missing or not a number";
    return std::nullopt;
  }
  m.created_unix = created->get<uint64_t>();
  const auto pk = j.find("packages");
  if (pk == j.end() || !pk->is_array() || pk->empty() || pk->size() > kMaxPackages) {
    error = "manifest: 'packages' must list 1 to " + std::to_string(kMaxPackages) + " packages";
    return std::nullopt;
  }
  std::set<std::string> files, names;
  for (const auto& e : *pk) {
    if (!e.is_object()) {
      error = "manifest: a package entry is not an object";
      return std::nullopt;
    }
    PackageEntry p;
    if (!str(e, "file", p.file) || !str(e, "package", p.package) || !str(e, "version", p.version) ||
        !str(e, "sha256", p.sha256))
      return std::nullopt;
    const std::string at = "manifest: package '" + p.file + "': ";
    if (!valid_deb_file_name(p.file))
      error = at + "not a plain .deb file name";
    else if (!valid_package_name(p.package))
      error = at + "bad package name";
    else if (!valid_version(p.version))
      error = at + "bad version";
    else if (!lower_hex(p.sha256, 64))
      error = at + "sha256 is not 64 lower-case hex digits";
    else if (!files.insert(p.file).second)
      error = at + "listed twice";
    else if (!names.insert(p.package).second)
      error = at + "package " + p.package + " listed twice";
    if (!error.empty()) return std::nullopt;
    m.packages.push_back(std::move(p));
  }
  return m;
}

std::string manifest_json(const Manifest& m) {
  nlohmann::json j{{"format", 1}, {"version", m.version}, {"created_unix", m.created_unix}};
  auto& pk = j["packages"] = nlohmann::json::array();
  for (const auto& p : m.packages)
    pk.push_back(
        {{"file", p.file}, {"package", p.package}, {"version", p.version}, {"sha256", p.sha256}});
  return j.dump(2) + "\n";
}

}  // namespace bulwark::update
