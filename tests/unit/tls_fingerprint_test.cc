// TLS ClientHello parsing and client fingerprints: the published worked examples of
// JA4 (FoxIO's JA4.md) and JA3 (Salesforce's README), ClientHellos built byte by byte
// (GREASE everywhere, a hello fragmented over records at every size, every truncation),
// and refusals (not TLS, broken lengths, too large).
#include "dataplane/proto/tls_fingerprint.h"

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "dataplane/proto/client_hello.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

template <typename T>
void fill(const std::vector<T>& v, T* arr, uint16_t& n) {
  n = static_cast<uint16_t>(v.size());
  std::copy(v.begin(), v.end(), arr);
}

std::string ja4_of(const ClientHello& h) {
  char out[kJa4Len + 1];
  ja4(h, out);
  return out;
}

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

struct Ext {
  uint16_t type;
  std::vector<uint8_t> body;
};

// A ClientHello handshake message: type 1, 24-bit length, `body` (from client_version).
std::vector<uint8_t> handshake(const std::vector<uint8_t>& body) {
  std::vector<uint8_t> m(body.size() + 4);
  m[0] = 1;
  m[1] = static_cast<uint8_t>(body.size() >> 16);
  m[2] = static_cast<uint8_t>(body.size() >> 8);
  m[3] = static_cast<uint8_t>(body.size());
  std::copy(body.begin(), body.end(), m.begin() + 4);
  return m;
}

// A ClientHello handshake message built from its parts.
std::vector<uint8_t> hello_message(uint16_t version, const std::vector<uint16_t>& ciphers,
                                   const std::vector<Ext>& exts) {
  std::vector<uint8_t> b;
  put16(b, version);
  b.insert(b.end(), 32, 0x11);  // random
  b.push_back(32);              // session id
  b.insert(b.end(), 32, 0x22);
  put16(b, static_cast<uint16_t>(ciphers.size() * 2));
  for (uint16_t c : ciphers) put16(b, c);
  b.push_back(1);  // compression: null
  b.push_back(0);
  std::vector<uint8_t> e;
  for (const auto& x : exts) {
    put16(e, x.type);
    put16(e, static_cast<uint16_t>(x.body.size()));
    e.insert(e.end(), x.body.begin(), x.body.end());
  }
  put16(b, static_cast<uint16_t>(e.size()));
  b.insert(b.end(), e.begin(), e.end());
  return handshake(b);
}

// The message in handshake records of at most `frag` bytes each.
std::vector<uint8_t> records(const std::vector<uint8_t>& msg, size_t frag) {
  std::vector<uint8_t> out;
  for (size_t off = 0; off < msg.size(); off += frag) {
    const size_t n = std::min(frag, msg.size() - off);
    out.insert(out.end(), {22, 3, 1, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), msg.begin() + static_cast<long>(off),
               msg.begin() + static_cast<long>(off + n));
  }
  return out;
}

std::vector<uint8_t> u16s(const std::vector<uint16_t>& v, bool one_byte_len = false) {
  std::vector<uint8_t> b;
  if (one_byte_len)
    b.push_back(static_cast<uint8_t>(v.size() * 2));
  else
    put16(b, static_cast<uint16_t>(v.size() * 2));
  for (uint16_t x : v) put16(b, x);
  return b;
}

std::vector<uint8_t> alpn(const std::vector<std::string>& names) {
  std::vector<uint8_t> l;
  for (const auto& n : names) {
    l.push_back(static_cast<uint8_t>(n.size()));
    l.insert(l.end(), n.begin(), n.end());
  }
  std::vector<uint8_t> b;
  put16(b, static_cast<uint16_t>(l.size()));
  b.insert(b.end(), l.begin(), l.end());
  return b;
}

// A TLS 1.3 hello like a browser's, with GREASE in ciphers, extensions, groups and
// supported_versions.
std::vector<uint8_t> browser_like_message() {
  const std::vector<uint8_t> sni = {0,   14,  0,   0,   11,  'e', 'x', 'a',
                                    'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'};
  return hello_message(0x0303, {0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f},
                       {{0x3a3a, {}},
                        {0x0000, sni},
                        {0x0017, {}},
                        {0x000a, u16s({0x4a4a, 0x001d, 0x0017, 0x0018})},
                        {0x000b, {1, 0}},
                        {0x0010, alpn({"h2", "http/1.1"})},
                        {0x000d, u16s({0x0403, 0x0804, 0x0401})},
                        {0x002b, u16s({0x5a5a, 0x0304, 0x0303}, true)},
                        {0x1a1a, {0}}});
}

