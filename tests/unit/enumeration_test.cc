// Enumeration detection: a sequential walk is decided at exactly the configured run,
// repeats neither break nor extend a run, distinct ids are counted per key, a reader of
// the same few objects is never decided against, windows start afresh, monitor mode
// only reports, and the section's errors carry their lines.
#include <boost/test/unit_test.hpp>
#include <string>

#include "dataplane/features/enumeration/enumeration_detector.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;

namespace {

bulwark::enumeration::ObjectRecord read(uint8_t client, uint64_t id) {
  bulwark::enumeration::ObjectRecord r{};
  r.key[0] = 4;  // API key digest
  r.key[2] = client;
  r.numeric = 1;
  r.id_value = id;
  r.id_hash = id * 0x9e3779b97f4a7c15ULL;
  r.key_text[0] = static_cast<char>('a' + client);
  return r;
}

rules::ObjectPolicy entry() {
  rules::ObjectPolicy p;
  p.name = "customers";
  p.prefix = "/api/v1/customers/";
  p.max_ids = 50;
  p.sequential = 20;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(enumeration)

BOOST_AUTO_TEST_CASE(sequential_walks_and_distinct_ids) {
  bulwark::enumeration::EnumerationDetector d;
  d.configure({entry()});
  std::vector<nlohmann::json> ev;
  for (uint64_t id = 1; id <= 19; ++id) {
    d.add(read(1, id), 100, ev);
    d.add(read(1, id), 100, ev);  // a repeat neither breaks nor extends the run
  }
  BOOST_TEST(d.decisions().active() == 0u);
  d.add(read(1, 20), 100, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["check"] == "sequential_ids");
  BOOST_TEST(ev[0]["sequential_run"] == 20);
  BOOST_TEST(ev[0]["enforced"] == true);
  BOOST_TEST(d.decisions().take_changed());
  // Broken runs: 15 in sequence, a jump, 15 again: no sequence decision, 30 distinct.
  ev.clear();
  for (uint64_t id = 100; id < 115; ++id) d.add(read(2, id), 100, ev);
  for (uint64_t id = 500; id < 515; ++id) d.add(read(2, id), 100, ev);
  BOOST_TEST(ev.empty());
  // Scattered ids: decided at 50 distinct (exact to 32, estimated after).
  for (uint64_t k = 0; k < 60 && ev.empty(); ++k) d.add(read(3, 7919 * k % 100000), 100, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["check"] == "distinct_ids");
  // The same few objects, many times: never.
  ev.clear();
  for (int k = 0; k < 1000; ++k) d.add(read(4, static_cast<uint64_t>(3 + k % 5 * 4)), 100, ev);
  BOOST_TEST(ev.empty());
  BOOST_TEST(d.decisions().active() == 2u);
  const auto entries = d.decisions().block_entries();
  BOOST_TEST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0]["kind"] == "api_key");
  BOOST_TEST(entries[0]["id"].get<uint64_t>() >= (uint64_t{1} << 41));  // its own id range
}

BOOST_AUTO_TEST_CASE(response_volume_per_key) {
  bulwark::enumeration::EnumerationDetector d;
  rules::ObjectPolicy p = entry();
  p.max_ids = 0;
  p.sequential = 0;
  p.max_bytes = 100000;
  p.action = rules::Action::challenge;
  d.configure({p});
  std::vector<nlohmann::json> ev;
  auto served = [](uint8_t client, uint64_t id, uint64_t bytes) {
    bulwark::enumeration::ObjectRecord r = read(client, id);
    r.volume = 1;
    r.bytes = bytes;
    return r;
  };
  // A scraper of one big page, again and again; a reader of small ones.
  for (int k = 0; k < 3; ++k) {
    d.add(read(1, 7), 100, ev);
    d.add(served(1, 7, 30000), 100, ev);
    d.add(read(2, 7), 100, ev);
    d.add(served(2, 7, 300), 100, ev);
  }
  BOOST_TEST(ev.empty());
  d.add(served(1, 7, 10000), 100, ev);  // 100000 bytes: at the threshold
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["check"] == "response_bytes");
  BOOST_TEST(ev[0]["response_bytes"] == 100000);
  BOOST_TEST(ev[0]["action"] == "challenge");
  BOOST_TEST(d.reads() == 6u);  // volume records are not reads
  const auto entries = d.decisions().block_entries();
  BOOST_TEST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0]["action"] == 2);  // bulwark::inspect::BlockAction::challenge
  BOOST_TEST(entries[0]["decoy"] == 1);   // its entry's decoy answer (if it were decoy)
  // A new window starts from zero.
  ev.clear();
  d.add(served(2, 7, 99999), 200, ev);
  BOOST_TEST(ev.empty());
}

BOOST_AUTO_TEST_CASE(windows_and_monitor_mode) {
  bulwark::enumeration::EnumerationDetector d;
  rules::ObjectPolicy p = entry();
  p.mode = rules::Mode::monitor;
  p.window_s = 10;
  d.configure({p});
  std::vector<nlohmann::json> ev;
  for (uint64_t id = 1; id <= 15; ++id) d.add(read(1, id), 100, ev);
  for (uint64_t id = 16; id <= 30; ++id) d.add(read(1, id), 111, ev);  // a new window
  BOOST_TEST(ev.empty());
  for (uint64_t id = 31; id <= 50; ++id) d.add(read(1, id), 112, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["enforced"] == false);
  BOOST_TEST(!d.decisions().take_changed());
  BOOST_TEST(d.decisions().block_entries().empty());
}

BOOST_AUTO_TEST_CASE(section_reaches_the_bundle_and_errors_have_lines) {
  auto b = test::bundle_of(
      "identity: {api_key_header: X-Key}\n"
      "enumeration:\n  - {name: orders, path: \"/v2/users/{id}/orders\", key: api_key, max_ids: "
      "0, max_bytes: 5000000}\n");
  BOOST_TEST_REQUIRE(b->objects.size() == 1u);
  BOOST_TEST(b->objects[0].max_bytes == 5000000u);
  BOOST_TEST(b->objects[0].prefix == "/v2/users/");
  BOOST_TEST(b->objects[0].suffix == "/orders");
  BOOST_TEST(b->objects[0].max_ids == 0u);
  BOOST_TEST(b->objects[0].sequential == 20u);
  const auto err = test::error_of;
  BOOST_TEST(
      err("enumeration:\n  - {name: x, path: \"/a/{id}x\"}\n").find("t.yaml:2: 'path' must") == 0u);
  BOOST_TEST(err("enumeration:\n  - {name: x, path: \"/a/b\"}\n").find("t.yaml:2: 'path' must") ==
             0u);
  BOOST_TEST(err("enumeration:\n  - {name: x, path: \"/a/{id}\", key: cookie}\n")
                 .find("'key' must be one of") != std::string::npos);
  // A session counts once the identity names its cookie.
  BOOST_TEST(err("enumeration:\n  - {name: x, path: \"/a/{id}\", key: session}\n")
                 .find("set identity.session_cookie") != std::string::npos);
  BOOST_TEST(err("identity: {session_cookie: sid}\nenumeration:\n"
                 "  - {name: x, path: \"/a/{id}\", key: session}\n")
                 .empty());
  BOOST_TEST(err("enumeration:\n  - {name: x, path: \"/a/{id}\", max_ids: 0, sequential: 0}\n")
                 .find("are all off") != std::string::npos);
  BOOST_TEST(err("enumeration:\n  - {name: x, path: \"/a/{id}\", key: fingerprint}\n")
                 .find("set identity.fingerprint_header") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
