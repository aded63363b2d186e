// libFuzzer target: the block list message the dataplane gets from bulwark-control
// (CBOR, as on the control socket), built into the lookup table workers read. Whatever
// the bytes, the result is a table or an error, never a crash; a table answers lookups.
#include <rte_eal.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/inspect/block_set.h"
#include "rules/lang/cbor_limited.h"

using namespace bulwark;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* args[] = {"fuzz",        "--no-huge",   "-m",      "256", "--no-pci",
                        "--no-shconf", "--log-level", "*:error", "-l",  "0"};
  return rte_eal_init(10, const_cast<char**>(args)) < 0 ? 1 : 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uint64_t generation = 0;
  nlohmann::json msg;
  std::string error;
  if (!rules::parse_cbor_limited(data, size, 8, msg, error)) return 0;
  auto set = bulwark::inspect::BlockSet::build(msg, ++generation, 1000, 1000000, 1000, error);
  if (!set) return 0;
  bulwark::identity::ClientIdentity id;
  id.ip_len = 4;
  id.ip[0] = 198;
  id.ip[1] = 18;
  set->match(id, 1000500);
  set->match_fingerprint("t13d1516h2_8daaf6152771_e5627efa2ab1", 1000500);
  return 0;
}
