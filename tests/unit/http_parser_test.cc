// HTTP/1.1 parser: pipelining split at every byte, chunked bodies with extensions and
// trailers, response framing, every smuggling sign, bounds; and normalisation.
#include "dataplane/proto/http_parser.h"

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/proto/http_normalize.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

// Records what the parser reports as text, one line per message:
// "HEAD <method> <target> <status> <framing> a=<anomalies>|BODY <bytes>|END".
struct Recorder : HttpHandler {
  std::vector<std::string> msgs;
  std::string cur;
  uint32_t anomalies = 0;
  bool fatal = false;
  std::string method_for_response = "GET";
  int buffers_out = 0;
  std::vector<std::vector<uint8_t>> store;

  void on_head(const HttpHead& m) override {
    cur = "HEAD " + std::string(m.method) + " " + std::string(m.target) + " " +
          std::to_string(m.status) + " " + std::to_string(static_cast<int>(m.framing)) +
          " a=" + std::to_string(m.anomalies);
    for (unsigned i = 0; i < m.header_count; ++i)
      cur += " [" + std::string(m.headers[i].name) + ":" + std::string(m.headers[i].value) + "]";
    cur += m.keep_alive ? " ka" : " close";
    anomalies |= m.anomalies;
    cur += "|BODY ";
  }
  void on_body(const uint8_t* d, size_t n) override {
    cur.append(reinterpret_cast<const char*>(d), n);
  }
  void on_message_end() override {
    msgs.push_back(cur + "|END");
    cur.clear();
  }
  void on_anomaly(uint32_t a, bool f) override {
    anomalies |= a;
    anomaly_call_bits |= a;
    ++anomaly_calls;
    fatal = fatal || f;
  }
  unsigned anomaly_calls = 0;
  uint32_t anomaly_call_bits = 0;
  std::string_view request_method() override { return method_for_response; }
  uint8_t* acquire_head_buffer(uint32_t bytes) override {
    ++buffers_out;
    store.emplace_back(bytes);
    return store.back().data();
  }
  void release_head_buffer(uint8_t*) override { --buffers_out; }
};

Recorder parse(const std::string& text, bool requests = true, std::vector<size_t> cuts = {},
               const std::string& method = "GET") {
  Recorder r;
  r.method_for_response = method;
  HttpParser p(requests, HttpLimits{});
  size_t at = 0;
  cuts.push_back(text.size());
  for (size_t c : cuts) {
    p.feed(reinterpret_cast<const uint8_t*>(text.data()) + at, c - at, r);
    at = c;
  }
  p.finish(r);
  BOOST_TEST(r.buffers_out == 0);  // every lent buffer came back
  return r;
}

const std::string kPipeline =
    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nuser=alice&"
    "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\n\r\n"
    "\r\nGET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

bool has(uint32_t anomalies, HttpAnomaly a) { return (anomalies & a) != 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_parser)

BOOST_AUTO_TEST_CASE(pipelined_requests) {
  const auto r = parse(kPipeline);
  BOOST_TEST_REQUIRE(r.msgs.size() == 4u);
  BOOST_TEST(r.msgs[0].find("HEAD GET /a") == 0u);
  BOOST_TEST(r.msgs[1].find("|BODY user=alice&|END") != std::string::npos);
  BOOST_TEST(r.msgs[2].find("|BODY hello world|END") != std::string::npos);  // chunks joined
  BOOST_TEST(r.msgs[3].find("HEAD GET /last") == 0u);
  BOOST_TEST(r.msgs[3].find(" close|") != std::string::npos);
  BOOST_TEST(r.anomalies == 0u);
}

