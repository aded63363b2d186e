// Clearance key rotation (see clearance_keys.h).
#include "dataplane/features/challenge/clearance_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>
#include <fstream>
#include <iterator>

namespace bulwark::challenge {
namespace {

uint64_t unix_seconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

ClearanceKeyRotation::~ClearanceKeyRotation() { stop(); }

bool ClearanceKeyRotation::start(inspect::MainContext& ctx, std::string& error) {
  ctx_ = &ctx;
  rotate_s_ = ctx.cfg.challenge_rotate_s;
  // The clearance secret: the configured file's bytes, or random bytes for this run.
  if (!ctx.cfg.challenge_secret_file.empty()) {
    std::ifstream in(ctx.cfg.challenge_secret_file, std::ios::binary);
    secret_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && !in.good()) secret_.clear();
    if (secret_.size() < 32) {
      error = "inspect.challenge.secret_file " + ctx.cfg.challenge_secret_file +
              ": cannot be read or holds fewer than 32 bytes";
      return false;
    }
  } else {
    secret_.resize(32);
    if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
      error = "cannot draw a random challenge secret";
      return false;
    }
  }
  return rotate(unix_seconds() / rotate_s_, error);
}

bool ClearanceKeyRotation::rotate(uint64_t epoch, std::string& error) {
  auto fresh = ClearanceKeys::derive(secret_.data(), secret_.size(), epoch);
  if (!fresh) {
    error = "cannot derive the challenge clearance keys";
    return false;
  }
  ClearanceKeys* old = keys_.exchange(fresh.release(), std::memory_order_acq_rel);
  if (old) {
    ctx_->synchronize();  // no worker still reads it
    delete old;
  }
  epoch_ = epoch;
  return true;
}

void ClearanceKeyRotation::poll(uint64_t now_unix) {
  if (const uint64_t epoch = now_unix / rotate_s_; !secret_.empty() && epoch != epoch_) {
    std::string error;
    if (!rotate(epoch, error)) epoch_ = epoch;  // the old keys stay until the next period
  }
}

void ClearanceKeyRotation::stop() {
  delete keys_.exchange(nullptr);
  OPENSSL_cleanse(secret_.data(), secret_.size());
  secret_.clear();
}

}  // namespace bulwark::challenge
