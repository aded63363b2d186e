// Update bundles: the manifest's checks, and bundles made, signed and verified for real
// (OpenSSL Ed25519 keys, dpkg-deb packages, tar): a good bundle verifies under its key
// and only that key; a changed package, a changed manifest, an extra member, a link or a
// path in the tar are each refused.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "control/update/run_command.h"
#include "control/update/update_bundle.h"
#include "tests/unit/temp_dir.h"

using namespace bulwark;
using namespace bulwark::update;
namespace fs = std::filesystem;

namespace {

const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string manifest_with(const std::string& packages) {
  return R"({"format":1,"version":"0.2.0","created_unix":1,"packages":)" + packages + "}";
}

std::string entry(const std::string& file, const std::string& package = "bulwark",
                  const std::string& sha = kSha) {
  return R"({"file":")" + file + R"(","package":")" + package +
         R"(","version":"0.2.0","sha256":")" + sha + R"("})";
}

// A temporary directory with a key pair, two small packages and a bundle of them.
struct BundleLab {
  bulwark::test::TempDir tmp{"bulwark-update-test"};
  fs::path dir{tmp.path};
  BundleLab() {
    fs::create_directories(dir / "keys");
    fs::create_directories(dir / "other-keys");
    make_key("vendor", dir / "keys");
    make_key("stranger", dir / "other-keys");
    make_deb("bulwark", "0.2.0");
    make_deb("bulwark-extra", "1.0");
    std::string error;
    BOOST_REQUIRE_MESSAGE(make_bundle({(dir / "bulwark_0.2.0_amd64.deb").string(),
                                       (dir / "bulwark-extra_1.0_amd64.deb").string()},
                                      (dir / "vendor.key").string(), bundle(), error),
                          error);
  }
  std::string bundle() const { return (dir / "bundle.tar").string(); }

  void make_key(const std::string& name, const fs::path& pubdir) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    BOOST_REQUIRE(k);
    FILE* f = std::fopen((dir / (name + ".key")).c_str(), "w");
    PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    f = std::fopen((pubdir / (name + ".pem")).c_str(), "w");
    PEM_write_PUBKEY(f, k);
    std::fclose(f);
    EVP_PKEY_free(k);
  }
  void make_deb(const std::string& name, const std::string& version) {
    const fs::path root = dir / ("pkg-" + name);
    fs::create_directories(root / "DEBIAN");
    fs::create_directories(root / "usr/share/doc" / name);
    std::ofstream(root / "DEBIAN/control")
        << "Package: " << name << "\nVersion: " << version
        << "\nArchitecture: amd64\nMaintainer: test <t@example.com>\nDescription: test\n";
    std::ofstream(root / "usr/share/doc" / name / "note") << name;
    const std::string out = (dir / (name + "_" + version + "_amd64.deb")).string();
    std::string ignored;
    BOOST_REQUIRE(run_command({"dpkg-deb", "-b", root.string(), out}, &ignored) == 0);
  }
  std::vector<TrustedKey> keys(const char* sub) const {
    std::vector<std::string> warnings;
    return load_trusted_keys({(dir / sub).string()}, warnings);
  }
  // Unpacks `tar` into a fresh directory and verifies it under the vendor key.
  std::optional<VerifiedBundle> check(const std::string& tar, std::string& error,
                                      const char* keydir = "keys") const {
    const fs::path out = dir / ("unpacked-" + std::to_string(counter++));
    fs::create_directories(out);
    if (!unpack_bundle(tar, out.string(), error)) return std::nullopt;
    return verify_unpacked(out.string(), keys(keydir), error);
  }
  // Unpacks the good bundle into `stage` for tampering; repacked with tar_of().
  fs::path stage() const {
    const fs::path s = dir / ("stage-" + std::to_string(counter++));
    fs::create_directories(s);
    std::string error;
    BOOST_REQUIRE(unpack_bundle(bundle(), s.string(), error));
    return s;
  }
  std::string tar_of(const fs::path& s, std::vector<std::string> members) const {
    const std::string out = (dir / ("t-" + std::to_string(counter++) + ".tar")).string();
    std::vector<std::string> argv{"tar", "-c", "-f", out, "-C", s.string()};
    argv.insert(argv.end(), members.begin(), members.end());
    BOOST_REQUIRE(run_command(argv) == 0);
    return out;
  }
  mutable int counter = 0;
};

