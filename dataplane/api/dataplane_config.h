// bulwark-dataplane configuration: the YAML file, overridden by command-line options.
// Everything is validated here, before DPDK starts, so errors name the key and line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/api/integrity_policy.h"
#include "dataplane/proto/tcp_state.h"

namespace bulwark::api {

enum class MalformedPolicy : uint8_t { forward, drop };
// What to do with a request showing smuggling signs: block it, or only log it.
enum class AnomalyPolicy : uint8_t { block, log };

struct DataplaneConfig {
  std::string outside;  // DPDK device: PCI address or vdev string
  std::string inside;
  // Both directions arrive on the outside port: a capture replayed through net_pcap (tests,
  // forensic replay of a tap). Off on a wire: then a packet of an inspected connection that
  // arrives on the port its sender is not behind is forged and dropped (wrong_port).
  bool capture_replay = false;
  // The largest IP packet on either link (ports.mtu): each frame is received into one
  // buffer that large, so a jumbo frame is inspected whole.
  uint16_t mtu = 1500;
  unsigned main_core = 0;
  std::vector<unsigned> worker_cores{1};
  // A worker whose polls found nothing kIdlePollsBeforeSleep times in a row sleeps this
  // long before polling again (0: it never sleeps, the appliance's busy polling). For
  // CPUs the workers share with other work: labs, test runs, virtual machines without
  // dedicated CPUs. Costs at least this much latency on the first packet after a lull,
  // and on a busy shared CPU each wake-up also waits for the scheduler.
  uint32_t idle_sleep_us = 0;
  uint32_t flow_capacity = 65536;  // per worker
  // IP fragment reassembly of TCP (rte_ip_frag), per worker: datagrams in reassembly at
  // once (0: none reassembled, the `fragment` integrity policy decides), and how long an
  // incomplete one is kept.
  uint32_t frag_datagrams = 1024;
  uint32_t frag_timeout_ms = 2000;
  // Idle timeouts in seconds, indexed by TimeoutClass.
  std::array<uint32_t, proto::kTimeoutClassCount> timeouts_s{10, 30, 60, 60, 1800};
  // A frame the parser rejects cannot be inspected, and some a server accepts (a longer
  // IPv6 extension chain than the parser follows): dropped unless the operator forwards.
  MalformedPolicy malformed = MalformedPolicy::drop;
  std::string stats_shm = "/bulwark-stats";
  bool keep_stats = false;  // leave the stats segment after exit (offline runs, benchmarks)
  uint32_t mbufs = 0;       // 0: sized from ports, queues and rings
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t handoff_ring = 1024;
  bool no_huge = false;               // run on ordinary memory (tests, development)
  uint32_t memory_mb = 512;           // with no_huge
  std::vector<std::string> eal_args;  // passed to DPDK as they are

  // HTTP inspection (connections to these server ports are reassembled and parsed).
  std::vector<uint16_t> http_ports{80, 8080};
  // TLS: connections to these server ports have their ClientHello fingerprinted (JA3,
  // JA4); `tls_events` writes one event per ClientHello.
  std::vector<uint16_t> tls_ports{443};
  bool tls_events = false;
  uint32_t http_sessions = 16384;  // concurrent inspected connections per worker
  // Percent of a worker's sessions and head buffers one client (IPv4 address, IPv6 /64)
  // may hold; 100: no limit (the client_share integrity cause applies past it).
  uint32_t client_share_percent = 25;
  // With no session free, a connection idle at least this long gives up its session to
  // a new one and is cut (0: never; the new connection then meets sessions_full).
  uint32_t session_reclaim_idle_s = 10;
  uint32_t limit_keys = 262144;  // rate-limit cells per worker (0: limits not counted)
  // Challenge clearances: the secret their keys derive from (a file of at least 32 bytes,
  // e.g. made at first boot; empty: a random secret per start, so clearances do not
  // outlive a restart) and how often the key rotates.
  std::string challenge_secret_file;
  uint32_t challenge_rotate_s = 3600;
  uint32_t reassembly_segments = 8192;              // 2 KiB out-of-order buffers per worker
  uint32_t reassembly_max_held_bytes = 256 * 1024;  // per direction
  uint16_t reassembly_max_held_segments = 256;      // per direction
  uint32_t reassembly_max_window = 16u << 20;       // data further ahead is ignored
  // Last delivered client bytes kept per session to compare retransmissions with (a power
  // of two; 0: not compared).
  uint32_t reassembly_compare_bytes = 2048;
  uint32_t http_max_head_bytes = 16 * 1024;  // request/status line + headers
  uint32_t http_max_line_bytes = 8 * 1024;   // any one head line
  // What happens to a connection when inspection cannot go on, by cause
  // (inspect.integrity; inspect.reassembly.on_limit sets the reassembly_limit cause).
  IntegrityPolicy integrity = kDefaultIntegrityPolicy;
  AnomalyPolicy smuggling = AnomalyPolicy::block;
  std::string rules_bundle;  // compiled bundle (bulwark-rules compile); empty: no rules
  // Events also go to bulwark-control over the control socket; this file is for running
  // the dataplane on its own (empty: no file).
  std::string events_file;
  // The control socket bulwark-control connects to (empty: none), and the group that
  // may connect (empty: root only).
  std::string control_socket = "/run/bulwark/dataplane.sock";
  std::string control_group;
};

// Parses YAML text. `origin` names the source in messages (a file name). On error
// returns nullopt and sets `error` to "origin:line: reason".
std::optional<DataplaneConfig> parse_dataplane_config(const std::string& yaml,
                                                      const std::string& origin,
                                                      std::string& error);

// Checks cross-field rules that hold whatever the source (file or command line).
bool validate_dataplane_config(const DataplaneConfig& cfg, std::string& error);

// True if `dev` names a virtual device ("net_xxx..."), false for a PCI address.
bool is_vdev(const std::string& dev);
// The DPDK port name of a device string: the part before the first comma.
std::string device_port_name(const std::string& dev);
// The full PCI address (0000:01:00.0) of a PCI device string (01:00.0,devargs).
std::string pci_address(const std::string& dev);

// Parses "1,2,4-5" into CPU numbers. Returns false on syntax errors.
bool parse_core_list(const std::string& s, std::vector<unsigned>& out);

}  // namespace bulwark::api
