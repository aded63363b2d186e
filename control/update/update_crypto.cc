// OpenSSL EVP for bundle digests and signatures; see update_crypto.h.
#include "control/update/update_crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace bulwark::update {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey public_key(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  Pkey k(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (k && EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) k.reset();
  return k;
}

}  // namespace

bool sha256_file(const std::string& path, std::string& hex, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    error = "sha256: OpenSSL failed";
    return false;
  }
  std::array<char, 65536> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    error = "read error on " + path;
    return false;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* digits = "0123456789abcdef";
  hex.clear();
  for (unsigned i = 0; i < len; ++i) {
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return true;
}

bool sign_ed25519(const std::string& key_path, const std::string& data, std::string& signature,
                  std::string& error) {
  FILE* f = std::fopen(key_path.c_str(), "r");
  if (!f) {
    error = "cannot read the signing key " + key_path;
    return false;
  }
  Pkey key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    error = key_path + " is not an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)";
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 64;
  signature.assign(len, '\0');
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    error = "signing failed (OpenSSL)";
    return false;
  }
  signature.resize(len);
  return true;
}

std::vector<TrustedKey> load_trusted_keys(const std::vector<std::string>& dirs,
                                          std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  std::vector<TrustedKey> keys;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".pem") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      std::ifstream in(p);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().size() > 16384 || !public_key(text.str())) {
        warnings.push_back(p.string() + " is not an Ed25519 public key in PEM: not trusted");
        continue;
      }
      keys.push_back({p.string(), text.str()});
    }
  }
  return keys;
}

std::string verify_ed25519(const std::vector<TrustedKey>& keys, const std::string& data,
                           const std::string& signature) {
  if (signature.size() != 64) return {};
  for (const auto& k : keys) {
    Pkey key = public_key(k.pem);
    MdCtx ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
      continue;
    if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                         data.size()) == 1)
      return k.path;
  }
  return {};
}

}  // namespace bulwark::update