// Bytes of a published ClientHello (tests/unit/data/tls_hello/, sources in its README).
std::vector<uint8_t> published(const std::string& name) {
  std::ifstream in(std::string(BULWARK_SOURCE_ROOT) + "/tests/unit/data/tls_hello/" + name);
  std::string hex;
  in >> hex;
  BOOST_REQUIRE_MESSAGE(!hex.empty() && hex.size() % 2 == 0, "cannot read " << name);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// A ClientHello body (from client_version) as one handshake record.
std::vector<uint8_t> record_of_body(const std::vector<uint8_t>& body) {
  return records(handshake(body), 16384);
}

ClientHello parsed(const std::vector<uint8_t>& bytes) {
  static std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello h;
  BOOST_REQUIRE(
      (parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) == HelloStatus::ok));
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_fingerprint)

BOOST_AUTO_TEST_CASE(published_client_hellos) {
  BOOST_TEST(ja4_of(parsed(published("fingerproxy_mac_curl860.hex"))) ==
             "t13d1516h2_8daaf6152771_e5627efa2ab1");
  BOOST_TEST(ja4_of(parsed(published("fingerproxy_preshared_key.hex"))) ==
             "t13d591100_a33745022dd6_a11995863d32");
  Ja3 j;
  ja3(parsed(record_of_body(published("s2n_chrome_grease.hex"))), j);
  BOOST_TEST(std::string(j.text, j.len) ==
             "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53-10,"
             "0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0");
  BOOST_TEST(std::string(j.md5) == "66918128f1b9b03303d77c6f2eefd128");
  ja3(parsed(record_of_body(published("s2n_curl.hex"))), j);
  BOOST_TEST(std::string(j.md5) == "456523fc94726331a4d5a2e1d40b2cd7");
  // The same published hello split over records of every size gives the same JA4.
  const auto rec = published("fingerproxy_mac_curl860.hex");
  const std::vector<uint8_t> msg(rec.begin() + 5, rec.end());
  for (size_t frag = 16; frag < msg.size(); frag += 7)  // (517 bytes: at most 33 records)
    BOOST_TEST(ja4_of(parsed(records(msg, frag))) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

// FoxIO JA4.md, "JA4 worked example": 15 ciphers, 16 extensions (SNI and ALPN among
// them), ALPN h2, TLS 1.3.
BOOST_AUTO_TEST_CASE(ja4_published_worked_example) {
  ClientHello h;
  h.legacy_version = 0x0303;
  h.max_supported_version = 0x0304;
  h.has_sni = true;
  h.has_alpn = true;
  h.alpn[0] = 'h';
  h.alpn[1] = '2';
  h.alpn_len = h.alpn_full_len = 2;
  h.alpn_last = '2';
  fill<uint16_t>({0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                  0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
                 h.ciphers, h.n_ciphers);
  fill<uint16_t>({0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
                  0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015},
                 h.extensions, h.n_extensions);
  fill<uint16_t>({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}, h.sig_algs,
                 h.n_sig_algs);
  BOOST_TEST(ja4_of(h) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

// Salesforce ja3 README: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
// -> ada70206e40642a3e4461f35503241d5.
BOOST_AUTO_TEST_CASE(ja3_published_example) {
  ClientHello h;
  h.legacy_version = 769;
  fill<uint16_t>({47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4}, h.ciphers,
                 h.n_ciphers);
  fill<uint16_t>({0, 10, 11}, h.extensions, h.n_extensions);
  fill<uint16_t>({23, 24, 25}, h.groups, h.n_groups);
  fill<uint8_t>({0}, h.point_formats, h.n_point_formats);
  Ja3 j;
  ja3(h, j);
  BOOST_TEST(std::string(j.text, j.len) ==
             "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  BOOST_TEST(std::string(j.md5) == "ada70206e40642a3e4461f35503241d5");
}

BOOST_AUTO_TEST_CASE(parse_browser_like_hello_ignoring_grease) {
  const auto msg = browser_like_message();
  const auto bytes = records(msg, 16384);
  std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello h;
  BOOST_REQUIRE(parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) ==
                HelloStatus::ok);
  BOOST_TEST(h.legacy_version == 0x0303);
  BOOST_TEST(h.max_supported_version == 0x0304);
  BOOST_TEST(h.n_ciphers == 5);
  BOOST_TEST(h.n_extensions == 7);  // 9 sent, 2 GREASE
  BOOST_TEST(h.n_groups == 3);
  BOOST_TEST(h.n_point_formats == 1);
  BOOST_TEST(h.n_sig_algs == 3);
  BOOST_TEST(h.has_sni);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(h.alpn), h.alpn_len) == "h2");
  Ja3 j;
  ja3(h, j);
  BOOST_TEST(std::string(j.text, j.len) ==
             "771,4865-4866-4867-49195-49199,0-23-10-11-16-13-43,29-23-24,0");
  // Part a by hand: TLS 1.3 from supported_versions, SNI, 5 ciphers, 7 extensions, h2.
  BOOST_TEST(ja4_of(h).substr(0, 11) == "t13d0507h2_");
  // The same hello without any GREASE has the same fingerprints.
  auto plain = hello_message(
      0x0303, {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f},
      {{0x0000, {0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'}},
       {0x0017, {}},
       {0x000a, u16s({0x001d, 0x0017, 0x0018})},
       {0x000b, {1, 0}},
       {0x0010, alpn({"h2", "http/1.1"})},
       {0x000d, u16s({0x0403, 0x0804, 0x0401})},
       {0x002b, u16s({0x0304, 0x0303}, true)}});
  const auto pb = records(plain, 16384);
  ClientHello p;
  BOOST_REQUIRE(parse_client_hello(pb.data(), pb.size(), scratch.data(), p) == HelloStatus::ok);
  Ja3 pj;
  ja3(p, pj);
  BOOST_TEST(std::string(pj.md5) == std::string(j.md5));
  BOOST_TEST(ja4_of(p) == ja4_of(h));
}

BOOST_AUTO_TEST_CASE(fragmented_records_and_truncation) {
  const auto msg = browser_like_message();
  std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello whole;
  const auto one = records(msg, 16384);
  BOOST_REQUIRE(parse_client_hello(one.data(), one.size(), scratch.data(), whole) ==
                HelloStatus::ok);
  const std::string want = ja4_of(whole);
  // Too many records for one hello (1-byte records): refused, not joined forever.
  {
    const auto tiny = records(msg, 1);
    ClientHello h;
    BOOST_TEST((parse_client_hello(tiny.data(), tiny.size(), scratch.data(), h) ==
                HelloStatus::malformed));
  }
  for (size_t frag = (msg.size() + kMaxHelloRecords - 1) / kMaxHelloRecords; frag <= msg.size();
       ++frag) {
    const auto bytes = records(msg, frag);
    ClientHello h;
    BOOST_TEST_REQUIRE(
        (parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) == HelloStatus::ok),
        "fragment size " << frag);
    BOOST_TEST(ja4_of(h) == want);
    // Every prefix asks for more (and never reads past what it was given).
    if (frag % 37 == 0)
      for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(cut));
        BOOST_TEST_REQUIRE((parse_client_hello(prefix.data(), prefix.size(), scratch.data(), h) ==
                            HelloStatus::need_more),
                           "fragment " << frag << " cut " << cut);
      }
  }
}

// `need`: how many bytes a caller must have before calling again can help.
BOOST_AUTO_TEST_CASE(need_tells_when_to_call_again) {
  std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello h;
  const auto msg = browser_like_message();
  const auto one = records(msg, 16384);
  size_t need = 0;
  BOOST_TEST(
      (parse_client_hello(one.data(), 3, scratch.data(), h, &need) == HelloStatus::need_more));
  BOOST_TEST(need == 5u);
  BOOST_TEST(
      (parse_client_hello(one.data(), 100, scratch.data(), h, &need) == HelloStatus::need_more));
  BOOST_TEST(need == one.size());
  const auto split = records(msg, 100);  // records of 100 bytes: need is the current record's end
  BOOST_REQUIRE(msg.size() > 100 && msg.size() <= 200);
  BOOST_TEST(
      (parse_client_hello(split.data(), 150, scratch.data(), h, &need) == HelloStatus::need_more));
  BOOST_TEST(need == split.size());  // the second (last) record's end
  BOOST_TEST(
      (parse_client_hello(split.data(), 50, scratch.data(), h, &need) == HelloStatus::need_more));
  BOOST_TEST(need == 105u);  // the first record's end
  BOOST_TEST(
      (parse_client_hello(split.data(), need, scratch.data(), h, &need) == HelloStatus::need_more));
  BOOST_TEST(need == 110u);  // the next record's header
}

// An empty ALPN list (or first name) is "00" in JA4, as no ALPN at all.
BOOST_AUTO_TEST_CASE(empty_alpn) {
  std::vector<uint8_t> scratch(kMaxHelloBytes);
  for (const std::vector<uint8_t>& body :
       {std::vector<uint8_t>{0, 0}, std::vector<uint8_t>{0, 1, 0}}) {
    const auto bytes = records(hello_message(0x0303, {0x1301}, {{0x0010, body}}), 16384);
    ClientHello h;
    BOOST_REQUIRE(
        (parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) == HelloStatus::ok));
    BOOST_TEST(ja4_of(h).substr(8, 2) == "00");
  }
}

BOOST_AUTO_TEST_CASE(refusals) {
  std::vector<uint8_t> scratch(kMaxHelloBytes);
  ClientHello h;
  const std::string http = "GET / HTTP/1.1\r\n\r\n";
  BOOST_TEST((parse_client_hello(reinterpret_cast<const uint8_t*>(http.data()), http.size(),
                                 scratch.data(), h) == HelloStatus::not_tls));
  // A ServerHello (type 2) where a ClientHello belongs.
  auto msg = browser_like_message();
  msg[0] = 2;
  auto bytes = records(msg, 16384);
  BOOST_TEST((parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) ==
              HelloStatus::malformed));
  // An extension whose length runs past the extensions block.
  msg = hello_message(0x0303, {0x1301}, {{0x000a, u16s({0x001d})}});
  msg[msg.size() - 5] = 0x40;  // extension body length high byte
  bytes = records(msg, 16384);
  BOOST_TEST((parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) ==
              HelloStatus::malformed));
  // An odd cipher list length.
  msg = hello_message(0x0303, {0x1301, 0x1302}, {});
  msg[4 + 2 + 32 + 1 + 32 + 1] = 3;
  bytes = records(msg, 16384);
  BOOST_TEST((parse_client_hello(bytes.data(), bytes.size(), scratch.data(), h) ==
              HelloStatus::malformed));
  // A hello announcing more than kMaxHelloBytes.
  const std::vector<uint8_t> huge = {22, 3, 1, 0, 4, 1, 0x01, 0x00, 0x00};
  BOOST_TEST(
      (parse_client_hello(huge.data(), huge.size(), scratch.data(), h) == HelloStatus::too_large));
}

BOOST_AUTO_TEST_CASE(ja4_edge_cases) {
  ClientHello h;
  h.legacy_version = 0x0301;  // no supported_versions: TLS 1.0 from the hello itself
  BOOST_TEST(ja4_of(h) == "t10i000000_000000000000_000000000000");
  // ALPN whose ends are not alphanumeric: first and last hex characters of the value.
  h.has_alpn = true;
  h.alpn[0] = 0xab;
  h.alpn_len = h.alpn_full_len = 1;
  h.alpn_last = 0xab;
  BOOST_TEST(ja4_of(h).substr(8, 2) == "ab");
  h.alpn[0] = 0xab;
  h.alpn[1] = 0xcd;
  h.alpn_len = h.alpn_full_len = 2;
  h.alpn_last = 0xcd;
  BOOST_TEST(ja4_of(h).substr(8, 2) == "ad");
  // Counts cap at 99.
  h.n_ciphers = 120;
  for (unsigned i = 0; i < 120; ++i) h.ciphers[i] = static_cast<uint16_t>(i + 1);
  BOOST_TEST(ja4_of(h).substr(4, 2) == "99");
}

BOOST_AUTO_TEST_SUITE_END()
