// Starts DPDK's EAL once per test process without hugepages, root or devices, for
// tests of code that allocates from DPDK (rte_hash, rte_malloc).
#pragma once

namespace bulwark::test {
void ensure_eal();
}
