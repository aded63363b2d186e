// libFuzzer target: API discovery's untrusted inputs. The bytes are (a) a dataplane batch
// for Inventory::ingest, (b) an OpenAPI/Swagger text for parse_spec and diff, and (c) a
// request path for template_path. Nothing may crash or throw; template_path must never
// write past its capacity and must give the same output twice; every reply must dump.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "control/features/discovery/inventory.h"
#include "control/features/discovery/spec.h"
#include "dataplane/api/path_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  if (size > 16384) return 0;  // bounded: yaml-cpp's time grows with nesting
  const std::string text(reinterpret_cast<const char*>(data), size);

  // (c) Templating with a guard area after the capacity; caps from the first byte.
  const size_t cap = size ? data[0] % 80 : 0;
  char a[96], b[96];
  std::memset(a, 0x5a, sizeof a);
  const auto ta = api::template_path(text, a, cap);
  const auto tb = api::template_path(text, b, cap);
  for (size_t i = cap; i < sizeof a; ++i)
    if (static_cast<uint8_t>(a[i]) != 0x5a) __builtin_trap();  // wrote beyond cap
  if (ta.len > cap || ta.len != tb.len || ta.id_hash != tb.id_hash ||
      std::memcmp(a, b, ta.len) != 0)
    __builtin_trap();

  // (a) A batch; also what a hostile dataplane could send after templating.
  control::discovery::Limits lim;
  lim.max_endpoints = 64;
  lim.max_hosts = 4;
  lim.collapse_threshold = 3;
  control::discovery::Inventory inv(lim);
  const auto batch = nlohmann::json::parse(text, nullptr, false);
  if (!batch.is_discarded()) {
    inv.ingest(batch, 1000);
    inv.ingest(batch, 2000);
    if (inv.endpoint_count() > lim.max_endpoints || inv.host_count() > lim.max_hosts)
      __builtin_trap();
    (void)inv.list().dump();
    (void)inv.export_openapi("", "fuzz", "1").dump();
    (void)inv.totals().dump();
  } else {
    inv.ingest({{"endpoints",
                 {{{"host", "h"}, {"method", "GET"}, {"path", "/" + text}, {"count", 1}},
                  {{"host", "h"}, {"method", "GET"}, {"path", "/u/1"}, {"count", 1}}}}},
               1000);
  }

  // (b) A spec, diffed against what was ingested.
  std::string error;
  const auto spec = control::discovery::parse_spec(text, error);
  if (!spec) {
    if (error.empty()) __builtin_trap();  // refusals always say why
    return 0;
  }
  inv.set_spec(&*spec);
  (void)inv.diff(*spec, 10, 5000).dump();
  (void)inv.list().dump();
  return 0;
}
