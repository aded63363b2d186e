// The manifest of an update bundle: which Debian packages (file, name, version, SHA-256)
// make one signed package set of the appliance. Parsed from untrusted bytes (a bundle
// may come from anywhere); only a manifest whose signature verifies is acted on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::update {

struct PackageEntry {
  std::string file;     // plain file name in the bundle, *.deb
  std::string package;  // Debian package name
  std::string version;  // Debian version
  std::string sha256;   // 64 lower-case hex digits of the file
};

struct Manifest {
  std::string version;  // the set's version (that of package bulwark)
  uint64_t created_unix = 0;
  std::vector<PackageEntry> packages;
};

constexpr size_t kMaxManifestBytes = 64 * 1024;
constexpr size_t kMaxPackages = 64;

// nullopt and `error` (what is wrong, which entry) unless `text` is a well-formed
// manifest: format 1, 1..kMaxPackages packages, safe file names, no duplicates.
std::optional<Manifest> parse_manifest(const std::string& text, std::string& error);
// Canonical JSON text (the bytes that are signed).
std::string manifest_json(const Manifest& m);

// Name rules, also used when a bundle is made.
bool valid_deb_file_name(const std::string& s);
bool valid_package_name(const std::string& s);
bool valid_version(const std::string& s);

}  // namespace bulwark::update