BOOST_AUTO_TEST_CASE(split_at_every_byte_gives_the_same_messages) {
  const auto whole = parse(kPipeline);
  for (size_t cut = 1; cut < kPipeline.size(); ++cut) {
    const auto r = parse(kPipeline, true, {cut});
    BOOST_TEST_REQUIRE(r.msgs.size() == whole.msgs.size(), "cut at " << cut);
    for (size_t i = 0; i < r.msgs.size(); ++i)
      BOOST_TEST(r.msgs[i] == whole.msgs[i], "cut at " << cut);
  }
  // And one byte at a time (the body arrives in one-byte on_body calls).
  std::vector<size_t> every;
  for (size_t i = 1; i < kPipeline.size(); ++i) every.push_back(i);
  const auto r = parse(kPipeline, true, every);
  BOOST_TEST(r.msgs == whole.msgs);
}

BOOST_AUTO_TEST_CASE(headers_case_folding_repeats_and_views) {
  const std::string req =
      "GET /x?a=1 HTTP/1.1\r\nhOsT: Example.com:8080\r\nX-A: 1\r\nx-a: 2\r\nUser-Agent:  curl/8 "
      "\r\n\r\n";
  Recorder r;
  struct Check : Recorder {
    void on_head(const HttpHead& m) override {
      BOOST_TEST(m.header("HOST") == "Example.com:8080");
      BOOST_TEST(m.header("user-agent") == "curl/8");  // whitespace trimmed
      BOOST_TEST(m.header("x-a") == "1");              // the first of repeated headers
      BOOST_TEST(m.header_count == 4u);
      BOOST_TEST(m.version_minor == 1u);
      Recorder::on_head(m);
    }
  } c;
  HttpParser p(true, HttpLimits{});
  p.feed(reinterpret_cast<const uint8_t*>(req.data()), req.size(), c);
  BOOST_TEST(c.msgs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(folded_header_is_reported_and_joined) {
  const auto r = parse("GET / HTTP/1.1\r\nHost: x\r\nX-Long: part1\r\n  part2\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpObsFold));
  BOOST_TEST(r.msgs.at(0).find("[X-Long:part1\r\n  part2]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(smuggling_cl_and_te) {
  const auto r = parse(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpCLandTE));
  BOOST_TEST(r.fatal);         // the message boundary is ambiguous: parsing stops
  BOOST_TEST(r.msgs.empty());  // ... and nothing after it is taken as a request
  BOOST_TEST(r.anomaly_calls == 1u);
  BOOST_TEST(r.anomaly_call_bits == 0u);  // reported once, in the head; then only "stopped"
}

BOOST_AUTO_TEST_CASE(smuggling_two_content_lengths) {
  auto r =
      parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde");
  BOOST_TEST(has(r.anomalies, kHttpDuplicateCL));
  BOOST_TEST(has(r.anomalies, kHttpConflictingCL));
  BOOST_TEST(r.fatal);
  r = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
  BOOST_TEST(has(r.anomalies, kHttpDuplicateCL));
  BOOST_TEST(!has(r.anomalies, kHttpConflictingCL));
  BOOST_TEST(!r.fatal);
  r = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc");
  BOOST_TEST(has(r.anomalies, kHttpBadCL));
  r = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpBadCL));
}

BOOST_AUTO_TEST_CASE(smuggling_obfuscated_transfer_encoding) {
  for (const char* te : {"chunked, identity", "xchunked", "chunked\t,", "identity",
                         "chunk\x01"
                         "ed"}) {
    const auto r = parse(std::string("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
                         "\r\n\r\n0\r\n\r\n");
    BOOST_TEST(has(r.anomalies, kHttpBadTE), te);
  }
  const auto ok =
      parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  BOOST_TEST(!has(ok.anomalies, kHttpBadTE));
}

BOOST_AUTO_TEST_CASE(smuggling_bad_chunk_sizes) {
  for (const char* body : {"zz\r\n", "\r\n", "12345678901234567\r\n", "5 x\r\n", "-1\r\n"}) {
    const auto r = parse(
        std::string("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") + body);
    BOOST_TEST(has(r.anomalies, kHttpBadChunkSize), body);
    BOOST_TEST(r.fatal);
  }
  const auto r =
      parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n");
  BOOST_TEST(has(r.anomalies, kHttpBadChunkEnd));
}

BOOST_AUTO_TEST_CASE(smuggling_bare_lf_nul_space_before_colon) {
  auto r = parse("GET / HTTP/1.1\nHost: x\n\n");
  BOOST_TEST(has(r.anomalies, kHttpBareLF));
  BOOST_TEST(r.msgs.size() == 1u);  // still parsed (servers accept it), but reported
  r = parse(std::string("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", 29));
  BOOST_TEST(has(r.anomalies, kHttpNulInHead));
  BOOST_TEST(r.fatal);
  r = parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpSpaceBeforeColon));
  r = parse("GET / HTTP/1.1\r\nHost: x\r\nBad Name: 5\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpBadHeaderName));
  r = parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpMultipleHost));
  r = parse("GET / HTTP/1.1\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpMissingHost));
}

BOOST_AUTO_TEST_CASE(bad_request_lines) {
  for (const char* line :
       {"GET /\r\n", "GET / HTTP/2.0\r\n", "G(T / HTTP/1.1\r\n", "GET / HTTP/1.1 extra\r\n",
        "GET / HTTP/1.1000\r\n", " GET / HTTP/1.1\r\n", "GET /\x01 HTTP/1.1\r\n"}) {
    const auto r = parse(std::string(line) + "Host: x\r\n\r\n");
    BOOST_TEST(has(r.anomalies, kHttpBadRequestLine), line);
    BOOST_TEST(r.fatal);
  }
}

BOOST_AUTO_TEST_CASE(bounds_on_lines_and_head) {
  auto r = parse("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpLongLine));
  BOOST_TEST(r.fatal);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i)
    many += "X-" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  r = parse(many + "\r\n", true, {100, 5000});  // split: goes through the lent buffer
  BOOST_TEST(has(r.anomalies, kHttpHeadTooLarge));
  std::string lots = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (unsigned i = 0; i < kHttpMaxHeaders - 1; ++i) lots += "X: 1\r\n";
  r = parse(lots + "\r\n");  // exactly the bound
  BOOST_TEST(!has(r.anomalies, kHttpTooManyHeaders));
  BOOST_TEST(!r.fatal);
  // One more: unseen headers could frame the message (a Transfer-Encoding at the end),
  // so the head is fatal rather than parsed without them.
  r = parse(lots + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpTooManyHeaders));
  BOOST_TEST(r.fatal);
}

