// rte_raw_cksum for the CPU the dataplane runs on (see raw_checksum.h).
#include "dataplane/proto/raw_checksum.h"

#include <rte_ip.h>

namespace bulwark::proto {

__attribute__((target_clones("avx2", "default"))) uint16_t raw_checksum(const void* buf,
                                                                        size_t len) {
  return rte_raw_cksum(buf, len);
}

}  // namespace bulwark::proto
