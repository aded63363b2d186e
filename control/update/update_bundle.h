// Update bundles: a tar of manifest.json, manifest.sig (Ed25519 over the manifest's
// bytes) and the .deb files it lists. Made by `bulwark-update sign` at the vendor, checked
// on the box before anything is installed: the signature under a trusted key, every
// listed file's SHA-256, and nothing in the bundle that the manifest does not list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/update/update_crypto.h"
#include "control/update/update_manifest.h"

namespace bulwark::update {

// What a bundle may unpack to at most (the sum of its members' sizes).
constexpr uint64_t kMaxBundleBytes = uint64_t{2} << 30;

struct VerifiedBundle {
  Manifest manifest;
  std::string key;  // the trusted key file the signature verified under
};

// Lists the tar's members with tar(1) and refuses anything but plain file names (no
// directories, paths or links), then unpacks it into the empty directory `dir`.
bool unpack_bundle(const std::string& bundle, const std::string& dir, std::string& error);

// Checks an unpacked bundle in `dir` (see the file comment).
std::optional<VerifiedBundle> verify_unpacked(const std::string& dir,
                                              const std::vector<TrustedKey>& keys,
                                              std::string& error);

// Makes a bundle of `debs` signed with `key_path` at `out`; the set's version is that of
// package bulwark (or of the first package).
bool make_bundle(const std::vector<std::string>& debs, const std::string& key_path,
                 const std::string& out, std::string& error);

}  // namespace bulwark::update