// Request lines the reference servers (nginx, Tomcat, Go, Node.js) disagree on are read
// as nginx reads them and flagged; none of them stops parsing.
BOOST_AUTO_TEST_CASE(request_lines_as_nginx_reads_them) {
  struct Case {
    const char* line;
    const char* method;
    const char* target;
    uint32_t flags;
  };
  for (const Case& c : {
           Case{"GET  /x HTTP/1.1", "GET", "/x", kHttpOddRequestLine},
           Case{"GET /x  HTTP/1.1", "GET", "/x", kHttpOddRequestLine},
           Case{"GET\t/x\tHTTP/1.1", "GET", "/x", kHttpOddRequestLine},
           Case{"GET /x HTTP/1.1  ", "GET", "/x", kHttpOddRequestLine},
           Case{"GET /a b?c=d e HTTP/1.1", "GET", "/a b?c=d e", kHttpOddRequestLine},
           Case{"GET /x HTTP/1.10", "GET", "/x", kHttpBadVersion},
           Case{"GET /x HTTP/01.1", "GET", "/x", kHttpBadVersion},
           Case{"GET /x HTTP/1.1", "GET", "/x", 0},
       }) {
    // Behind a leading empty line, and split at every byte of the line.
    const std::string text =
        std::string("\r\n") + c.line + "\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n";
    for (size_t cut = 0; cut < std::strlen(c.line) + 2; ++cut) {
      const auto r = parse(text, true, {cut});
      BOOST_TEST(!r.fatal, c.line);
      BOOST_TEST((r.anomalies & (kHttpOddRequestLine | kHttpBadVersion)) == c.flags, c.line);
      BOOST_TEST_REQUIRE(r.msgs.size() == 2u, c.line);
      BOOST_TEST(r.msgs[0].rfind(std::string("HEAD ") + c.method + " " + c.target + " 0", 0) == 0u,
                 r.msgs[0]);
      BOOST_TEST(r.msgs[1].rfind("HEAD GET /next 0", 0) == 0u, r.msgs[1]);
    }
  }
  // HTTP/2 with prior knowledge: recognised (not a bad request line) and fatal, since
  // what follows is not HTTP/1.
  const auto r = parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  BOOST_TEST(has(r.anomalies, kHttpH2cPreface));
  BOOST_TEST(!has(r.anomalies, kHttpBadRequestLine));
  BOOST_TEST(r.fatal);
}

