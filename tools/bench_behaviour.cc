// Benchmark (not a test): the per-worker cost of client identity and rate limiting with
// one million distinct client keys, as a ratio to inspection without them, on the same
// requests in one run.
//
// Input: N requests (default 1,000,000), each from its own client address with its own
// API key and session cookie, parsed by the HTTP parser and evaluated against the same
// 10 signature rules as tools/bench_inspection.py's rules-10 (literal and regex tests
// over user agent, path, uri, query, headers, cookies):
//   inspection   parse + rules (the baseline)
//   behaviour    the same, plus client identity (API key, session and user-agent
//                digests), three global rate limits (per API key, per address, per
//                /24 + user agent) in one table of --cells cells (the first pass
//                inserts the keys, later passes find them, and the table evicts when
//                it is smaller than the keys), and the consistency score of every
//                request (a quarter claim Chrome)
// Rounds alternate; each prints TSC cycles per request; the summary is the median ratio.
// Deterministic instruction counts: run under valgrind --tool=callgrind with a small
// --requests and compare the two functions' inclusive costs.
//
// usage: bulwark-bench-behaviour [--requests N] [--rounds R] [--cells C] [--huge]
// (--huge: the table in hugepages, as in the dataplane; needs root and free hugepages)
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dataplane/features/consistency/consistency.h"
#include "dataplane/features/ratelimit/limit_key.h"
#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/features/signatures/matcher.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/request_view.h"
#include "dataplane/proto/http_parser.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

const char* kRules = R"(identity:
  api_key_header: X-Api-Key
  session_cookie: session
consistency: {mode: monitor}
limits:
  - {id: 1, name: per key, key: api_key, rate: 100/s, burst: 50}
  - {id: 2, name: per address, key: client_ip, rate: 50/s, burst: 50}
  - {id: 3, name: per prefix and agent, key: [prefix, user_agent], rate: 500/s, burst: 500}
rules:
  - {id: 10, name: r0, action: log, match: {field: user_agent, contains: "okhttp/"}}
  - {id: 11, name: r1, action: log, match: {field: path, prefix: /static/js/app.1}}
  - {id: 12, name: r2, match: {field: user_agent, contains: scanner-1f2e3d4c}}
  - {id: 13, name: r3, match: {field: path, prefix: /admin-77aa0011/}}
  - {id: 14, name: r4, match: {field: uri, regex: "/api/v[0-9]+/deadbeef/[0-9]+"}}
  - {id: 15, name: r5, match: {field: query_param, name: q, regex: "(?i)union\\s+select\\s+abcd"}}
  - {id: 16, name: r6, match: {field: header, name: X-Forwarded-For, contains: 10.1.2.3}}
  - {id: 17, name: r7, match: {field: cookie, name: session, equals: 00112233445566778899}}
  - {id: 18, name: r8, match: {field: host, suffix: .evil.example}}
  - {id: 19, name: r9, match: {field: user_agent, contains: sqlmap}}
)";

const char* kAgents[] = {
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36"),
    "okhttp/4.12.0", "MyShopApp/3.4.1 (Android 14; Pixel 8)", "python-requests/2.31.0"};

struct Request {
  uint32_t offset, length;
  uint8_t ip[4];
};

// Parses one request and evaluates it; `behaviour` adds identity and the limits.
struct Runner : HttpHandler {
  const rules::Bundle& b;
  bulwark::signatures::Matcher m;
  bulwark::ratelimit::RateLimiter* limiter = nullptr;
  std::vector<char> path = std::vector<char>(bulwark::inspect::kPathBufferBytes);
  std::vector<uint8_t> head_buffer = std::vector<uint8_t>(HttpLimits{}.max_head_bytes);
  bulwark::signatures::RequestScan scan;
  const uint8_t* ip = nullptr;
  uint64_t now = 0, hz = 0;
  uint64_t matched = 0, limited = 0, scored = 0;
  bulwark::identity::ClientIdentity ident;

  explicit Runner(const rules::Bundle& bundle) : b(bundle), m(bundle) {}

  void on_head(const HttpHead& h) override {
    bulwark::signatures::Verdict v;
    if (limiter == nullptr) {
      const auto rv = bulwark::inspect::make_request_view(h, path.data(), ip, 4);
      m.on_head(rv, scan, v);
      matched += v.matched_count;
      return;
    }
    bulwark::identity::resolve_identity(b.identity, h, ip, 4, {}, b.limit_parts, ident);
    const auto rv = bulwark::inspect::make_request_view(h, path.data(), ident.ip, ident.ip_len);
    m.on_head(rv, scan, v);
    matched += v.matched_count;
    scored += bulwark::consistency::score_request(b.consistency, h, ident.fingerprint_text).score >=
              b.consistency.threshold;
    for (unsigned k = 0; k < v.limit_count; ++k) {
      const rules::CompiledRule& r = b.rules[v.limits[k]];
      bulwark::ratelimit::LimitKey key;
      if (!bulwark::ratelimit::make_limit_key(r.id, r.limit.parts, ident, key)) continue;
      const uint64_t interval = hz * r.limit.period_s / r.limit.count;
      limited +=
          !limiter->check(key, interval, interval * r.limit.burst, r.limit.global, now).allowed;
    }
  }
  void on_body(const uint8_t*, size_t) override {}
  void on_message_end() override {}
  void on_anomaly(uint32_t, bool) override {}
  uint8_t* acquire_head_buffer(uint32_t n) override {
    return n <= head_buffer.size() ? head_buffer.data() : nullptr;
  }
  void release_head_buffer(uint8_t*) override {}
};

