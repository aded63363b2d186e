// Sensitive data in responses: the validators (valid and near-miss values), the
// streaming scanner on the built-in classes (matches split across pieces, duplicate
// ends, near misses), the discovery section of rule files, and the extraction detector.
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/features/discovery/extraction_detector.h"
#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/block_set.h"
#include "rules/features/discovery/sensitive_validators.h"
#include "tests/unit/eal_fixture.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;
using namespace bulwark::proto;
using namespace bulwark::rules::discovery;
using rules::discovery::Validator;

BOOST_AUTO_TEST_SUITE(sensitive_validators)

BOOST_AUTO_TEST_CASE(luhn_valid_and_near_misses) {
  // Test numbers of the card networks.
  for (const char* ok :
       {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444",
        "378282246310005", "6011111111111117", "2223003122003222", "4000000000000010"})
    BOOST_TEST(rules::discovery::luhn_ok(ok), ok);
  for (const char* bad : {"4111111111111112",      // one digit off
                          "4111111111111121",      // two digits swapped
                          "0000000000000000",      // passes Luhn, no issuer
                          "9111111111111111",      // no issuer 9
                          "411111111111",          // 12 digits
                          "41111111111111111111",  // 20 digits
                          "4111x1111111111111", "", "4111__1111111111111"})
    BOOST_TEST(!rules::discovery::luhn_ok(bad), bad);
}

BOOST_AUTO_TEST_CASE(iban_valid_and_near_misses) {
  for (const char* ok : {"DE89370400440532013000", "DE89 3704 0044 0532 0130 00",
                         "GB82WEST12345698765432", "FR1420041010050500013M02606",
                         "NL91ABNA0417164300", "CH9300762011623852957", "de89370400440532013000"})
    BOOST_TEST(rules::discovery::iban_ok(ok), ok);
  for (const char* bad : {"DE89370400440532013001",  // checksum off by one
                          "DE88370400440532013000",  // wrong check digits
                          "DE8937040044053201300",   // a character short for DE
                          "GB82WEST1234569876543X",  // wrong
                          "XX00", "DE89-3704-0044-0532-0130-00", "", "1289370400440532013000"})
    BOOST_TEST(!rules::discovery::iban_ok(bad), bad);
}

BOOST_AUTO_TEST_CASE(ssn_rules) {
  for (const char* ok : {"123-45-6789", "078-05-1121", "665-01-0001", "899-99-9999"})
    BOOST_TEST(rules::discovery::ssn_ok(ok), ok);
  for (const char* bad : {"000-12-3456", "666-12-3456", "900-12-3456", "999-99-9999", "123-00-4567",
                          "123-45-0000", "123-45-678", "12-345-6789x"})
    BOOST_TEST(!rules::discovery::ssn_ok(bad), bad);
}

