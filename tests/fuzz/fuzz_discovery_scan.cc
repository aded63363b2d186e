// libFuzzer target: hostile response bodies through the sensitive-data scanner with the
// built-in classes. The first byte picks the piece size (1..64 bytes: segment
// boundaries anywhere); the counts by class must be the same as for the body scanned
// whole (a match split across pieces is read back from the kept tail), and every
// validator must take the whole input without fault.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "dataplane/features/discovery/sensitive_scanner.h"
#include "rules/features/discovery/sensitive_validators.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

using namespace bulwark;

namespace {

bulwark::discovery::SensitiveScan scan(bulwark::discovery::SensitiveScanner& sc, const uint8_t* d,
                                       size_t n, size_t piece) {
  bulwark::discovery::SensitiveScan s;
  if (!sc.begin(s)) std::abort();
  for (size_t at = 0; at < n; at += piece) sc.feed(s, d + at, n - at < piece ? n - at : piece);
  sc.end(s);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<rules::Bundle> bundle;
  static std::unique_ptr<bulwark::discovery::SensitiveScanner> scanner;
  if (!bundle) {
    std::string error;
    auto set = rules::parse_rules_yaml("rules: []\n", "fuzz", error);
    auto bytes = rules::compile_bundle(*set, 1, error);
    bundle = rules::Bundle::load(bytes->data(), bytes->size(), error);
    scanner = std::make_unique<bulwark::discovery::SensitiveScanner>(*bundle);
    scanner->use_stream_pool(2);
  }
  if (size < 1) return 0;
  const size_t piece = 1 + data[0] % 64;
  // The body in a buffer with readable bytes after it, as packet buffers have: Debian's
  // Hyperscan 5.4 reads a little past the end in its AVX512VBMI literal matcher (Teddy;
  // vectorscan issue #322), which faults only when the data ends a mapped region.
  static std::vector<uint8_t> body;
  body.assign(data + 1, data + size);
  body.resize(size - 1 + 64);
  const auto whole = scan(*scanner, body.data(), size - 1, size);
  const auto split = scan(*scanner, body.data(), size - 1, piece);
  for (size_t c = 0; c < bulwark::discovery::kMaxClasses; ++c)
    if (whole.counts[c] != split.counts[c] && whole.unverifiable == 0 && split.unverifiable == 0)
      std::abort();
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  for (unsigned v = 0; v < static_cast<unsigned>(rules::discovery::Validator::count_); ++v)
    rules::discovery::validate(static_cast<rules::discovery::Validator>(v), text);
  return 0;
}
