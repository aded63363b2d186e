// One login attempt's outcome, passed by a worker to the main lcore's credential-
// stuffing detector over an SP/SC ring (fixed size: a ring element).
#pragma once

#include <cstdint>

namespace bulwark::login_guard {

enum class LoginOutcome : uint8_t { success = 0, failure, unknown };

struct LoginRecord {
  uint8_t ip[16];                           // the client (through trusted proxies)
  uint8_t prefix[16];                       // its /24 or /64 (masked)
  uint8_t user[16];                         // SHA-256 prefix of the username (if has_user)
  uint8_t fingerprint[16], user_agent[16];  // digests, if present
  char fingerprint_text[40];                // for events (a JA4 is 36 characters)
  uint8_t ip_len, prefix_bits;
  uint8_t has_user, has_fingerprint, has_user_agent;
  LoginOutcome outcome;
  uint8_t endpoint;  // index in the bundle's logins
  uint8_t worker;
  uint16_t status;  // the response's status
  uint16_t pad;
  uint32_t pad2;
};
static_assert(sizeof(LoginRecord) % 8 == 0);

}  // namespace bulwark::login_guard
