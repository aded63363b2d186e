// What the sections of rule files share when they are read (see section_parse.h).
// Linked on both sides: the dataplane loads feature sections with the same code.
#include "rules/lang/section_parse.h"

#include <arpa/inet.h>

#include <algorithm>

namespace bulwark::rules {

Action action_of(const YAML::Node& n, std::initializer_list<Action> allowed,
                 const std::string& message) {
  const std::string a = string_of(n, "action");
  for (const Action x : allowed)
    if (a == action_name(x)) return x;
  throw ConfigError(n, message + ", not '" + a + "'");
}

Mode mode_of(const YAML::Node& n) {
  const std::string m = string_of(n, "mode");
  if (m == "enforce") return Mode::enforce;
  if (m == "monitor") return Mode::monitor;
  throw ConfigError(n, "'mode' must be enforce or monitor, not '" + m + "'");
}

// "198.18.0.0/15", "2001:db8::/32" or a single address.
std::pair<std::vector<uint8_t>, unsigned> prefix_of(const YAML::Node& n) {
  const std::string v = string_of(n, "in[]");
  const size_t slash = v.find('/');
  const std::string addr = v.substr(0, slash);
  std::vector<uint8_t> bytes(16);
  unsigned max_bits;
  if (inet_pton(AF_INET, addr.c_str(), bytes.data()) == 1) {
    bytes.resize(4);
    max_bits = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), bytes.data()) == 1) {
    max_bits = 128;
  } else {
    throw ConfigError(n, "'" + v + "' is not an IPv4 or IPv6 address or prefix");
  }
  unsigned bits = max_bits;
  if (slash != std::string::npos) {
    const std::string b = v.substr(slash + 1);
    if (b.empty() || b.size() > 3 || b.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(b) > max_bits)
      throw ConfigError(n, "'" + v + "': prefix length must be 0.." + std::to_string(max_bits));
    bits = static_cast<unsigned>(std::stoul(b));
  }
  return {bytes, bits};
}

KeyPart decision_key_of(const YAML::Node& n) {
  const std::string k = string_of(n, "key");
  for (unsigned i = 0; i < static_cast<unsigned>(KeyPart::count_); ++i)
    if (k == key_part_name(static_cast<KeyPart>(i))) return static_cast<KeyPart>(i);
  throw ConfigError(
      n,
      "'key' must be one of client_ip, prefix, fingerprint, api_key, session, user_agent, "
      "not '" +
          k + "'");
}

DecoyAnswer decoy_of(const YAML::Node& n, Action action) {
  DecoyAnswer d;
  if (!n) return d;
  if (action != Action::decoy) throw ConfigError(n, "'decoy' is only for action: decoy");
  require_map(n, "decoy", {"status", "content_type", "body"});
  if (n["status"]) {
    d.status = scalar<uint16_t>(n["status"], "decoy.status", 200, 599);
    if (d.status == 204 || d.status == 304)
      throw ConfigError(n["status"], "'decoy.status' " + std::to_string(d.status) +
                                         " has no body; use another status");
  }
  if (n["content_type"]) {
    d.content_type = string_of(n["content_type"], "decoy.content_type");
    if (d.content_type.empty() || d.content_type.size() > 128 ||
        std::any_of(d.content_type.begin(), d.content_type.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      throw ConfigError(n["content_type"], "'decoy.content_type' is not a header value");
  }
  if (n["body"]) {
    if (!n["body"].IsScalar()) throw ConfigError(n["body"], "'decoy.body' must be a string");
    d.body = n["body"].Scalar();
    if (d.body.size() > 1024)
      throw ConfigError(n["body"], "'decoy.body' is " + std::to_string(d.body.size()) +
                                       " bytes; at most 1024 (the answer is sent as one packet)");
  }
  return d;
}

}  // namespace bulwark::rules
