// Frames between processes: round trips, byte-by-byte delivery, and every way a hostile
// peer can break a frame (too long, not CBOR, not a map, nested too deep).
#include "dataplane/api/wire.h"

#include <boost/test/unit_test.hpp>

using namespace bulwark;
using namespace bulwark::api;
using api::json;

BOOST_AUTO_TEST_SUITE(wire_frames)

BOOST_AUTO_TEST_CASE(round_trip_split_at_every_byte) {
  const json a = {{"op", "load"}, {"id", 7}, {"bundle", json::binary({0, 1, 2, 255})}};
  const json b = {{"op", "events"}, {"lines", {"{\"x\":1}", "{\"y\":2}"}}};
  auto bytes = api::encode(a);
  const auto second = api::encode(b);
  bytes.insert(bytes.end(), second.begin(), second.end());
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    api::FrameReader r;
    std::vector<json> got;
    std::string err;
    json m;
    r.feed(bytes.data(), cut);
    while (r.next(m, err) == 1) got.push_back(m);
    r.feed(bytes.data() + cut, bytes.size() - cut);
    int rc;
    while ((rc = r.next(m, err)) == 1) got.push_back(m);
    BOOST_TEST(rc == 0);
    BOOST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0] == a);
    BOOST_TEST(got[1] == b);
    BOOST_TEST(r.buffered() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(oversized_and_empty_frames_are_refused) {
  for (uint32_t n : {0u, api::kMaxFrame + 1, 0xffffffffu}) {
    const uint8_t hdr[4] = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    api::FrameReader r;
    r.feed(hdr, 4);
    json m;
    std::string err;
    BOOST_TEST(r.next(m, err) == -1);
    BOOST_TEST(err.find("frame of") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(broken_payloads_are_refused) {
  auto frame = [](std::vector<uint8_t> payload) {
    std::vector<uint8_t> f = {0, 0, 0, uint8_t(payload.size())};
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
  };
  struct Case {
    std::vector<uint8_t> payload;
    const char* error;
  } cases[] = {
      {{0xff, 0xff}, "not a CBOR document"},                    // break codes out of place
      {{0x83, 0x01, 0x02, 0x03}, "message is not a CBOR map"},  // an array
      {{0xa1, 0x61, 'a'}, "not a CBOR document"},               // map cut short
      {{0xa0, 0x00}, "not a CBOR document"},                    // trailing byte
  };
  for (const auto& c : cases) {
    const auto f = frame(c.payload);
    api::FrameReader r;
    r.feed(f.data(), f.size());
    json m;
    std::string err;
    BOOST_TEST(r.next(m, err) == -1);
    BOOST_TEST(err == c.error);
  }
  // An array announcing 2^64-1 elements: the DOM builder throws; refused, not thrown.
  {
    const std::vector<uint8_t> huge = {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    json m;
    std::string err;
    BOOST_TEST(!api::decode(huge.data(), huge.size(), m, err));
    BOOST_TEST(err.rfind("not a CBOR document", 0) == 0u);
  }
  // 100000 nested arrays: refused at the depth limit, not by exhausting the stack.
  std::vector<uint8_t> deep(100000, 0x81);
  deep.push_back(0x00);
  json m;
  std::string err;
  BOOST_TEST(!api::decode(deep.data(), deep.size(), m, err));
  BOOST_TEST(err.find("nested more than") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(field_accessors_check_types) {
  const json m = {{"s", "x"}, {"n", 5}, {"neg", -1}, {"b", true}};
  BOOST_TEST(api::get_string(m, "s") == "x");
  BOOST_TEST(api::get_string(m, "n", "d") == "d");
  BOOST_TEST(api::get_u64(m, "n") == 5u);
  BOOST_TEST(api::get_u64(m, "neg", 9) == 9u);
  BOOST_TEST(api::get_u64(m, "s", 3) == 3u);
  BOOST_TEST(api::get_bool(m, "b"));
  BOOST_TEST(!api::get_bool(m, "n"));
}

BOOST_AUTO_TEST_SUITE_END()