// Cycles per request over all requests.
__attribute__((noinline)) double pass(Runner& r, const std::string& text,
                                      const std::vector<Request>& reqs,
                                      bulwark::ratelimit::RateLimiter* l) {
  r.limiter = l;
  HttpParser p(true, HttpLimits{});
  const uint64_t t0 = rte_rdtsc();
  for (const Request& q : reqs) {
    r.ip = q.ip;
    r.now = rte_rdtsc();
    p.feed(reinterpret_cast<const uint8_t*>(text.data()) + q.offset, q.length, r);
  }
  return static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(reqs.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, rounds = 3, cells = 4u << 20;
  bool huge = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--huge") {  // hugepages (as the dataplane runs), in memory: no files left
      huge = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", argv[i]);
      return 2;
    }
    const size_t v = std::stoul(argv[i + 1]);
    if (a == "--requests")
      n = v;
    else if (a == "--rounds")
      rounds = v;
    else if (a == "--cells")
      cells = v;
    else {
      std::fprintf(stderr, "usage: %s [--requests N] [--rounds R] [--cells C] [--huge]\n", argv[0]);
      return 2;
    }
  }
  const char* no_huge[] = {"bench",       "--no-huge",   "-m",      "4096", "--no-pci",
                           "--no-shconf", "--log-level", "*:error", "-l",   "0"};
  const char* with_huge[] = {"bench",   "--in-memory", "--no-pci", "--log-level",
                             "*:error", "-l",          "0"};
  if ((huge ? rte_eal_init(7, const_cast<char**>(with_huge))
            : rte_eal_init(10, const_cast<char**>(no_huge))) < 0) {
    std::fprintf(stderr, "EAL init failed\n");
    return 1;
  }
  std::string error;
  auto set = rules::parse_rules_yaml(kRules, "bench.yaml", error);
  auto bytes = set ? rules::compile_bundle(*set, 1, error) : std::nullopt;
  auto bundle = bytes ? rules::Bundle::load(bytes->data(), bytes->size(), error) : nullptr;
  if (!bundle) {
    std::fprintf(stderr, "rules: %s\n", error.c_str());
    return 1;
  }
  // The requests: each with its own address, API key and session.
  std::mt19937_64 rng(1);
  std::string text;
  std::vector<Request> reqs(n);
  text.reserve(n * 300);
  char buf[768];
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k1 = rng(), k2 = rng();
    const int len = std::snprintf(
        buf, sizeof buf,
        "GET /api/v1/customers/%u?fields=name,email&lang=en HTTP/1.1\r\nHost: api.example.com\r\n"
        "User-Agent: %s\r\nAccept: application/json\r\nX-Api-Key: %016llx%016llx\r\n"
        "Cookie: session=%016llx; theme=dark\r\n\r\n",
        static_cast<unsigned>(rng() % 99999 + 1), kAgents[i % 4],
        static_cast<unsigned long long>(k1), static_cast<unsigned long long>(k2),
        static_cast<unsigned long long>(k1 ^ k2));
    reqs[i].offset = static_cast<uint32_t>(text.size());
    reqs[i].length = static_cast<uint32_t>(len);
    text.append(buf, static_cast<size_t>(len));
    const uint32_t ip = htonl(static_cast<uint32_t>(0x0b000000u + i));  // 11.0.0.0 + i
    std::memcpy(reqs[i].ip, &ip, 4);
  }
  auto limiter = bulwark::ratelimit::RateLimiter::create(
      "bench_limits", static_cast<uint32_t>(cells), 1u << 20, 10 * rte_get_tsc_hz(), -1, error);
  if (!limiter) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  Runner r(*bundle);
  r.hz = rte_get_tsc_hz();
  std::printf(
      "input: %zu requests, %zu distinct API keys, sessions and addresses; %u limits per "
      "request; %zu cells\n",
      n, n, bundle->limit_count, cells);
  std::vector<double> ratios;
  for (size_t round = 0; round < rounds; ++round) {
    const double base = pass(r, text, reqs, nullptr);
    const double beh = pass(r, text, reqs, limiter.get());
    bulwark::ratelimit::LimitReport sink[4096];
    while (limiter->collect(sink, 4096, 0) > 0) {  // what the worker hands on each millisecond
    }
    const auto& c = limiter->counters();
    std::printf(
        "round %zu: inspection %.0f cycles/request, with identity+limits+consistency %.0f "
        "(ratio %.3f); cells in use %llu, evicted %llu\n",
        round + 1, base, beh, beh / base, static_cast<unsigned long long>(c.keys),
        static_cast<unsigned long long>(c.evicted));
    ratios.push_back(beh / base);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf(
      "median ratio (identity + 3 rate limits with %zu keys + consistency / inspection alone): "
      "%.3f\n",
      n, ratios[ratios.size() / 2]);
  std::printf("(matched %llu, over a limit %llu, browser claims over the threshold %llu)\n",
              static_cast<unsigned long long>(r.matched),
              static_cast<unsigned long long>(r.limited),
              static_cast<unsigned long long>(r.scored));
  limiter.reset();  // its rte_hash goes before the EAL
  rte_eal_cleanup();
  return 0;
}
