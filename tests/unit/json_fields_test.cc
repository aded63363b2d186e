// JsonFields (dataplane/inspect/json_fields.h): what a stage writes into a feature
// event's `extra` on the packet path must be valid JSON whatever the traffic put in it,
// and a field that does not fit is left out whole.
#include "dataplane/inspect/json_fields.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::inspect {

BOOST_AUTO_TEST_SUITE(json_fields)

BOOST_AUTO_TEST_CASE(fields_are_valid_json) {
  char buf[192];
  JsonFields f(buf, sizeof buf);
  BOOST_TEST(std::string(f.c_str()) == "{}");
  f.add("endpoint", "/api/{id}").add("since_last", uint64_t{18446744073709551615u});
  BOOST_TEST(std::string(f.c_str()) ==
             R"({"endpoint":"/api/{id}","since_last":18446744073709551615})");
}

BOOST_AUTO_TEST_CASE(hostile_text_stays_valid_json) {
  char buf[192];
  JsonFields f(buf, sizeof buf);
  // Quotes, backslashes, control bytes and bytes that are not UTF-8.
  const std::string hostile = std::string("a\"b\\c\r\n\x01") + "\xff\xc3(" + "\x7f";
  f.add("refused", hostile);
  const auto j = nlohmann::json::parse(f.c_str());  // throws if it is not JSON
  // Bytes above ASCII read as Latin-1 characters (each two bytes in UTF-8).
  BOOST_TEST(j["refused"].get<std::string>() ==
             std::string("a\"b\\c\r\n\x01") + "\xc3\xbf\xc3\x83(" + "\x7f");
}

BOOST_AUTO_TEST_CASE(a_field_that_does_not_fit_is_left_out_whole) {
  char buf[40];
  JsonFields f(buf, sizeof buf);
  f.add("a", "short").add("b", std::string(100, 'x')).add("c", uint64_t{7});
  BOOST_TEST(std::string(f.c_str()) == R"({"a":"short","c":7})");
  BOOST_TEST(nlohmann::json::parse(f.c_str()).size() == 2u);
  char tiny[3];
  JsonFields t(tiny, sizeof tiny);
  t.add("a", "b");
  BOOST_TEST(std::string(t.c_str()) == "{}");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace bulwark::inspect
