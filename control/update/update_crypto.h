// Signatures and digests of update bundles (OpenSSL): Ed25519 over the manifest's bytes,
// SHA-256 of each package file. Trusted public keys are PEM files in key directories.
#pragma once

#include <string>
#include <vector>

namespace bulwark::update {

// SHA-256 of a file, streamed; false and `error` if it cannot be read.
bool sha256_file(const std::string& path, std::string& hex, std::string& error);

// Signs `data` with the Ed25519 private key in PEM file `key_path` (64-byte signature).
bool sign_ed25519(const std::string& key_path, const std::string& data, std::string& signature,
                  std::string& error);

struct TrustedKey {
  std::string path;  // where it was read from (named in reports)
  std::string pem;
};
// Every *.pem file in `dirs` (missing directories are skipped) holding an Ed25519 public
// key. Files that are not such a key are reported in `warnings` and not trusted.
std::vector<TrustedKey> load_trusted_keys(const std::vector<std::string>& dirs,
                                          std::vector<std::string>& warnings);

// The first key under which `signature` verifies over `data`; empty if none does.
std::string verify_ed25519(const std::vector<TrustedKey>& keys, const std::string& data,
                           const std::string& signature);

}  // namespace bulwark::update