const std::vector<std::string> kMembers{"manifest.json", "manifest.sig", "bulwark_0.2.0_amd64.deb",
                                        "bulwark-extra_1.0_amd64.deb"};

}  // namespace

BOOST_AUTO_TEST_SUITE(update_bundle)

BOOST_AUTO_TEST_CASE(manifest_checks) {
  std::string error;
  auto m = parse_manifest(manifest_with("[" + entry("bulwark_0.2.0_amd64.deb") + "]"), error);
  BOOST_REQUIRE_MESSAGE(m, error);
  BOOST_TEST(m->version == "0.2.0");
  BOOST_TEST(m->packages.at(0).sha256 == kSha);
  struct Bad {
    std::string text, why;
  };
  for (const Bad& b : std::vector<Bad>{
           {"", "not a JSON object"},
           {"[]", "not a JSON object"},
           {R"({"format":2})", "'format' must be 1"},
           {manifest_with("[]"), "1 to 64 packages"},
           {manifest_with("[" + entry("../x.deb") + "]"), "not a plain .deb file name"},
           {manifest_with("[" + entry("a/b.deb") + "]"), "not a plain .deb file name"},
           {manifest_with("[" + entry("x.tar") + "]"), "not a plain .deb file name"},
           {manifest_with("[" + entry("x.deb", "Bulwark") + "]"), "bad package name"},
           {manifest_with("[" + entry("x.deb", "bulwark", "00") + "]"), "64 lower-case hex"},
           {manifest_with("[" + entry("x.deb") + "," + entry("x.deb", "y2") + "]"), "listed twice"},
           {manifest_with("[" + entry("x.deb") + "," + entry("y.deb") + "]"),
            "bulwark listed twice"},
           {std::string(kMaxManifestBytes + 1, ' '), "larger than"},
       }) {
    BOOST_TEST(!parse_manifest(b.text, error), b.why);
    BOOST_TEST(error.find(b.why) != std::string::npos, error + " (wanted: " + b.why + ")");
  }
  std::string many = "[";
  for (size_t i = 0; i <= kMaxPackages; ++i) {
    std::string n = "p";  // no "lit" + string: GCC 12 -Wrestrict false positive
    n += std::to_string(i);
    if (i) many += ",";
    std::string file = n;
    file += ".deb";
    many += entry(file, n + "x");
  }
  BOOST_TEST(!parse_manifest(manifest_with(many + "]"), error));
}

