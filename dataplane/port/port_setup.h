// Port bring-up: queues for N workers (one RX and one TX queue per worker where the
// device has them), symmetric RSS when the device can hash, promiscuous mode.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace bulwark::api {
struct DataplaneConfig;
}  // namespace bulwark::api

namespace bulwark::dp {

// RSS redirection: flow hash -> owning worker. Software and hardware use the same map so
// that on a NIC with symmetric RSS packets arrive on their owner's queue and are never
// handed off. kRetaSize is a power of two that divides every NIC's RETA size.
inline constexpr unsigned kRetaSize = 128;
inline unsigned owner_of_hash(uint32_t hash, unsigned workers) {
  return (hash & (kRetaSize - 1)) % workers;
}

// Symmetric Toeplitz key (0x6d5a repeated): hash(a->b) == hash(b->a).
extern const uint8_t kSymmetricRssKey[52];

struct PortInfo {
  uint16_t port_id = 0;
  uint16_t nb_rxq = 0;  // workers with index < nb_rxq poll RX queue `index`
  uint16_t nb_txq = 0;  // == workers: each worker transmits on its own queue
  bool hw_rss = false;  // the device spreads flows over RX queues with the symmetric key
  std::string driver;   // the DPDK driver (net_virtio, net_ixgbe, net_af_packet, ...)
  const char* rx_checksums = "none";  // checksums the device verifies on receipt
};

// Data room of one mbuf for links of `mtu`: a whole frame (Ethernet, two VLAN tags) in
// one buffer, never less than DPDK's default.
uint16_t mbuf_data_room(uint16_t mtu);

// Finds the DPDK port created for a device string. Returns false with `error`.
bool find_port(const std::string& device, uint16_t& port_id, std::string& error);

// Configures and starts a port for `workers` workers. Returns false with `error` (the
// port is left stopped).
bool setup_port(const std::string& role, const std::string& device, uint16_t port_id,
                unsigned workers, rte_mempool* pool, const api::DataplaneConfig& cfg, PortInfo& out,
                std::string& error);

}  // namespace bulwark::dp
