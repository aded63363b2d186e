// The rate-limit key of a client for one limit (ratelimit_stage.cc): the part itself if
// the limit counts by one (addresses as IPv6, IPv4 mapped), else a digest of them all.
#pragma once

#include <cstdint>

#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/identity/client_identity.h"

namespace bulwark::ratelimit {

// The key of limit `rule_id` counting by `parts` (a bit set of rules::KeyPart) for this
// client. false if the request lacks a part (e.g. no API key): the limit does not apply.
bool make_limit_key(uint32_t rule_id, uint8_t parts, const identity::ClientIdentity& id,
                    LimitKey& key);

}  // namespace bulwark::ratelimit