BOOST_AUTO_TEST_CASE(phone_and_date) {
  BOOST_TEST(rules::discovery::phone_ok("+1-555-0142-1234"));
  BOOST_TEST(rules::discovery::phone_ok("+44 20 7946 0958"));
  BOOST_TEST(!rules::discovery::phone_ok("+1-555"));             // too few digits
  BOOST_TEST(!rules::discovery::phone_ok("+1234567890123456"));  // more than E.164's 15
  BOOST_TEST(rules::discovery::date_ok(R"("dob":"1984-03-12)"));
  BOOST_TEST(rules::discovery::date_ok("2000-02-29"));
  BOOST_TEST(!rules::discovery::date_ok("1900-02-29"));  // not a leap year
  BOOST_TEST(!rules::discovery::date_ok("1984-13-01"));
  BOOST_TEST(!rules::discovery::date_ok("1984-04-31"));
  BOOST_TEST(!rules::discovery::date_ok("1984-00-10"));
  Validator v;
  BOOST_TEST(rules::discovery::validator_of("iban", v));
  BOOST_TEST((v == Validator::iban));
  BOOST_TEST(!rules::discovery::validator_of("crc32", v));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Scans `body` in pieces of `piece` bytes with a scanner over `bundle`'s classes;
// returns the counts by class name.
std::map<std::string, unsigned> scan(const rules::Bundle& b, const std::string& body,
                                     size_t piece) {
  bulwark::discovery::SensitiveScanner sc(b);
  BOOST_TEST_REQUIRE(sc.ok());
  sc.use_stream_pool(1);
  bulwark::discovery::SensitiveScan s;
  BOOST_TEST_REQUIRE(sc.begin(s));
  for (size_t at = 0; at < body.size(); at += piece)
    sc.feed(s, reinterpret_cast<const uint8_t*>(body.data()) + at,
            std::min(piece, body.size() - at));
  sc.end(s);
  std::map<std::string, unsigned> out;
  for (size_t c = 0; c < b.discovery.class_names.size(); ++c)
    if (s.counts[c]) out[b.discovery.class_names[c]] = s.counts[c];
  return out;
}

const char* kRecords = R"([
 {"id":1,"email":"user1@example.com","phone":"+1-555-0142-1234","card":"4000000000000010",
  "ssn":"123-45-6789","iban":"DE89 3704 0044 0532 0130 00","dob":"1984-03-12"},
 {"id":2,"email":"j.doe+news@mail.example.co.uk","phone":"(555) 010-4477",
  "card":"4111-1111-1111-1111","token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "aws":"AKIAIOSFODNN7EXAMPLE","Date_Of_Birth": "1990-11-30"}
])";

// The same shapes that must not count: Luhn, checksum and SSN rules fail.
const char* kNearMisses = R"([
 {"order":"4000000000000011","ref":"4111 1111 1111 1112","iban":"DE88370400440532013000",
  "ssn":"000-12-3456","ssn2":"666-45-6789","ssn3":"912-34-5678","dob":"1984-02-30",
  "phone":"+1-555","when":"2024-06-01"}
])";

}  // namespace

BOOST_AUTO_TEST_SUITE(sensitive_scan)

BOOST_AUTO_TEST_CASE(built_in_classes_count_each_record_once) {
  auto b = test::bundle_of("rules: []\n");
  BOOST_TEST_REQUIRE(b->discovery.enabled);
  BOOST_TEST(b->discovery.class_names.size() == 8u);
  const std::map<std::string, unsigned> want = {{"email", 2},     {"phone", 2}, {"card", 2},
                                                {"ssn", 1},       {"iban", 1},  {"jwt", 1},
                                                {"cloud_key", 1}, {"dob", 2}};
  // Whole, in packets, and byte by byte: a match split anywhere counts the same.
  for (size_t piece : {size_t{100000}, size_t{1460}, size_t{7}, size_t{1}}) {
    const auto got = scan(*b, kRecords, piece);
    std::string text;
    for (const auto& [k, v] : got) text += k + "=" + std::to_string(v) + " ";
    BOOST_TEST((got == want), "piece " << piece << ": " << text);
  }
}

BOOST_AUTO_TEST_CASE(near_misses_do_not_count) {
  auto b = test::bundle_of("rules: []\n");
  for (size_t piece : {size_t{100000}, size_t{3}}) {
    const auto got = scan(*b, kNearMisses, piece);
    BOOST_TEST(got.empty(), "piece " << piece << ": " << got.size() << " classes counted");
  }
}

BOOST_AUTO_TEST_CASE(configured_classes_replace_and_disable) {
  auto b = test::bundle_of(R"(
discovery:
  sensitive_data:
    disable: [phone, jwt]
    classes:
      - name: employee_id
        patterns: ['\bEMP-[0-9]{6}\b']
      - name: card
        patterns: ['\b4[0-9]{15}\b']
        validator: luhn
)");
  const auto& n = b->discovery.class_names;
  BOOST_TEST(std::count(n.begin(), n.end(), "phone") == 0);
  BOOST_TEST(std::count(n.begin(), n.end(), "jwt") == 0);
  BOOST_TEST(std::count(n.begin(), n.end(), "employee_id") == 1);
  const auto mail = scan(*test::bundle_of("rules: []\n"),
                         "Write to a@b.example.com. Or c.d@e.co.uk, or x@y.org\n", 4);
  BOOST_TEST(mail.at("email") == 3u);
  // An address that ends the body counts too, whole or split.
  for (size_t piece : {size_t{100}, size_t{3}})
    BOOST_TEST(scan(*test::bundle_of("rules: []\n"), "contact: x@y.org", piece).at("email") == 1u);
  const auto got =
      scan(*b, R"({"e":"EMP-123456","c":"4111111111111111","d":"4111 1111 1111 1111"})", 5);
  BOOST_TEST(got.at("employee_id") == 1u);
  BOOST_TEST(got.at("card") == 1u);  // the replaced pattern takes no spaces
}

