// libFuzzer target: the HTTP/1.1 parser on arbitrary bytes, as requests and as
// responses. Differential: feeding the input whole and split at every one of a few
// fuzzer-chosen points must produce the same messages, bodies and anomalies; every
// lent head buffer must come back. Small bounds so the limits are exercised too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataplane/proto/http_normalize.h"
#include "dataplane/proto/http_parser.h"

namespace {

using namespace bulwark;
using namespace bulwark::proto;

struct Log : HttpHandler {
  std::string events;
  int buffers_out = 0;
  std::vector<uint8_t> buf = std::vector<uint8_t>(512);
  void on_head(const HttpHead& m) override {
    events += "H" + std::string(m.method) + "|" + std::string(m.target) + "|" +
              std::to_string(m.status) + "|" + std::to_string(m.anomalies) + "|" +
              std::to_string(m.header_count) + "|" + std::to_string(int(m.framing));
    for (unsigned i = 0; i < m.header_count; ++i)
      events += std::string(m.headers[i].name) + ":" + std::string(m.headers[i].value) + ";";
    events += "|";
    // Normalisers must accept whatever the parser accepted.
    const auto path = target_path(m.target);
    std::string out(path.size() + 2, '\0');
    uint32_t f = 0;
    if (normalize_path(path, out.data(), f) > out.size()) __builtin_trap();
    std::string_view q = target_query(m.target), n, v;
    while (next_query_param(q, n, v)) {
      std::string d(v.size(), '\0');
      if (percent_decode(v, d.data(), true, f) > v.size()) __builtin_trap();
    }
    host_without_port(m.header("host"));
  }
  // Body bytes are appended as they come: a split changes the calls, not the bytes.
  void on_body(const uint8_t* d, size_t n) override {
    events.append(reinterpret_cast<const char*>(d), n);
  }
  void on_message_end() override { events += "E"; }
  void on_anomaly(uint32_t a, bool fatal) override {
    events += "A" + std::to_string(a) + (fatal ? "!" : "");
  }
  uint8_t* acquire_head_buffer(uint32_t bytes) override {
    if (bytes > buf.size() || buffers_out) __builtin_trap();  // one per direction
    ++buffers_out;
    return buf.data();
  }
  void release_head_buffer(uint8_t*) override { --buffers_out; }
};

std::string run(bool requests, const uint8_t* d, size_t n, const std::vector<size_t>& cuts) {
  HttpLimits lim;
  lim.max_head_bytes = 512;
  lim.max_line_bytes = 256;
  Log log;
  HttpParser p(requests, lim);
  size_t at = 0;
  for (size_t c : cuts) {
    p.feed(d + at, c - at, log);
    at = c;
  }
  p.feed(d + at, n - at, log);
  p.finish(log);
  if (log.buffers_out != 0) __builtin_trap();
  return log.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool requests = data[0] & 1;
  const unsigned ncuts = (data[0] >> 1) & 7;
  data += 1;
  size -= 1;
  std::vector<size_t> cuts;
  for (unsigned i = 0; i < ncuts && size; ++i)
    cuts.push_back(size * (i + 1) / (ncuts + 1) + (data[size - 1 - i % size] % 3));
  for (auto& c : cuts) c = c > size ? size : c;
  std::sort(cuts.begin(), cuts.end());
  const std::string whole = run(requests, data, size, {}), split = run(requests, data, size, cuts);
  if (whole != split) {
    if (std::getenv("FUZZ_DEBUG"))  // reproducing a failure: show both logs
      std::fprintf(stderr, "whole: %s\nsplit: %s\n", whole.c_str(), split.c_str());
    __builtin_trap();
  }
  return 0;
}
