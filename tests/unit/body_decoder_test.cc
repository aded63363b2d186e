// Body decoding for rules: percent and JSON escapes, an escape split across pieces at
// every point, escapes that are not escapes, the two chained as the matcher runs them.
#include "dataplane/proto/body_decoder.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace bulwark::proto;

namespace {

// `body` decoded as `coding`, fed in pieces of `piece` bytes.
std::string decoded(BodyCoding coding, const std::string& body, size_t piece = 1 << 20) {
  BodyDecoder d;
  d.coding = coding;
  std::string out;
  std::vector<uint8_t> buf(body_decode_bound(piece) + 8);
  for (size_t at = 0; at < body.size(); at += piece) {
    const size_t n = std::min(piece, body.size() - at);
    const size_t m =
        body_decode(d, reinterpret_cast<const uint8_t*>(body.data()) + at, n, buf.data());
    BOOST_TEST(m <= body_decode_bound(n));
    out.append(reinterpret_cast<const char*>(buf.data()), m);
  }
  out.append(reinterpret_cast<const char*>(buf.data()), body_decode_finish(d, buf.data()));
  return out;
}

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(BodyCoding)

BOOST_AUTO_TEST_SUITE(body_decoder)

BOOST_AUTO_TEST_CASE(percent_escapes_are_decoded_with_plus_as_space) {
  BOOST_TEST(decoded(BodyCoding::percent, "u=a%27+or+1%3D1--") == "u=a' or 1=1--");
  BOOST_TEST(decoded(BodyCoding::percent, "q=%55NION%09SELECT%0a1") == "q=UNION\tSELECT\n1");
  // Not escapes: kept as sent, and the byte after them is read normally.
  BOOST_TEST(decoded(BodyCoding::percent, "a=100%&b=%zz&c=%4") == "a=100%&b=%zz&c=%4");
  BOOST_TEST(decoded(BodyCoding::percent, "%%41") == "%A");
  BOOST_TEST(decoded(BodyCoding::percent, "%4%41") == "%4A");
  // Decoded once, as servers do: %2527 is %27, not '.
  BOOST_TEST(decoded(BodyCoding::percent, "%2527") == "%27");
}

BOOST_AUTO_TEST_CASE(json_bodies_have_their_escapes_undone) {
  BOOST_TEST(decoded(BodyCoding::json, R"({"u":"a\u0027 or 1\u003d1"})") == R"({"u":"a' or 1=1"})");
  BOOST_TEST(decoded(BodyCoding::json, R"(["\"\\\/\b\f\n\r\t"])") == "[\"\"\\/\b\f\n\r\t\"]");
  BOOST_TEST(decoded(BodyCoding::json, R"("\u00e9\u20ac")") == "\"\xc3\xa9\xe2\x82\xac\"");
  BOOST_TEST(decoded(BodyCoding::json, R"("\x41\u12G4\")") == R"("\x41\u12G4")");
  BOOST_TEST(decoded(BodyCoding::json, "a%27+b") == "a%27+b");  // no percent decoding
  BOOST_TEST(decoded(BodyCoding::none, "a%27\\u0027") == "a%27\\u0027");
}

BOOST_AUTO_TEST_CASE(an_escape_split_anywhere_decodes_the_same) {
  const std::string form = "user=a%27+or+1%3D1&x=%4%zz%", json = R"({"u":"\u0027\\\"\u12G"})";
  for (size_t piece = 1; piece <= 8; ++piece) {
    BOOST_TEST(decoded(BodyCoding::percent, form, piece) == decoded(BodyCoding::percent, form),
               piece);
    BOOST_TEST(decoded(BodyCoding::json, json, piece) == decoded(BodyCoding::json, json), piece);
  }
  BOOST_TEST(decoded(BodyCoding::percent, form) == "user=a' or 1=1&x=%4%zz%");
}

// Percent escapes first, then JSON's (the matcher's chain): a JSON document in a form
// field, a percent-encoded backslash escape; still decoded once each.
BOOST_AUTO_TEST_CASE(the_chain_decodes_form_fields_holding_json) {
  auto chain = [](const std::string& body) {
    return decoded(BodyCoding::json, decoded(BodyCoding::percent, body));
  };
  BOOST_TEST(chain("data=%7B%22q%22%3A%22%5Cu0027+or+1%3D1%22%7D") == "data={\"q\":\"' or 1=1\"}");
  BOOST_TEST(chain(R"({"q":"a\u0027 or 1=1"})") == R"({"q":"a' or 1=1"})");
  BOOST_TEST(chain(R"({"q":"\u0025\u0032\u0037"})") == R"({"q":"%27"})");  // once each
}

BOOST_AUTO_TEST_SUITE_END()