BOOST_AUTO_TEST_CASE(scanning_off_has_no_database) {
  auto b = test::bundle_of("discovery:\n  scan_responses: false\n");
  BOOST_TEST(b->discovery.enabled);
  BOOST_TEST(!b->discovery.db);
  auto off = test::bundle_of("discovery:\n  enabled: false\n");
  BOOST_TEST(!off->discovery.enabled);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(discovery_rules)

BOOST_AUTO_TEST_CASE(errors_name_the_line) {
  BOOST_TEST(test::error_of("discovery:\n  bogus: 1\n").find("t.yaml:2") != std::string::npos);
  BOOST_TEST(test::error_of(R"(discovery:
  sensitive_data:
    classes:
      - name: bad
        patterns: ['(unclosed']
)")
                 .find("class 'bad' pattern") != std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  sensitive_data:\n    disable: [passport]\n")
                 .find("not a built-in class") != std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  sensitive_data:\n    classes:\n      - name: Bad-Name\n"
                            "        patterns: [x]\n")
                 .find("class name") != std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  extraction:\n    max_records: 0\n").find("both off") !=
             std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  extraction:\n    key: fingerprint\n")
                 .find("fingerprint_header") != std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  extraction:\n    action: decoy\n").find("extraction") !=
             std::string::npos);
  BOOST_TEST(test::error_of("discovery:\n  extraction:\n    key: session\n")
                 .find("identity.session_cookie") != std::string::npos);
  BOOST_TEST(test::error_of("identity:\n  session_cookie: sid\ndiscovery:\n  extraction:\n"
                            "    key: session\n")
                 .empty());
  BOOST_TEST(test::error_of("discovery: {}\n---\n").empty());
}

BOOST_AUTO_TEST_CASE(extraction_policy_reaches_the_bundle) {
  auto b = test::bundle_of(R"(
discovery:
  extraction:
    key: prefix
    window: 60
    max_records: 500
    max_objects: 40
    action: challenge
    ttl: 120
)");
  const rules::ExtractionPolicy& p = b->discovery.extraction;
  BOOST_TEST(p.enabled);
  BOOST_TEST((p.key == rules::KeyPart::prefix));
  BOOST_TEST(p.max_records == 500u);
  BOOST_TEST(p.max_objects == 40u);
  BOOST_TEST((p.action == rules::Action::challenge));
  BOOST_TEST(b->challenges);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(extraction)

namespace {

bulwark::discovery::ApiRecord call(uint8_t client, uint16_t records, uint64_t object) {
  bulwark::discovery::ApiRecord r;
  std::memset(&r, 0, sizeof r);
  r.has_key = 1;
  r.key[0] = 0;
  r.key[1] = 4;
  r.key[2] = client;
  std::snprintf(r.key_text, sizeof r.key_text, "198.18.0.%u", client);
  r.generation = 7;
  r.sensitive[0] = records;      // e-mails
  r.sensitive[2] = records / 2;  // fewer cards: the record count is the largest class
  r.ids = object ? 1 : 0;
  r.id_hash = bulwark::inspect::mix64(object);  // as the worker sends it: spread over all bits
  std::strcpy(r.method, "GET");
  std::strcpy(r.path, "/api/v1/customers");
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_bulk_reader_is_decided_a_small_one_is_not) {
  rules::ExtractionPolicy p;
  p.enabled = true;
  p.window_s = 60;
  p.max_records = 1000;
  p.max_objects = 0;
  bulwark::discovery::ExtractionDetector d;
  d.configure(p, 7);
  std::vector<nlohmann::json> events;
  // Client 1 pages through 50 records a call; client 2 reads its own 3 records 30 times.
  for (int i = 0; i < 30; ++i) {
    d.add(call(1, 50, 0), 1000 + i, events);
    d.add(call(2, 3, 0), 1000 + i, events);
  }
  BOOST_TEST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0]["key"] == "client_ip=198.18.0.1");
  BOOST_TEST(events[0]["check"] == "sensitive_records");
  BOOST_TEST(events[0]["records"] == 1050u);  // the 21st call went over 1000
  BOOST_TEST(d.decisions().active() == 1u);
  BOOST_TEST(d.decisions().block_entries().size() == 1u);
  // Records of another rules generation are not counted.
  bulwark::discovery::ExtractionDetector other;
  other.configure(p, 8);
  for (int i = 0; i < 30; ++i) other.add(call(1, 50, 0), 1000, events);
  BOOST_TEST(other.decisions().active() == 0u);
}