BOOST_AUTO_TEST_CASE(responses_are_framed_by_status_method_and_headers) {
  auto r = parse(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      false);
  BOOST_TEST_REQUIRE(r.msgs.size() == 3u);
  BOOST_TEST(r.msgs[0].find("|BODY hi|END") != std::string::npos);
  BOOST_TEST(r.msgs[2].find("|BODY ok|END") != std::string::npos);
  // A response to HEAD has no body even with Content-Length.
  r = parse(
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: "
      "0\r\n\r\n",
      false, {}, "HEAD");
  BOOST_TEST(r.msgs.size() == 2u);
  // Neither length nor chunked: the body runs until the connection closes.
  r = parse("HTTP/1.0 200 OK\r\n\r\nall of this", false);
  BOOST_TEST_REQUIRE(r.msgs.size() == 1u);
  BOOST_TEST(r.msgs[0].find("|BODY all of this|END") != std::string::npos);
  // 100 Continue, then the real response.
  r = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            false);
  BOOST_TEST(r.msgs.size() == 2u);
  r = parse("HTTP/1.1 2x0 OK\r\n\r\n", false);
  BOOST_TEST(has(r.anomalies, kHttpBadStatusLine));
}

BOOST_AUTO_TEST_CASE(switching_protocols_stops_parsing) {
  const auto r =
      parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", false);
  BOOST_TEST(r.msgs.size() == 1u);
  BOOST_TEST(r.anomalies == 0u);  // websocket frames are not taken for HTTP
}

