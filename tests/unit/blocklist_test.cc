// The manual block list: bulwark-control's stored list (validation, canonical values,
// API keys kept only as digests, persistence, expiry) and the dataplane's lookup table
// built from its message (addresses by longest prefix, IPv4 and IPv6, API keys and
// fingerprints by digest, expiry by TSC deadline, hostile messages refused).
#include <arpa/inet.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "control/features/blocklist/block_list.h"
#include "dataplane/inspect/block_set.h"
#include "rules/lang/bundle.h"
#include "tests/unit/eal_fixture.h"

using namespace bulwark;
using namespace bulwark::control::blocklist;
using namespace bulwark::proto;
using control::blocklist::BlockList;

namespace {

struct TempDir {
  std::string path = "/tmp/bulwark-unit-blocks-" + std::to_string(getpid()) + "-" +
                     std::to_string(reinterpret_cast<uintptr_t>(this));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

bulwark::identity::ClientIdentity client(const char* ip) {
  bulwark::identity::ClientIdentity id;
  if (inet_pton(AF_INET, ip, id.ip) == 1) {
    id.ip_len = 4;
  } else {
    BOOST_REQUIRE(inet_pton(AF_INET6, ip, id.ip) == 1);
    id.ip_len = 16;
  }
  return id;
}

std::unique_ptr<bulwark::inspect::BlockSet> build(const BlockList& l, uint64_t now_unix,
                                                  std::string& error) {
  test::ensure_eal();
  static uint64_t generation = 1000;
  return bulwark::inspect::BlockSet::build(l.message(), ++generation, now_unix, 1000000, 1000,
                                           error);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(block_list)

BOOST_AUTO_TEST_CASE(values_are_checked_and_canonical) {
  TempDir d;
  BlockList l;
  std::string error;
  BOOST_TEST_REQUIRE(l.load(d.path + "/blocklist.json", error), error);
  auto e = l.add("prefix", "203.0.113.77/24", "block", 0, "ops", "", 100, error);
  BOOST_TEST_REQUIRE(e.has_value(), error);
  BOOST_TEST(e->value == "203.0.113.0/24");  // host bits cleared
  e = l.add("ip", "2001:DB8::0:1", "respond", 60, "ops", "", 100, error);
  BOOST_TEST_REQUIRE(e.has_value(), error);
  BOOST_TEST(e->value == "2001:db8::1");
  BOOST_TEST(e->expires_unix == 160u);
  BOOST_TEST(!l.add("ip", "2001:db8::1", "block", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(error.find("already blocked as entry 2") == 0u, error);
  for (const auto& [kind, value] :
       std::vector<std::pair<std::string, std::string>>{{"ip", "300.1.1.1"},
                                                        {"prefix", "10.0.0.0/33"},
                                                        {"prefix", "10.0.0.0"},
                                                        {"fingerprint", "t13d 1516"},
                                                        {"api_key_sha256", "abc"},
                                                        {"cidr", "10.0.0.0/8"}}) {
    BOOST_TEST(!l.add(kind, value, "block", 0, "ops", "", 100, error).has_value(),
               kind + " " + value);
    BOOST_TEST(!error.empty());
  }
  e = l.add("ip", "::ffff:198.51.100.7", "block", 0, "ops", "", 100, error);
  BOOST_TEST_REQUIRE(e.has_value(), error);
  BOOST_TEST(e->value == "198.51.100.7");  // as the dataplane sees such a client
  e = l.add("prefix", "::ffff:198.51.100.0/120", "block", 0, "ops", "", 100, error);
  BOOST_TEST_REQUIRE(e.has_value(), error);
  BOOST_TEST(e->value == "198.51.100.0/24");
  BOOST_TEST(
      !l.add("ip", "10.9.9.9", "block", 400ull * 366 * 86400, "ops", "", 100, error).has_value());
  BOOST_TEST(error.find("over 10 years") != std::string::npos);
  BOOST_TEST(!l.add("ip", "10.0.0.1", "drop", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(error.find("action must be block, respond or challenge") == 0u);
}

BOOST_AUTO_TEST_CASE(api_keys_are_kept_as_digests_and_the_list_persists) {
  TempDir d;
  const std::string path = d.path + "/blocklist.json";
  std::string error;
  {
    BlockList l;
    BOOST_TEST_REQUIRE(l.load(path, error));
    const auto e = l.add("api_key", "sk-live-secret", "block", 3600, "ops", "leaked", 1000, error);
    BOOST_TEST_REQUIRE(e.has_value(), error);
    const std::string secret = "sk-live-secret";
    BOOST_TEST(e->value ==
               rules::sha256_hex(reinterpret_cast<const uint8_t*>(secret.data()), secret.size()));
    BOOST_TEST(l.add("fingerprint", "t13d1516h2_8daaf6152771_e5627efa2ab1", "block", 0, "ops", "",
                     1000, error)
                   .has_value());
  }
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(text.find("sk-live-secret") == std::string::npos);  // never in clear
  BlockList again;
  BOOST_TEST_REQUIRE(again.load(path, error), error);
  BOOST_TEST(again.entries().size() == 2u);
  BOOST_TEST(again.entries()[0].comment == "leaked");
  // Ids go on after a restart; expiry drops the first entry only.
  const auto e = again.add("ip", "198.18.0.1", "block", 0, "ops", "", 1000, error);
  BOOST_TEST(e->id == 3u);
  BOOST_TEST(!again.expire(4599));
  BOOST_TEST(again.expire(4600));
  BOOST_TEST(again.entries().size() == 2u);
  BOOST_TEST(!again.remove(1, error));
  BOOST_TEST(error == "no block list entry 1");
  BOOST_TEST(again.remove(3, error));
  BlockList third;
  BOOST_TEST_REQUIRE(third.load(path, error));
  BOOST_TEST(third.entries().size() == 1u);
  // A damaged file is refused with its name, not read as empty.
  std::ofstream(path) << "{\"next_id\": 2, \"entries\": [{\"id\": 1, \"kind\": \"ip\"}]}";
  BlockList broken;
  BOOST_TEST(!broken.load(path, error));
  BOOST_TEST(error.find(path + ": not a valid block list") == 0u, error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(block_set)

BOOST_AUTO_TEST_CASE(addresses_keys_and_fingerprints_match) {
  TempDir d;
  BlockList l;
  std::string error;
  BOOST_TEST_REQUIRE(l.load(d.path + "/b.json", error));
  BOOST_TEST(l.add("prefix", "203.0.113.0/24", "block", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("ip", "198.18.0.9", "respond", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("prefix", "2001:db8:bad::/48", "block", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("api_key", "k-stolen", "block", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("fingerprint", "t13d1516h2_8daaf6152771_e5627efa2ab1", "block", 0, "ops", "",
                   100, error)
                 .has_value());
  BOOST_TEST(l.add("ip", "198.18.7.7", "challenge", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("fingerprint", "t13d1812h1_85036bcba153_b26ce05bbdd6", "challenge", 0, "ops", "",
                   100, error)
                 .has_value());
  auto s = build(l, 100, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->size() == 7u);
  {
    // Challenge entries match HTTP requests; a TLS connection, which cannot be
    // challenged, is not stopped by them.
    const uint64_t at = 1000000;
    const auto* c = s->match(client("198.18.7.7"), at);
    BOOST_TEST_REQUIRE(c != nullptr);
    BOOST_TEST((c->action == bulwark::inspect::BlockAction::challenge));
    const uint8_t a[4] = {198, 18, 7, 7};
    BOOST_TEST(s->match_address(a, 4, at) == nullptr);
    BOOST_TEST(s->match_fingerprint("t13d1812h1_85036bcba153_b26ce05bbdd6", at) == nullptr);
    BOOST_TEST(s->match_fingerprint("t13d1516h2_8daaf6152771_e5627efa2ab1", at) != nullptr);
  }
  const uint64_t now = 1000000;
  auto m = s->match(client("203.0.113.200"), now);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST(m->id == 1u);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::block));
  m = s->match(client("198.18.0.9"), now);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST(m->id == 2u);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::respond));
  BOOST_TEST(s->match(client("198.18.0.8"), now) == nullptr);
  BOOST_TEST(s->match(client("203.0.114.1"), now) == nullptr);
  BOOST_TEST(s->match(client("2001:db8:bad:ffff::1"), now) != nullptr);
  BOOST_TEST(s->match(client("2001:db8:bae::1"), now) == nullptr);
  // The same client with a stolen key, or presenting a blocked fingerprint.
  bulwark::identity::ClientIdentity c = client("192.0.2.1");
  rules::IdentityPolicy p;  // the fingerprint header comes from a trusted proxy
  p.trusted_proxies.push_back({{192, 0, 2, 0}, 24});
  HttpHead h{};
  h.headers[0] = {"X-Api-Key", "k-stolen"};
  h.headers[1] = {"X-JA4", "t13d1516h2_8daaf6152771_e5627efa2ab1"};
  h.header_count = 2;
  p.fingerprint_header = "x-ja4";
  bulwark::identity::resolve_identity(p, h, c.ip, 4, {}, s->wants(), c);
  m = s->match(c, now);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST(m->id == 4u);
  h.header_count = 0;
  h.headers[0] = {"X-JA4", "t13d1516h2_8daaf6152771_e5627efa2ab1"};
  h.header_count = 1;
  bulwark::identity::resolve_identity(p, h, c.ip, 4, {}, s->wants(), c);
  m = s->match(c, now);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST(m->id == 5u);
  BOOST_TEST(s->match_fingerprint("t13d1516h2_8daaf6152771_e5627efa2ab1", now) != nullptr);
  BOOST_TEST(s->match_fingerprint("t13d1516h2_8daaf6152771_000000000000", now) == nullptr);
}

BOOST_AUTO_TEST_CASE(entries_expire_by_their_deadline) {
  TempDir d;
  BlockList l;
  std::string error;
  BOOST_TEST_REQUIRE(l.load(d.path + "/b.json", error));
  BOOST_TEST(
      l.add("ip", "198.18.0.9", "block", 30, "ops", "", 100, error).has_value());  // until 130
  auto s = build(l, 110, error);  // built at unix 110 = TSC 1000000, 1000 ticks/s
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->match(client("198.18.0.9"), 1000000 + 19999) != nullptr);
  BOOST_TEST(s->match(client("198.18.0.9"), 1000000 + 20000) == nullptr);
  auto late = build(l, 130, error);  // already expired when built: not there at all
  BOOST_TEST_REQUIRE(late != nullptr, error);
  BOOST_TEST(late->size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_challenge_never_hides_a_block) {
  TempDir d;
  BlockList l;
  std::string error;
  BOOST_TEST_REQUIRE(l.load(d.path + "/b.json", error));
  // A challenge on the address, a block on the API key and on the /16 it is in.
  BOOST_TEST(l.add("ip", "198.18.5.5", "challenge", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("api_key", "k-leaked", "block", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(l.add("prefix", "198.18.0.0/16", "block", 0, "ops", "", 100, error).has_value());
  auto s = build(l, 100, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  bulwark::identity::ClientIdentity c = client("198.18.5.5");
  const auto* m = s->match(c, 1000000);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::block));  // the /16, not the challenge
  const uint8_t a[4] = {198, 18, 5, 5};
  const auto* t = s->match_address(a, 4, 1000000);  // TLS: past the challenge to the /16
  BOOST_TEST_REQUIRE(t != nullptr);
  BOOST_TEST(t->id == 3u);
  // Only the challenge: it is what matches.
  BlockList only;
  BOOST_TEST_REQUIRE(only.load(d.path + "/c.json", error));
  BOOST_TEST(only.add("ip", "198.18.5.5", "challenge", 0, "ops", "", 100, error).has_value());
  BOOST_TEST(only.add("api_key", "k-leaked", "block", 0, "ops", "", 100, error).has_value());
  auto s2 = build(only, 100, error);
  BOOST_TEST_REQUIRE(s2 != nullptr, error);
  m = s2->match(client("198.18.5.5"), 1000000);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::challenge));
  // With the leaked key the block wins over the address's challenge.
  rules::IdentityPolicy p;
  HttpHead h{};
  h.headers[0] = {"X-Api-Key", "k-leaked"};
  h.header_count = 1;
  bulwark::identity::ClientIdentity k = client("198.18.5.5");
  bulwark::identity::resolve_identity(p, h, k.ip, 4, {}, s2->wants(), k);
  m = s2->match(k, 1000000);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::block));
}

BOOST_AUTO_TEST_CASE(decoy_entries_name_their_answer_and_skip_tls) {
  test::ensure_eal();
  using json = nlohmann::json;
  const json msg = {{"entries",
                     {{{"id", uint64_t{1} << 41},
                       {"kind", "prefix"},
                       {"action", uint64_t{3}},
                       {"decoy", uint64_t{2}},
                       {"expires_unix", uint64_t{0}},
                       {"addr", json::binary({198, 18, 9, 9})},
                       {"bits", uint64_t{32}}}}}};
  std::string error;
  auto s = bulwark::inspect::BlockSet::build(msg, 7003, 100, 1000000, 1000, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  const auto* m = s->match(client("198.18.9.9"), 1000000);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::decoy));
  BOOST_TEST(m->decoy == 2);
  const uint8_t a[4] = {198, 18, 9, 9};
  BOOST_TEST(s->match_address(a, 4, 1000000) == nullptr);  // a TLS connection passes
}

BOOST_AUTO_TEST_CASE(the_login_guard_knows_its_fingerprints_until_its_deadline) {
  test::ensure_eal();
  using json = nlohmann::json;
  auto digest = [](const std::string& t) {
    bulwark::identity::Digest x;
    bulwark::identity::digest_bytes(reinterpret_cast<const uint8_t*>(t.data()), t.size(), x);
    return std::vector<uint8_t>(x, x + 16);
  };
  const json msg = {{"entries", json::array()},
                    {"login_guard",
                     {{"expires_unix", uint64_t{160}},
                      {"known", {json::binary(digest("fp-b")), json::binary(digest("fp-a"))}}}}};
  std::string error;
  // now 100 s at TSC 1000000, 1000 ticks a second: the guard holds until TSC 1060000.
  auto s = bulwark::inspect::BlockSet::build(msg, 7001, 100, 1000000, 1000, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->login_guarded(1059999));
  BOOST_TEST(!s->login_guarded(1060000));
  BOOST_TEST(s->known_fingerprint(digest("fp-a").data()));
  BOOST_TEST(s->known_fingerprint(digest("fp-b").data()));
  BOOST_TEST(!s->known_fingerprint(digest("fp-tool").data()));
  // Clearances need the fingerprint and user-agent digests while a guard is open.
  BOOST_TEST((s->wants() & (1u << static_cast<unsigned>(rules::KeyPart::user_agent))) != 0u);
  // Without a guard: never guarded.
  auto none = bulwark::inspect::BlockSet::build({{"entries", json::array()}}, 7002, 100, 1000000,
                                                1000, error);
  BOOST_TEST_REQUIRE(none != nullptr, error);
  BOOST_TEST(!none->login_guarded(1000000));
}

BOOST_AUTO_TEST_CASE(hostile_messages_are_refused) {
  test::ensure_eal();
  using json = nlohmann::json;
  std::string error;
  const std::vector<json> bad = {
      json::array(),
      {{"entries", 3}},
      {{"entries",
        {{{"id", 1},
          {"kind", "prefix"},
          {"action", 0},
          {"expires_unix", 0},
          {"addr", json::binary({1, 2, 3})},
          {"bits", 8}}}}},
      {{"entries",
        {{{"id", 1},
          {"kind", "prefix"},
          {"action", 0},
          {"expires_unix", 0},
          {"addr", json::binary({1, 2, 3, 4})},
          {"bits", 33}}}}},
      {{"entries",
        {{{"id", 1},
          {"kind", "api_key"},
          {"action", 0},
          {"expires_unix", 0},
          {"digest", json::binary({1, 2})}}}}},
      {{"entries",
        {{{"id", 1}, {"kind", "fingerprint"}, {"action", 7}, {"expires_unix", 0}, {"text", "x"}}}}},
      {{"entries", {{{"id", 1}, {"kind", "mac"}, {"action", 0}, {"expires_unix", 0}}}}},
      {{"entries", json::array()}, {"login_guard", 1}},
      {{"entries", json::array()}, {"login_guard", {{"expires_unix", 200}}}},
      {{"entries", json::array()},
       {"login_guard", {{"expires_unix", 200}, {"known", {json::binary({1, 2, 3})}}}}},
  };
  uint64_t g = 5000;
  for (const auto& m : bad) {
    error.clear();
    BOOST_TEST(bulwark::inspect::BlockSet::build(m, ++g, 100, 0, 1000, error) == nullptr, m.dump());
    BOOST_TEST(error.find("invalid block list: ") == 0u, error);
  }
}

BOOST_AUTO_TEST_SUITE_END()
