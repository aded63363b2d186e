// libFuzzer target: hostile clearance cookies and browser claims. The input is header
// lines "Name: value" (User-Agent, Accept..., Cookie: bw_clear=..., X-Forwarded-For);
// the first byte picks the HTTP minor version and the difficulty. The cookie check must
// name a result and never accept a cookie this client was not given; a stamp made for
// the client, once solved, must be accepted; the consistency score must be the sum of
// the weights of the signals it reports (0 without a browser claim).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "dataplane/features/challenge/clearance.h"
#include "dataplane/features/consistency/consistency.h"
#include "dataplane/identity/client_identity.h"
#include "tests/fuzz/fuzz_head.h"

using namespace bulwark;
using namespace bulwark::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static rules::IdentityPolicy policy;
  static rules::ConsistencyPolicy consistency;
  static std::unique_ptr<bulwark::challenge::ClearanceKeys> keys;
  if (!keys) {
    policy.trusted_proxies.push_back({std::vector<uint8_t>(4, 0), 0});
    policy.fingerprint_header = "x-ja4";
    consistency.script_fingerprints = {"t13d1812h1_85036bcba153_b26ce05bbdd6"};
    const uint8_t secret[32] = {1, 2, 3};
    keys = bulwark::challenge::ClearanceKeys::derive(secret, sizeof secret, 1000);
  }
  HttpHead head{};
  head.version_minor = data[0] & 1;
  const unsigned difficulty = 8 + (data[0] >> 1) % 3;
  fuzz::fill_head(head, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  const uint8_t peer[4] = {198, 18, 0, 1};
  bulwark::identity::ClientIdentity id;
  bulwark::identity::resolve_identity(policy, head, peer, 4, {}, 0xff, id);
  const uint64_t now = 2'000'000'000;
  const std::string_view cookie =
      bulwark::identity::cookie_value(head, bulwark::challenge::kClearanceCookie);
  const bulwark::challenge::ClearanceCheck c =
      bulwark::challenge::check_clearance(*keys, cookie, id, now, 600, difficulty);
  if (c >= bulwark::challenge::ClearanceCheck::count_) __builtin_trap();
  if (c == bulwark::challenge::ClearanceCheck::missing && !cookie.empty()) __builtin_trap();
  // Only this process's keys make valid MACs: a cookie from the input never is one.
  if (c == bulwark::challenge::ClearanceCheck::valid) __builtin_trap();
  // A stamp made for this client, solved, is accepted.
  char stamp[96];
  const size_t sl = bulwark::challenge::make_stamp(keys->current(), id, now + 300, difficulty,
                                                   stamp, sizeof stamp);
  if (sl == 0) __builtin_trap();
  std::string solved;
  for (unsigned n = 0; n < 1u << 16; ++n) {
    solved.assign(stamp, sl);
    solved += '-';
    solved += std::to_string(n);
    const auto r = bulwark::challenge::check_clearance(*keys, solved, id, now, 600, difficulty);
    if (r == bulwark::challenge::ClearanceCheck::valid) break;
    if (r != bulwark::challenge::ClearanceCheck::no_work) __builtin_trap();
  }
  char out[1500];
  if (bulwark::challenge::challenge_page(out, sizeof out, std::string_view(stamp, sl), difficulty,
                                         600) == 0)
    __builtin_trap();
  (void)bulwark::challenge::wants_page(head);
  const bulwark::consistency::ConsistencyScore s =
      bulwark::consistency::score_request(consistency, head, id.fingerprint_text);
  uint32_t sum = 0;
  for (unsigned b = 0; b < static_cast<unsigned>(rules::Signal::count_); ++b)
    if (s.signals & (1u << b)) sum += consistency.weights[b];
  if (sum != s.score || (!s.browser && (s.score || s.signals))) __builtin_trap();
  return 0;
}