BOOST_AUTO_TEST_CASE(expect_continue_and_upgrade_are_flagged) {
  struct Check : Recorder {
    bool expect = false, upgrade = false;
    void on_head(const HttpHead& m) override {
      expect = m.expect_continue;
      upgrade = m.upgrade;
      Recorder::on_head(m);
    }
  } c;
  const std::string req =
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nUpgrade: h2c\r\nContent-Length: "
      "1\r\n\r\nx";
  HttpParser p(true, HttpLimits{});
  p.feed(reinterpret_cast<const uint8_t*>(req.data()), req.size(), c);
  BOOST_TEST(c.expect);
  BOOST_TEST(c.upgrade);
  BOOST_TEST(c.msgs.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_normalize)

std::string norm(const std::string& target, uint32_t* flags_out = nullptr) {
  const auto path = target_path(target);
  std::string out(path.size() + 2, '\0');
  uint32_t flags = 0;
  out.resize(normalize_path(path, out.data(), flags));
  if (flags_out) *flags_out = flags;
  return out;
}

BOOST_AUTO_TEST_CASE(paths) {
  BOOST_TEST(norm("/a/b/c") == "/a/b/c");
  BOOST_TEST(norm("/a//b/./c/") == "/a/b/c/");
  BOOST_TEST(norm("/a/b/../../../etc/passwd") == "/etc/passwd");
  BOOST_TEST(norm("/static/%2e%2e/%2e%2e/etc/passwd?x=1") == "/etc/passwd");
  BOOST_TEST(norm("/a\\..\\..\\windows\\win.ini") == "/windows/win.ini");
  BOOST_TEST(norm("http://host:80/api/v1/../v2/users") == "/api/v2/users");
  // Any scheme in any case, as nginx, Go and Tomcat route absolute-form targets.
  BOOST_TEST(norm("HTTP://host/api/v1/customers/5") == "/api/v1/customers/5");
  BOOST_TEST(norm("Https://host") == "/");
  BOOST_TEST(norm("foo+bar.1-x://host/a?q") == "/a");
  BOOST_TEST(norm("1http://host/a") == "/1http:/host/a");  // not a scheme
  BOOST_TEST(norm("/a/..") == "/");
  BOOST_TEST(norm("/a/.") == "/a/");
  BOOST_TEST(norm("") == "/");
  BOOST_TEST(norm("/%zz") == "/%zz");
  uint32_t f = 0;
  norm("/x/%2e%2e%2f..%2Fetc", &f);
  BOOST_TEST((f & kPathEncodedSlash) != 0u);
  BOOST_TEST((f & kPathAboveRoot) != 0u);
  norm("/a%00b", &f);
  BOOST_TEST((f & kPathNul) != 0u);
}

BOOST_AUTO_TEST_CASE(query_and_host) {
  std::string_view q = target_query("/s?q=a+b%21&empty=&&flag#frag");
  BOOST_TEST(q == "q=a+b%21&empty=&&flag");
  std::string_view n, v;
  BOOST_TEST(next_query_param(q, n, v));
  BOOST_TEST(n == "q");
  char buf[16];
  uint32_t flags = 0;
  BOOST_TEST(std::string(buf, percent_decode(v, buf, true, flags)) == "a b!");
  BOOST_TEST(next_query_param(q, n, v));
  BOOST_TEST((n == "empty" && v.empty()));
  BOOST_TEST(next_query_param(q, n, v));
  BOOST_TEST(n == "flag");
  BOOST_TEST(!next_query_param(q, n, v));
  BOOST_TEST(host_without_port("Example.com:8080") == "Example.com");
  BOOST_TEST(host_without_port("[2001:db8::1]:443") == "2001:db8::1");
  BOOST_TEST(host_without_port("2001:db8::1") == "2001:db8::1");
  BOOST_TEST(host_without_port("plain") == "plain");
}

// The route view (Tomcat: ';' parameters stripped from raw segments before decoding),
// the signs of spellings servers read differently, and endpoint matching on routes.
BOOST_AUTO_TEST_CASE(routes_and_path_signs) {
  auto route = [](const std::string& path, uint32_t& flags) {
    std::string out(path.size() + 2, '\0');
    out.resize(normalize_path(path, out.data(), flags, true));
    return out;
  };
  uint32_t f = 0;
  BOOST_TEST(route("/login;jsessionid=1", f) == "/login");
  BOOST_TEST((f & kPathParams) != 0u);
  f = 0;
  BOOST_TEST(route("/orders/..;/customers/5", f) == "/customers/5");
  BOOST_TEST(norm("/orders/..;/customers/5") == "/orders/..;/customers/5");  // nginx, Go
  f = 0;
  BOOST_TEST(route("/a%3Bb/c", f) == "/a;b/c");  // an encoded ';' is data, not a parameter
  for (const auto& [path, sign] :
       std::vector<std::pair<std::string, uint32_t>>{{"/a%252e%252e/b", kPathDoubleEncoded},
                                                     {"/%u0061dmin", kPathUnicodeEscape},
                                                     {"/a%c0%afb", kPathOverlongUtf8},
                                                     {"/a%e0%80%afb", kPathOverlongUtf8},
                                                     {"/x;y", kPathParams}}) {
    uint32_t flags = 0;
    norm(path, &flags);
    BOOST_TEST((flags & sign) != 0u, path);
  }
  uint32_t clean = 0;
  norm("/caf%c3%a9/%e2%82%ac", &clean);  // ordinary UTF-8 is not overlong
  BOOST_TEST((clean & (kPathOverlongUtf8 | kPathDoubleEncoded | kPathUnicodeEscape)) == 0u);
  BOOST_TEST(target_authority("HTTP://user@Example.com:8080/p?q") == "Example.com:8080");
  BOOST_TEST(target_authority("/p").empty());
}

BOOST_AUTO_TEST_SUITE_END()
