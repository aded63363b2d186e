// Update bundle unpacking, verification and making; see update_bundle.h.
#include "control/update/update_bundle.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "control/update/run_command.h"

namespace bulwark::update {
namespace fs = std::filesystem;

namespace {

bool read_small(const fs::path& p, size_t limit, std::string& out, std::string& error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "bundle has no " + p.filename().string();
    return false;
  }
  out.assign(limit + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  if (out.size() > limit) {
    error = p.filename().string() + " is larger than " + std::to_string(limit) + " bytes";
    return false;
  }
  return true;
}

}  // namespace

bool unpack_bundle(const std::string& bundle, const std::string& dir, std::string& error) {
  // Names from `tar -t`, types from `tar -tv`; the two must agree line for line (a name
  // with a newline in it would not), every member a regular file with a plain name.
  std::string names, verbose;
  // --force-local: a name with a colon is a file, never a remote archive.
  if (run_command({"tar", "--force-local", "-t", "-f", bundle}, &names) != 0 ||
      run_command({"tar", "--force-local", "--numeric-owner", "-t", "-v", "-f", bundle},
                  &verbose) != 0) {
    error = bundle + " is not a readable tar file";
    return false;
  }
  std::istringstream n(names), v(verbose);
  size_t members = 0;
  uint64_t total = 0;
  for (std::string name, line; std::getline(n, name);) {
    if (!std::getline(v, line) || line.empty() || line[0] != '-') {
      error = "bundle member " + name + " is not a regular file";
      return false;
    }
    if (name != "manifest.json" && name != "manifest.sig" && !valid_deb_file_name(name)) {
      error = "bundle member name '" + name + "' is not manifest.json, manifest.sig or a .deb";
      return false;
    }
    // "-rw-r--r-- UID/GID SIZE date time name" (numeric owners: a name in the header
    // could hold spaces and shift the fields): the sizes bound what unpacking writes.
    std::istringstream fields(line);
    std::string mode, owner;
    uint64_t size = 0;
    const bool numeric_owner = (fields >> mode >> owner) &&
                               owner.find_first_not_of("0123456789/") == std::string::npos &&
                               std::count(owner.begin(), owner.end(), '/') == 1;
    if (!numeric_owner || !(fields >> size)) {
      error = "bundle member listing not understood: " + line;
      return false;
    }
    if ((total += size) > kMaxBundleBytes) {
      error = "bundle is larger than " + std::to_string(kMaxBundleBytes >> 20) + " MiB unpacked";
      return false;
    }
    if (++members > kMaxPackages + 2) {
      error = "bundle has more than " + std::to_string(kMaxPackages + 2) + " members";
      return false;
    }
  }
  if (run_command({"tar", "--force-local", "-x", "--no-same-owner", "--no-same-permissions", "-f",
                   bundle, "-C", dir}) != 0) {
    error = "cannot unpack " + bundle;
    return false;
  }
  return true;
}

std::optional<VerifiedBundle> verify_unpacked(const std::string& dir,
                                              const std::vector<TrustedKey>& keys,
                                              std::string& error) {
  if (keys.empty()) {
    error =
        "no trusted update keys (put the vendor's Ed25519 public key, PEM, into "
        "/etc/bulwark/update-keys/)";
    return std::nullopt;
  }
  std::string text, sig;
  if (!read_small(fs::path(dir) / "manifest.json", kMaxManifestBytes, text, error) ||
      !read_small(fs::path(dir) / "manifest.sig", 1024, sig, error))
    return std::nullopt;
  VerifiedBundle v;
  v.key = verify_ed25519(keys, text, sig);
  if (v.key.empty()) {
    error = "manifest signature does not verify under any trusted key";
    return std::nullopt;
  }
  auto m = parse_manifest(text, error);
  if (!m) return std::nullopt;
  std::set<std::string> listed{"manifest.json", "manifest.sig"};
  for (const auto& p : m->packages) listed.insert(p.file);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    struct stat st {};
    if (lstat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      error = "bundle member " + name + " is not a regular file";
      return std::nullopt;
    }
    if (!listed.count(name)) {
      error = "bundle holds " + name + ", which the manifest does not list";
      return std::nullopt;
    }
  }
  for (const auto& p : m->packages) {
    std::string hex;
    if (!sha256_file((fs::path(dir) / p.file).string(), hex, error)) {
      error = "bundle lacks " + p.file + " (" + error + ")";
      return std::nullopt;
    }
    if (hex != p.sha256) {
      error = p.file + ": SHA-256 " + hex + " is not the manifest's " + p.sha256;
      return std::nullopt;
    }
  }
  v.manifest = std::move(*m);
  return v;
}

bool make_bundle(const std::vector<std::string>& debs, const std::string& key_path,
                 const std::string& out, std::string& error) {
  Manifest m;
  m.created_unix = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  for (const auto& deb : debs) {
    PackageEntry p;
    p.file = fs::path(deb).filename().string();
    std::string fields;
    if (run_command({"dpkg-deb", "-f", deb, "Package", "Version"}, &fields) != 0) {
      error = deb + " is not a Debian package (dpkg-deb -f failed)";
      return false;
    }
    std::istringstream lines(fields);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Package: ", 0) == 0) p.package = line.substr(9);
      if (line.rfind("Version: ", 0) == 0) p.version = line.substr(9);
    }
    if (!sha256_file(deb, p.sha256, error)) return false;
    if (p.package == "bulwark" || m.version.empty()) m.version = p.version;
    m.packages.push_back(std::move(p));
  }
  // The made manifest must pass the same checks a box applies.
  const std::string text = manifest_json(m);
  if (!parse_manifest(text, error)) return false;
  std::string sig;
  if (!sign_ed25519(key_path, text, sig, error)) return false;
  const fs::path stage = fs::path(out).string() + ".stage";
  fs::remove_all(stage);
  fs::create_directories(stage);
  std::vector<std::string> tar{
      "tar",           "-c",          "-f", fs::absolute(out).string(), "-C", stage.string(),
      "manifest.json", "manifest.sig"};
  std::ofstream(stage / "manifest.json", std::ios::binary) << text;
  std::ofstream(stage / "manifest.sig", std::ios::binary) << sig;
  for (size_t i = 0; i < debs.size(); ++i) {
    std::error_code ec;
    fs::copy_file(debs[i], stage / m.packages[i].file, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      error = "cannot copy " + debs[i] + ": " + ec.message();
      fs::remove_all(stage);
      return false;
    }
    tar.push_back(m.packages[i].file);
  }
  const bool ok = run_command(tar) == 0;
  fs::remove_all(stage);
  if (!ok) error = "cannot write " + out;
  return ok;
}

}  // namespace bulwark::update
