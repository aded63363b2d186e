// Benchmark (not a test): the cost of scanning responses for sensitive data, as a ratio
// to forwarding them without it, on the same bytes in one run.
//
// Input: --responses N (default 2000) HTTP/1.1 responses of JSON customer pages (50
// records each, about 13 KiB: id, name, e-mail, phone, card, address, IBAN, date of
// birth, as the lab origin serves them), cut into 1460-byte segments:
//   forward   the response parser frames every response and hands on its body (what a
//             worker does with an inspected connection when discovery scanning is off)
//   scan      the same, plus the built-in sensitive-data database: every body piece
//             through the Hyperscan stream, each match validated (Luhn, IBAN, ...)
// Rounds alternate; each prints nanoseconds per MB of response for both; the summary
// is the median ratio scan / forward. Deterministic instruction counts: run under
// valgrind --tool=callgrind with a small --responses and compare the two passes.
//
// usage: bulwark-bench-scan [--responses N] [--rounds R] [--rules FILE]
// (--rules: a rule file whose discovery section gives the classes; default: built-in)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/proto/http_parser.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

std::string luhn_complete(std::string digits) {
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    int d = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits + char('0' + (10 - sum % 10) % 10);
}

std::string page(unsigned first) {
  std::string body = "[";
  char rec[512];
  for (unsigned id = first; id < first + 50; ++id) {
    std::snprintf(rec, sizeof rec,
                  R"(%s{"id":%u,"name":"Customer %u","email":"user%u@example.com",)"
                  R"("phone":"+1-555-01%02u-%04u","card":"%s","address":"%u Main St, )"
                  R"(Springfield, IL 627%02u","iban":"DE89370400440532013000",)"
                  R"("date_of_birth":"19%02u-0%u-1%u","orders":%u,"status":"active"})",
                  id == first ? "" : ",", id, id, id, id % 100, (id * 7919) % 10000,
                  luhn_complete("400000" + std::to_string(100000000 + id)).c_str(), id % 9000 + 100,
                  id % 100, 50 + id % 40, 1 + id % 9, id % 10, id % 17);
    body += rec;
  }
  body += "]\n";
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Runner : HttpHandler {
  bulwark::discovery::SensitiveScanner* scanner = nullptr;
  bulwark::discovery::SensitiveScan scan;
  uint64_t body_bytes = 0, matches = 0;
  void on_head(const HttpHead&) override {
    if (scanner) scanner->begin(scan);
  }
  void on_body(const uint8_t* d, size_t n) override {
    body_bytes += n;
    if (scanner) scanner->feed(scan, d, n);
  }
  void on_message_end() override {
    if (!scanner) return;
    scanner->end(scan);
    for (uint16_t c : scan.counts) matches += c;
  }
  void on_anomaly(uint32_t, bool) override {}
  uint8_t* acquire_head_buffer(uint32_t) override { return head_buf; }
  void release_head_buffer(uint8_t*) override {}
  uint8_t head_buf[65536];
};

double pass(const std::string& stream, bulwark::discovery::SensitiveScanner* sc,
            uint64_t& matches) {
  Runner r;
  r.scanner = sc;
  HttpParser p(false, HttpLimits{});
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t at = 0; at < stream.size(); at += 1460)
    p.feed(reinterpret_cast<const uint8_t*>(stream.data()) + at,
           std::min<size_t>(1460, stream.size() - at), r);
  const auto t1 = std::chrono::steady_clock::now();
  matches = r.matches;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() /
         (static_cast<double>(stream.size()) / (1 << 20));
}

}  // namespace

int main(int argc, char** argv) {
  unsigned responses = 2000, rounds = 3;
  std::string rules_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--responses")) responses = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rules")) rules_file = argv[i + 1];
  }
  if (responses == 0 || rounds == 0) {
    std::fprintf(stderr, "usage: bulwark-bench-scan [--responses N] [--rounds R]\n");
    return 2;
  }
  std::string error;
  auto set = rules_file.empty() ? rules::parse_rules_yaml("rules: []\n", "bench", error)
                                : rules::load_rule_files({rules_file}, error);
  auto bytes = set ? rules::compile_bundle(*set, 1, error) : std::nullopt;
  auto bundle = bytes ? rules::Bundle::load(bytes->data(), bytes->size(), error) : nullptr;
  if (!bundle) {
    std::fprintf(stderr, "bundle: %s\n", error.c_str());
    return 1;
  }
  bulwark::discovery::SensitiveScanner sc(*bundle);
  sc.use_stream_pool(1);
  std::string stream;
  for (unsigned i = 0; i < responses; ++i) stream += page(1 + i * 50);
  std::printf("%u responses, %.1f MB, %zu sensitive-data classes\n", responses,
              static_cast<double>(stream.size()) / (1 << 20), bundle->discovery.class_names.size());
  std::vector<double> ratios;
  for (unsigned r = 0; r < rounds; ++r) {
    uint64_t m0 = 0, m1 = 0;
    const double fwd = pass(stream, nullptr, m0);
    const double scan = pass(stream, &sc, m1);
    ratios.push_back(scan / fwd);
    std::printf(
        "round %u: forward %.0f ns/MB, scan %.0f ns/MB (%.1f MB/s), ratio %.3f, %llu matches\n",
        r + 1, fwd, scan, 1e9 / scan, scan / fwd, static_cast<unsigned long long>(m1));
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("median ratio scan/forward: %.3f\n", ratios[ratios.size() / 2]);
  return 0;
}