BOOST_AUTO_TEST_CASE(good_bundle_verifies_under_its_key_only) {
  BundleLab lab;
  std::string error;
  auto v = lab.check(lab.bundle(), error);
  BOOST_REQUIRE_MESSAGE(v, error);
  BOOST_TEST(v->manifest.version == "0.2.0");  // the version of package bulwark
  BOOST_TEST(v->manifest.packages.size() == 2u);
  BOOST_TEST(v->key.find("vendor.pem") != std::string::npos);
  BOOST_TEST(!lab.check(lab.bundle(), error, "other-keys"));
  BOOST_TEST(error.find("does not verify under any trusted key") != std::string::npos, error);
  BOOST_TEST(!lab.check(lab.bundle(), error, "no-such-dir"));
  BOOST_TEST(error.find("no trusted update keys") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(tampered_bundles_are_refused) {
  BundleLab lab;
  std::string error;
  {  // a package changed after signing
    auto s = lab.stage();
    std::ofstream(s / "bulwark_0.2.0_amd64.deb", std::ios::app) << "x";
    BOOST_TEST(!lab.check(lab.tar_of(s, kMembers), error));
    BOOST_TEST(error.find("bulwark_0.2.0_amd64.deb: SHA-256") != std::string::npos, error);
  }
  {  // the manifest changed after signing (a space more)
    auto s = lab.stage();
    std::ofstream(s / "manifest.json", std::ios::app) << " ";
    BOOST_TEST(!lab.check(lab.tar_of(s, kMembers), error));
    BOOST_TEST(error.find("signature does not verify") != std::string::npos, error);
  }
  {  // a member the manifest does not list
    auto s = lab.stage();
    std::ofstream(s / "evil.deb") << "x";
    auto members = kMembers;
    members.push_back("evil.deb");
    BOOST_TEST(!lab.check(lab.tar_of(s, members), error));
    BOOST_TEST(error.find("evil.deb, which the manifest does not list") != std::string::npos,
               error);
  }
  {  // a listed package missing
    auto s = lab.stage();
    BOOST_TEST(!lab.check(
        lab.tar_of(s, {"manifest.json", "manifest.sig", "bulwark_0.2.0_amd64.deb"}), error));
    BOOST_TEST(error.find("lacks bulwark-extra_1.0_amd64.deb") != std::string::npos, error);
  }
  {  // a symbolic link instead of a package
    auto s = lab.stage();
    fs::remove(s / "bulwark-extra_1.0_amd64.deb");
    fs::create_symlink("/etc/passwd", s / "bulwark-extra_1.0_amd64.deb");
    BOOST_TEST(!lab.check(lab.tar_of(s, kMembers), error));
    BOOST_TEST(error.find("is not a regular file") != std::string::npos, error);
  }
  {  // a member with a path
    auto s = lab.stage();
    fs::create_directories(s / "sub");
    std::ofstream(s / "sub" / "x.deb") << "x";
    auto members = kMembers;
    members.push_back("sub/x.deb");
    BOOST_TEST(!lab.check(lab.tar_of(s, members), error));
    BOOST_TEST(!error.empty());
  }
  // Hostile member names and types, made with Python's tarfile (GNU tar would not write
  // most of them): each is refused before anything is unpacked.
  struct Hostile {
    const char* kind;
    const char* want;
  };
  for (const Hostile& h : std::vector<Hostile>{{"dotdot", "is not manifest.json"},
                                               {"absolute", "is not manifest.json"},
                                               {"hardlink", "is not a regular file"},
                                               {"fifo", "is not a regular file"},
                                               {"directory", "is not a regular file"},
                                               {"huge", "larger than 2048 MiB"}}) {
    const std::string out = (lab.dir / (std::string(h.kind) + ".tar")).string();
    const std::string script = R"py(
import io, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    def add(name, data=b"x", type=tarfile.REGTYPE, size=None, link=""):
        i = tarfile.TarInfo(name); i.type = type; i.linkname = link
        i.size = len(data) if size is None and type == tarfile.REGTYPE else (size or 0)
        t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
    add("manifest.json")
    if kind == "dotdot": add("../evil.deb")
    if kind == "absolute": add("/etc/evil.deb")
    if kind == "hardlink": add("evil.deb", type=tarfile.LNKTYPE, link="manifest.json")
    if kind == "fifo": add("evil.deb", type=tarfile.FIFOTYPE)
    if kind == "directory": add("evil.deb", type=tarfile.DIRTYPE)
)py";
    if (std::string(h.kind) == "huge")  // a sparse 3 GiB member: a small tar that unpacks big
      BOOST_REQUIRE(run_command({"sh", "-c",
                                 "cd \"$1\" && truncate -s 3G big.deb && echo x >manifest.json && "
                                 "tar --sparse -cf \"$2\" manifest.json big.deb && rm big.deb",
                                 "sh", lab.dir.string(), out}) == 0);
    else
      BOOST_REQUIRE(run_command({"python3", "-c", script, h.kind, out}) == 0);
    const fs::path into = lab.dir / (std::string("into-") + h.kind);
    fs::create_directories(into);
    BOOST_TEST(!unpack_bundle(out, into.string(), error), h.kind);
    BOOST_TEST(error.find(h.want) != std::string::npos, h.kind << ": " << error);
    BOOST_TEST(fs::is_empty(into), h.kind << ": something was unpacked");
  }
  BOOST_TEST(!lab.check((lab.dir / "keys" / "vendor.pem").string(), error));
  BOOST_TEST(error.find("not a readable tar file") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(keys_that_are_not_ed25519_public_keys_are_not_trusted) {
  BundleLab lab;
  std::ofstream(lab.dir / "keys" / "junk.pem") << "-----BEGIN PUBLIC KEY-----\nAAAA\n";
  fs::copy_file(lab.dir / "vendor.key", lab.dir / "keys" / "private.pem");  // a private key
  std::vector<std::string> warnings;
  auto keys = load_trusted_keys({(lab.dir / "keys").string()}, warnings);
  BOOST_TEST(keys.size() == 1u);
  BOOST_TEST(warnings.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
