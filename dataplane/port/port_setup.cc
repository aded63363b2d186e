// Port configuration with rte_ethdev (see port_setup.h).
#include "dataplane/port/port_setup.h"

#include <rte_ethdev.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/environment_check.h"

namespace bulwark::dp {

const uint8_t kSymmetricRssKey[52] = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
    0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
    0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

bool find_port(const std::string& device, uint16_t& port_id, std::string& error) {
  const std::string name = api::device_port_name(device);
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port_id) == 0) return true;
  // PCI devices are named with the domain: accept "01:00.0" for "0000:01:00.0".
  if (rte_eth_dev_get_port_by_name(("0000:" + name).c_str(), &port_id) == 0) return true;
  error = "device '" + device +
          "' did not become a DPDK port (is the driver loaded and, "
          "for a NIC, is it bound to vfio-pci? see dpdk-devbind.py --status)";
  return false;
}

namespace {

bool program_reta(uint16_t port_id, uint16_t reta_size, unsigned nb_rxq) {
  std::vector<rte_eth_rss_reta_entry64> reta(reta_size / RTE_ETH_RETA_GROUP_SIZE);
  for (unsigned i = 0; i < reta_size; ++i) {
    auto& group = reta[i / RTE_ETH_RETA_GROUP_SIZE];
    group.mask = UINT64_MAX;
    group.reta[i % RTE_ETH_RETA_GROUP_SIZE] = static_cast<uint16_t>(owner_of_hash(i, nb_rxq));
  }
  return rte_eth_dev_rss_reta_update(port_id, reta.data(), reta_size) == 0;
}

}  // namespace

uint16_t mbuf_data_room(uint16_t mtu) {
  if (mtu <= RTE_ETHER_MTU) return RTE_MBUF_DEFAULT_BUF_SIZE;
  // Whole pages, with room for a ring header: drivers over a kernel ring
  // (net_af_packet) receive into ring frames of whole pages that must fit an mbuf.
  const unsigned frame = mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN + 64;
  return static_cast<uint16_t>(RTE_PKTMBUF_HEADROOM + (frame + 4095) / 4096 * 4096);
}

bool setup_port(const std::string& role, const std::string& device, uint16_t port_id,
                unsigned workers, rte_mempool* pool, const api::DataplaneConfig& cfg, PortInfo& out,
                std::string& error) {
  const std::string who = role + " port (" + device + ")";
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0) {
    error = who + ": cannot read device info: " + std::strerror(-rc);
    return false;
  }
  out.driver = info.driver_name ? info.driver_name : "";
  if (info.max_tx_queues < workers) {
    error = who + " offers " + std::to_string(info.max_tx_queues) + " TX queue(s) but " +
            std::to_string(workers) +
            " workers need one each (net_af_packet: qpairs=N; net_pcap: one tx_pcap per "
            "worker; net_af_xdp: queue_count=N)";
    return false;
  }
  out.port_id = port_id;
  out.nb_txq = static_cast<uint16_t>(workers);
  out.nb_rxq = static_cast<uint16_t>(std::min<unsigned>(workers, info.max_rx_queues));
  constexpr uint64_t kWantRss = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
  const bool hash_ok = (info.flow_type_rss_offloads & kWantRss) != 0 && info.hash_key_size > 0 &&
                       info.hash_key_size <= sizeof kSymmetricRssKey &&
                       info.reta_size >= kRetaSize && info.reta_size % kRetaSize == 0;
  out.hw_rss = out.nb_rxq > 1 && hash_ok;

  rte_eth_conf conf{};
  if (out.hw_rss) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = const_cast<uint8_t*>(kSymmetricRssKey);
    conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
    conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & kWantRss;
  }
  // Checksums the NIC verifies on receipt are not summed again in software: the
  // inspector takes the mbuf's GOOD and computes the rest. Not TCP on virtio and vhost:
  // there the offload lets the host hand over segments whose checksum field was never
  // filled in (NEEDS_CSUM), which the box forwards as they came and servers would drop.
  constexpr uint64_t kWantRxChecksums =
      RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
  const bool partial_sums =
      out.driver == "net_virtio" || out.driver == "net_virtio_user" || out.driver == "net_vhost";
  conf.rxmode.offloads = info.rx_offload_capa & kWantRxChecksums &
                         ~(partial_sums ? RTE_ETH_RX_OFFLOAD_TCP_CKSUM : uint64_t{0});
  switch (conf.rxmode.offloads) {
    case kWantRxChecksums: out.rx_checksums = "IPv4 header and TCP"; break;
    case RTE_ETH_RX_OFFLOAD_TCP_CKSUM: out.rx_checksums = "TCP only"; break;
    case RTE_ETH_RX_OFFLOAD_IPV4_CKSUM: out.rx_checksums = "IPv4 header only"; break;
    default: out.rx_checksums = "none"; break;
  }
  if (int rc = rte_eth_dev_configure(port_id, out.nb_rxq, out.nb_txq, &conf); rc != 0) {
    error = who + ": configure failed: " + std::strerror(-rc);
    return false;
  }
  // A NIC receives frames up to its MTU. Drivers over a kernel interface (net_af_packet,
  // net_af_xdp) keep 1500 here and take what the interface's own MTU and their frame
  // size let through; a frame cut short there is malformed (dropped by default).
  if (cfg.mtu != RTE_ETHER_MTU) {
    const int rc = rte_eth_dev_set_mtu(port_id, cfg.mtu);
    if (rc != 0 && !api::is_vdev(device)) {
      error = who + ": cannot set MTU " + std::to_string(cfg.mtu) +
              " (ports.mtu): " + std::strerror(-rc) + "; the device allows " +
              std::to_string(info.min_mtu) + ".." + std::to_string(info.max_mtu);
      return false;
    }
    if (rc != 0)
      std::fprintf(stderr,
                   "bulwark-dataplane: %s: the driver keeps MTU 1500 (%s); the kernel "
                   "interface's MTU applies\n",
                   who.c_str(), std::strerror(-rc));
  }
  uint16_t nb_rxd = cfg.rx_descriptors, nb_txd = cfg.tx_descriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
  const int socket = rte_eth_dev_socket_id(port_id);
  for (uint16_t q = 0; q < out.nb_rxq; ++q) {
    if (int rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, nullptr, pool); rc != 0) {
      error = who + ": RX queue " + std::to_string(q) + " setup failed: " + std::strerror(-rc);
      return false;
    }
  }
  for (uint16_t q = 0; q < out.nb_txq; ++q) {
    if (int rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket, nullptr); rc != 0) {
      error = who + ": TX queue " + std::to_string(q) + " setup failed: " + std::strerror(-rc);
      return false;
    }
  }
  if (int rc = rte_eth_dev_start(port_id); rc != 0) {
    error = who + ": start failed: " + std::strerror(-rc);
    return false;
  }
  if (out.hw_rss && !program_reta(port_id, info.reta_size, out.nb_rxq)) out.hw_rss = false;
  // A bridge must see every frame whatever its destination MAC. Some virtual PMDs
  // (pcap files, ring) have no notion of it: that is fine.
  rte_eth_promiscuous_enable(port_id);
  return true;
}

}  // namespace bulwark::dp