BOOST_AUTO_TEST_CASE(a_session_decision_stops_that_session) {
  rules::ExtractionPolicy p;
  p.enabled = true;
  p.key = rules::KeyPart::session;
  p.max_records = 100;
  p.action = rules::Action::respond;
  bulwark::discovery::ExtractionDetector d;
  d.configure(p, 7);
  // The session's digest as a request carrying the cookie gives it.
  rules::IdentityPolicy policy;
  policy.session_cookie = "sid";
  HttpHead h{};
  h.headers[0] = {"Cookie", "theme=dark; sid=s-1234"};
  h.header_count = 1;
  bulwark::identity::ClientIdentity id;
  id.ip_len = 4;
  const uint8_t want = 1u << static_cast<unsigned>(rules::KeyPart::session);
  bulwark::identity::resolve_identity(policy, h, id.ip, 4, {}, want, id);
  BOOST_TEST_REQUIRE(id.present(rules::KeyPart::session));
  bulwark::discovery::ApiRecord r = call(9, 60, 0);
  r.key.fill(0);
  r.key[0] = 6;  // DecisionKey kind: session
  std::copy_n(id.session, 16, r.key.begin() + 2);
  std::vector<nlohmann::json> events;
  d.add(r, 3000, events);
  d.add(r, 3001, events);
  BOOST_TEST_REQUIRE(events.size() == 1u);
  const nlohmann::json entries = d.decisions().block_entries();
  BOOST_TEST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0]["kind"] == "session");
  test::ensure_eal();
  std::string error;
  auto set =
      bulwark::inspect::BlockSet::build({{"entries", entries}}, 1, 3001, 1000000, 1000, error);
  BOOST_TEST_REQUIRE(set != nullptr, error);
  bulwark::identity::resolve_identity(policy, h, id.ip, 4, {}, set->wants(), id);
  const bulwark::inspect::BlockMatch* m = set->match(id, 0);
  BOOST_TEST_REQUIRE(m != nullptr);
  BOOST_TEST((m->kind == bulwark::inspect::BlockKind::session));
  BOOST_TEST((m->action == bulwark::inspect::BlockAction::respond));
  // Another session of the same client passes.
  h.headers[0] = {"Cookie", "sid=s-9999"};
  bulwark::identity::resolve_identity(policy, h, id.ip, 4, {}, set->wants(), id);
  BOOST_TEST(set->match(id, 0) == nullptr);
}

BOOST_AUTO_TEST_CASE(distinct_objects_and_windows) {
  rules::ExtractionPolicy p;
  p.enabled = true;
  p.window_s = 60;
  p.max_records = 0;
  p.max_objects = 100;
  p.mode = rules::Mode::monitor;
  bulwark::discovery::ExtractionDetector d;
  d.configure(p, 7);
  std::vector<nlohmann::json> events;
  // The same 5 objects again and again: never.
  for (int i = 0; i < 1000; ++i) d.add(call(3, 1, 1 + i % 5), 2000, events);
  BOOST_TEST(events.empty());
  // 100 distinct objects in one window: at the limit, not over it; then over.
  for (uint64_t o = 0; o < 99; ++o) d.add(call(4, 1, 1000 + o), 2000, events);
  BOOST_TEST(events.empty());
  // A new window starts the count again.
  for (uint64_t o = 0; o < 120; ++o) d.add(call(4, 1, 5000 + o), 2061, events);
  BOOST_TEST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0]["check"] == "distinct_objects");
  BOOST_TEST(events[0]["enforced"] == false);  // monitor mode
  BOOST_TEST(d.decisions().block_entries().empty());
}

BOOST_AUTO_TEST_SUITE_END()
