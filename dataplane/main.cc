// bulwark-dataplane: the DPDK primary process. Loads and checks configuration, starts
// EAL with the two ports, launches one worker per worker core, publishes port counters
// and a heartbeat into the stats segment, inspects HTTP with the rule bundle (reloaded
// on SIGHUP), writes events, and shuts down cleanly on SIGINT/SIGTERM.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_thash.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/environment_check.h"
#include "dataplane/api/port_list.h"
#include "dataplane/api/service_notify.h"
#include "dataplane/ctl/control_server.h"
#include "dataplane/exit_codes.h"
#include "dataplane/flow/flow_table.h"
#include "dataplane/inspect/inspection_runtime.h"
#include "dataplane/port/port_setup.h"
#include "dataplane/stats/stats_segment.h"
#include "dataplane/worker/fragment_reassembly.h"
#include "dataplane/worker/worker.h"

namespace bulwark::dp {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }
void on_hangup(int) { g_reload.store(true, std::memory_order_relaxed); }

void log(const std::string& s) {
  std::fprintf(stdout, "bulwark-dataplane: %s\n", s.c_str());
  std::fflush(stdout);
}

int fail(int code, const std::string& s) {
  std::fprintf(stderr, "bulwark-dataplane: error: %s\n", s.c_str());
  return code;
}

// net_af_packet and net_af_xdp give one queue pair unless told otherwise; every worker
// needs one.
std::string with_default_queues(const std::string& dev, unsigned workers) {
  if (dev.rfind("net_af_packet", 0) == 0 && dev.find("qpairs=") == std::string::npos)
    return dev + ",qpairs=" + std::to_string(workers);
  if (dev.rfind("net_af_xdp", 0) == 0 && dev.find("queue_count=") == std::string::npos)
    return dev + ",queue_count=" + std::to_string(workers);
  return dev;
}

std::vector<std::string> eal_arguments(const api::DataplaneConfig& cfg) {
  std::vector<std::string> a{"bulwark-dataplane"};
  // lcore 0 is the main lcore; lcores 1..N are workers, each pinned to its CPU. Several
  // lcores may map to one CPU (correctness tests on small machines).
  std::ostringstream lcores;
  lcores << "0@" << cfg.main_core;
  for (size_t i = 0; i < cfg.worker_cores.size(); ++i)
    lcores << "," << (i + 1) << "@" << cfg.worker_cores[i];
  a.insert(a.end(), {"--lcores", lcores.str(), "--main-lcore", "0"});
  // No files in hugetlbfs or /var/run/dpdk: nothing to clean up after a crash, and
  // several dataplanes (tests) can run side by side. --no-huge excludes --in-memory.
  if (cfg.no_huge)
    a.insert(a.end(), {"--no-huge", "-m", std::to_string(cfg.memory_mb), "--no-shconf"});
  else
    a.push_back("--in-memory");
  bool any_pci = false;
  for (const auto* dev : {&cfg.outside, &cfg.inside}) {
    if (api::is_vdev(*dev)) {
      a.insert(a.end(), {"--vdev", with_default_queues(*dev, cfg.worker_cores.size())});
    } else {
      a.insert(a.end(), {"-a", *dev});
      any_pci = true;
    }
  }
  if (!any_pci) a.push_back("--no-pci");
  a.insert(a.end(), cfg.eal_args.begin(), cfg.eal_args.end());
  return a;
}

uint32_t mbufs_needed(const api::DataplaneConfig& cfg, unsigned workers) {
  if (cfg.mbufs) return cfg.mbufs;
  const uint64_t per_port = uint64_t{workers} * (cfg.rx_descriptors + cfg.tx_descriptors);
  const uint64_t rings = uint64_t{workers} * (workers - 1) * cfg.handoff_ring;
  // Fragments held by reassembly: up to RTE_LIBRTE_IP_FRAG_MAX_FRAG per datagram.
  const uint64_t frags = uint64_t{workers} * cfg.frag_datagrams * 8;
  const uint64_t n = 2 * per_port + rings + frags + (workers + 1) * 512 + 8192;
  return static_cast<uint32_t>(std::min<uint64_t>(n, 1u << 22));
}

uint64_t unix_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void publish_port(api::PortStats& ps, uint16_t port_id) {
  rte_eth_stats st{};
  if (rte_eth_stats_get(port_id, &st) == 0) {
    ps.hw_rx_packets.set(st.ipackets);
    ps.hw_rx_bytes.set(st.ibytes);
    ps.hw_tx_packets.set(st.opackets);
    ps.hw_tx_bytes.set(st.obytes);
    ps.rx_missed.set(st.imissed);
    ps.rx_errors.set(st.ierrors);
    ps.tx_errors.set(st.oerrors);
    ps.rx_nombuf.set(st.rx_nombuf);
  }
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(port_id, &link) == 0) {
    ps.link_up.set(link.link_status);
    ps.link_speed_mbps.set(link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed);
  }
}

void copy_text(char* dst, size_t cap, const std::string& s) {
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

struct Options {
  std::string config_file;
  api::DataplaneConfig cfg;
  bool check_only = false;
};

int parse_options(int argc, char** argv, Options& o) {
  CLI::App app{
      "bulwark-dataplane: DPDK bump-in-the-wire between an outside and an inside port.\n"
      "Options override the configuration file. Arguments after -- go to DPDK's EAL."};
  std::string outside, inside, workers, shm, malformed, rules, events, http_ports, tls_ports,
      control;
  bool tls_events = false;
  unsigned main_core = 0;
  uint32_t flows = 0, memory_mb = 0, mbufs = 0;
  std::optional<uint32_t> idle_sleep_us;
  bool no_huge = false, keep_stats = false, capture_replay = false;
  std::vector<std::string> eal;
  app.add_option("-c,--config", o.config_file, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--outside", outside, "outside (client side) device: PCI address or vdev string");
  app.add_option("--inside", inside, "inside (server side) device");
  auto* main_opt = app.add_option("--main-core", main_core, "CPU of the main lcore");
  app.add_option("--workers", workers, "worker CPUs, e.g. 1 or 1-3 or 1,1 (sharing a CPU)");
  app.add_option("--idle-sleep-us", idle_sleep_us,
                 "a worker idle for 256 polls in a row sleeps this long (0: busy polling, the "
                 "default; for shared CPUs: labs, VMs), e.g. 100")
      ->check(CLI::Range(0u, 10000u));
  app.add_option("--flows", flows, "flow table entries per worker")
      ->check(CLI::Range(64u, 1u << 26));
  app.add_option("--stats-shm", shm,
                 "name of the shared-memory stats segment, e.g. /bulwark-stats");
  app.add_option("--malformed", malformed, "policy for malformed frames")
      ->check(CLI::IsMember({"forward", "drop"}));
  app.add_option("--mbufs", mbufs, "mbuf pool size (0: computed)");
  app.add_flag("--no-huge", no_huge, "use ordinary memory instead of hugepages (tests)");
  app.add_option("--memory-mb", memory_mb, "memory with --no-huge")
      ->check(CLI::Range(64u, 1u << 20));
  app.add_flag("--keep-stats", keep_stats, "keep the stats segment after exit");
  app.add_flag("--capture-replay", capture_replay,
               "both directions arrive on the outside port (a replayed capture): a "
               "connection's sides are not checked against the ports");
  app.add_option("--rules", rules,
                 "compiled rule bundle (bulwark-rules compile); SIGHUP reloads it")
      ->check(CLI::ExistingFile);
  app.add_option("--events", events, "events file (JSON lines)");
  app.add_option("--control-socket", control,
                 "unix socket for bulwark-control ('none': no control socket)");
  auto* tls_opt = app.add_option(
      "--tls-ports", tls_ports,
      "server ports whose TLS ClientHellos are fingerprinted, e.g. 443 or 443,8443-8445 "
      "('none': off)");
  app.add_flag("--tls-events", tls_events, "an event for every fingerprinted ClientHello");
  auto* http_opt = app.add_option(
      "--http-ports", http_ports,
      "server ports whose connections are inspected, e.g. 80,8080 or 8000-8010 ('none': off)");
  app.add_flag("--check-config", o.check_only, "validate configuration and environment, then exit");
  bool print_pci = false;
  app.add_flag("--print-pci-ports", print_pci,
               "print the ports' PCI addresses (one a line; none for virtual devices), then exit "
               "(the unit's start step binds these to vfio-pci)");
  app.add_option("eal", eal, "EAL arguments (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? -1 : kExitUsage;  // -1: --help was printed
  }
  if (!o.config_file.empty()) {
    std::ifstream in(o.config_file);
    std::stringstream text;
    text << in.rdbuf();
    std::string err;
    auto c = api::parse_dataplane_config(text.str(), o.config_file, err);
    if (!c) return fail(kExitUsage, err);
    o.cfg = *c;
  }
  api::DataplaneConfig& c = o.cfg;
  if (!outside.empty()) c.outside = outside;
  if (!inside.empty()) c.inside = inside;
  if (*main_opt) c.main_core = main_core;
  if (!workers.empty() && !api::parse_core_list(workers, c.worker_cores))
    return fail(kExitUsage, "--workers '" + workers + "' is not a CPU list like 1 or 1-3 or 1,2");
  if (idle_sleep_us) c.idle_sleep_us = *idle_sleep_us;
  if (flows) c.flow_capacity = flows;
  if (!shm.empty()) c.stats_shm = shm;
  if (!malformed.empty())
    c.malformed = malformed == "drop" ? api::MalformedPolicy::drop : api::MalformedPolicy::forward;
  if (mbufs) c.mbufs = mbufs;
  if (no_huge) c.no_huge = true;
  if (memory_mb) c.memory_mb = memory_mb;
  if (keep_stats) c.keep_stats = true;
  if (capture_replay) c.capture_replay = true;
  if (!rules.empty()) c.rules_bundle = rules;
  if (!events.empty()) c.events_file = events;
  if (control == "none")
    c.control_socket.clear();
  else if (!control.empty())
    c.control_socket = control;
  for (auto [opt, text, list] : {std::tuple{http_opt, &http_ports, &c.http_ports},
                                 std::tuple{tls_opt, &tls_ports, &c.tls_ports}}) {
    if (!*opt) continue;
    std::string err;
    if (*text == "none")
      list->clear();
    else if (!api::parse_port_list(*text, *list, err))
      return fail(kExitUsage, opt->get_name() + " '" + *text + "': " + err);
  }
  if (tls_events) c.tls_events = true;
  c.eal_args.insert(c.eal_args.end(), eal.begin(), eal.end());
  std::string err;
  if (!api::validate_dataplane_config(c, err)) return fail(kExitUsage, err);
  if (print_pci) {
    for (const std::string* dev : {&c.outside, &c.inside})
      if (!api::is_vdev(*dev)) std::printf("%s\n", api::pci_address(*dev).c_str());
    return -1;  // done: exit 0
  }
  return kExitOk;
}

int run(const api::DataplaneConfig& cfg) {
  const unsigned nw = static_cast<unsigned>(cfg.worker_cores.size());
  auto args = eal_arguments(cfg);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
    return fail(kExitDpdk, std::string("DPDK EAL initialisation failed: ") +
                               rte_strerror(rte_errno) +
                               " (see the EAL messages above; check device strings, "
                               "hugepages and that no other DPDK process holds the devices)");
  struct EalCleanup {
    ~EalCleanup() { rte_eal_cleanup(); }
  } eal_cleanup;

  rte_mempool* pool =
      rte_pktmbuf_pool_create("bulwark_mbufs", mbufs_needed(cfg, nw), 256, 0,
                              mbuf_data_room(cfg.mtu), static_cast<int>(rte_socket_id()));
  if (pool == nullptr)
    return fail(kExitDpdk, std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno) +
                               " (reserve more hugepages or lower dpdk.mbufs)");
  const std::string roles[api::kPortCount] = {"outside", "inside"};
  const std::string devices[api::kPortCount] = {cfg.outside, cfg.inside};
  PortInfo ports[api::kPortCount];
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    std::string err;
    uint16_t id = 0;
    if (!find_port(devices[p], id, err) ||
        !setup_port(roles[p], devices[p], id, nw, pool, cfg, ports[p], err))
      return fail(kExitDpdk, err);
    log(roles[p] + " port " + std::to_string(id) + " (" + devices[p] + ", driver " +
        ports[p].driver + "): " + std::to_string(ports[p].nb_rxq) + " RX / " +
        std::to_string(ports[p].nb_txq) + " TX queues, " +
        (ports[p].hw_rss ? "symmetric hardware RSS" : "software flow hand-off") +
        ", RX checksum offload: " + ports[p].rx_checksums);
  }

  StatsSegment segment;
  if (std::string err; !segment.create(cfg.stats_shm, nw, err)) return fail(kExitRuntime, err);
  api::Segment& seg = *segment.get();
  seg.header.tsc_hz = rte_get_tsc_hz();
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    copy_text(seg.ports[p].role, sizeof seg.ports[p].role, roles[p]);
    copy_text(seg.ports[p].device, sizeof seg.ports[p].device, devices[p]);
    seg.ports[p].port_id.set(ports[p].port_id);
    seg.ports[p].nb_rx_queues.set(ports[p].nb_rxq);
    seg.ports[p].nb_tx_queues.set(ports[p].nb_txq);
  }

  // Hand-off rings, one per ordered pair of workers (single producer, single consumer).
  std::vector<rte_ring*> rings(nw * nw, nullptr);
  for (unsigned s = 0; s < nw; ++s)
    for (unsigned d = 0; d < nw; ++d) {
      if (s == d) continue;
      const std::string name = "handoff_" + std::to_string(s) + "_" + std::to_string(d);
      rings[s * nw + d] =
          rte_ring_create(name.c_str(), cfg.handoff_ring, static_cast<int>(rte_socket_id()),
                          RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (rings[s * nw + d] == nullptr)
        return fail(kExitDpdk,
                    "cannot create hand-off ring " + name + ": " + rte_strerror(rte_errno));
    }

  FlowTableConfig fcfg;
  fcfg.capacity = cfg.flow_capacity;
  for (unsigned c = 0; c < proto::kTimeoutClassCount; ++c)
    fcfg.timeout_ticks[c] = uint64_t{cfg.timeouts_s[c]} * rte_get_tsc_hz();
  fcfg.relink_ticks = rte_get_tsc_hz() / 100;  // 10 ms
  std::vector<std::unique_ptr<FlowTable>> tables;
  std::vector<WorkerContext> ctx(nw);
  unsigned lcore = 0, w = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (w == nw) break;
    std::string err;
    auto t = FlowTable::create("flows_" + std::to_string(w), fcfg,
                               static_cast<int>(rte_lcore_to_socket_id(lcore)), err);
    if (!t) return fail(kExitDpdk, err);
    WorkerContext& c = ctx[w];
    c.index = w;
    c.workers = nw;
    for (unsigned p = 0; p < api::kPortCount; ++p) {
      c.port_id[p] = ports[p].port_id;
      c.polls_rxq[p] = w < ports[p].nb_rxq;
    }
    c.rings = rings.data();
    c.flows = t.get();
    c.stats = &seg.workers[w];
    c.malformed = cfg.malformed;
    c.stop = &g_stop;
    c.idle_sleep_us = cfg.idle_sleep_us;
    std::memcpy(c.rss_key_be, kSymmetricRssKey, sizeof kSymmetricRssKey);
    rte_convert_rss_key(reinterpret_cast<const uint32_t*>(kSymmetricRssKey),
                        reinterpret_cast<uint32_t*>(c.rss_key_be), sizeof kSymmetricRssKey);
    tables.push_back(std::move(t));
    ++w;
  }
  // Declared before the runtime (destroyed after it, so the runtime's last event drain
  // still has a sink), and stopped before the runtime goes on any path out of here (the
  // control thread loads bundles into it).
  ControlServer control;
  inspect::InspectionRuntime inspection;
  struct StopControlFirst {
    ControlServer& c;
    ~StopControlFirst() { c.stop(); }
  } stop_control_first{control};
  if (std::string err; !inspection.start(cfg, nw, pool, seg, err)) return fail(kExitDpdk, err);
  if (!cfg.rules_bundle.empty()) {
    if (std::string err; !inspection.reload(err)) return fail(kExitUsage, err);
    log("rules: " + cfg.rules_bundle + " version " + std::to_string(seg.rules.version) + ", " +
        std::to_string(seg.rules.rule_count) + " rules, sha256 " + seg.rules.sha256);
  }
  if (inspection.enabled()) {
    auto list = [](const std::vector<uint16_t>& ports) {
      std::string t;
      for (uint16_t p : ports) t += (t.empty() ? "" : ",") + std::to_string(p);
      return t.empty() ? std::string("none") : t;
    };
    log("inspecting HTTP on TCP ports " + list(cfg.http_ports) +
        ", fingerprinting TLS on TCP ports " + list(cfg.tls_ports) + "; events to " +
        (cfg.events_file.empty() ? std::string("(none)") : cfg.events_file));
  }
  if (!cfg.control_socket.empty()) {
    ControlServer::Identity id{static_cast<uint32_t>(getpid()), seg.header.start_unix_ns, nw,
                               cfg.stats_shm};
    if (std::string err;
        control.start(cfg.control_socket, cfg.control_group, id, inspection, seg, err)) {
      inspection.set_event_sink(
          [&control](std::string&& line) { control.offer_event(std::move(line)); });
      log("control socket " + cfg.control_socket);
    } else {
      // Forwarding does not need bulwark-control: run on with what was configured.
      std::fprintf(stderr, "bulwark-dataplane: warning: no control socket: %s\n", err.c_str());
    }
  }
  // Fragments are reassembled for inspection only: a plain bridge forwards them as they
  // came.
  std::vector<std::unique_ptr<FragmentReassembly>> fragments;
  for (unsigned i = 0; i < nw; ++i) {
    ctx[i].inspector = inspection.inspector(i);
    ctx[i].qsbr = inspection.qsbr();
    if (ctx[i].inspector && cfg.frag_datagrams) {
      std::string err;
      auto f = FragmentReassembly::create(cfg.frag_datagrams, cfg.frag_timeout_ms, cfg.mtu,
                                          static_cast<int>(rte_socket_id()), seg.workers[i], err);
      if (!f) return fail(kExitDpdk, err);
      ctx[i].fragments = f.get();
      fragments.push_back(std::move(f));
    }
  }
  seg.header.flow_entry_bytes = static_cast<uint32_t>(tables[0]->bytes_per_flow());
  log("flow table: " + std::to_string(cfg.flow_capacity) + " entries per worker, " +
      std::to_string(tables[0]->bytes_per_flow()) + " bytes per flow");

  w = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (w == nw) break;
    if (rte_eal_remote_launch(worker_main, &ctx[w], lcore) != 0) {
      g_stop = true;
      rte_eal_mp_wait_lcore();
      return fail(kExitDpdk, "cannot launch worker on lcore " + std::to_string(lcore));
    }
    ++w;
  }
  seg.header.state.store(static_cast<uint32_t>(api::RunState::running));
  log("forwarding with " + std::to_string(nw) + " worker(s); stats in shm " + cfg.stats_shm);
  api::notify_ready("forwarding with " + std::to_string(nw) + " worker(s)");
  // The watchdog is fed while the main lcore's loop runs and every worker's loop has
  // moved on since the last feed (its cycle counters): a stuck worker or a stuck main
  // lcore gets the unit restarted by systemd.
  api::WatchdogFeeder watchdog;
  std::vector<uint64_t> worker_cycles(nw, ~uint64_t{0});  // at the last feed
  auto cycles = [&seg](unsigned i) {
    return seg.workers[i].busy_cycles.get() + seg.workers[i].idle_cycles.get();
  };
  auto feed_if_workers_advanced = [&] {
    for (unsigned i = 0; i < nw; ++i)
      if (cycles(i) == worker_cycles[i]) return;
    for (unsigned i = 0; i < nw; ++i) worker_cycles[i] = cycles(i);
    watchdog.feed();
  };

  for (unsigned tick = 0; !g_stop.load(std::memory_order_relaxed); ++tick) {
    inspection.poll();  // events and rate-limit merging: every 5 ms
    if (g_reload.exchange(false)) {
      std::string err;
      if (inspection.reload(err))
        log("rules reloaded: version " + std::to_string(seg.rules.version) + ", " +
            std::to_string(seg.rules.rule_count) + " rules, sha256 " + seg.rules.sha256);
      else
        fail(kExitRuntime, "rules not reloaded (the active set stays): " + err);
    }
    if (tick % 20 == 0) {
      for (unsigned p = 0; p < api::kPortCount; ++p) publish_port(seg.ports[p], ports[p].port_id);
      seg.header.heartbeat_unix_ns.set(unix_ns());
    }
    if (watchdog.due()) feed_if_workers_advanced();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  seg.header.state.store(static_cast<uint32_t>(api::RunState::stopping));
  api::notify_stopping();
  log("stopping");
  int rc = kExitOk;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (rte_eal_wait_lcore(lcore) < 0) rc = kExitRuntime;
  }
  for (unsigned p = 0; p < api::kPortCount; ++p) publish_port(seg.ports[p], ports[p].port_id);
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    rte_eth_dev_stop(ports[p].port_id);
    rte_eth_dev_close(ports[p].port_id);  // net_pcap flushes its output files here
  }
  for (auto* r : rings) rte_ring_free(r);
  inspection.poll();  // the last events, to control's queue
  control.stop();     // sends them; before the runtime it loads bundles into
  inspection.stop();
  tables.clear();
  fragments.clear();  // gives the mbufs it still holds back to the pool
  rte_mempool_free(pool);
  seg.header.state.store(static_cast<uint32_t>(api::RunState::stopped));
  if (cfg.keep_stats) segment.keep();
  log("stopped");
  return rc;
}

}  // namespace
}  // namespace bulwark::dp

int main(int argc, char** argv) {
  using namespace bulwark;
  using namespace bulwark::dp;
  Options o;
  if (int rc = parse_options(argc, argv, o); rc != kExitOk) return rc < 0 ? kExitOk : rc;
  claim_configured_cores(o.cfg);  // on a refusal the check below names the core
  const EnvironmentReport env = check_environment(o.cfg);
  for (const auto& w : env.warnings)
    std::fprintf(stderr, "bulwark-dataplane: warning: %s\n", w.c_str());
  for (const auto& e : env.errors)
    std::fprintf(stderr, "bulwark-dataplane: error: %s\n", e.c_str());
  if (!env.errors.empty()) return kExitEnvironment;
  if (!o.cfg.rules_bundle.empty()) {  // a bad bundle is a configuration error: say so now
    std::string err;
    if (!rules::Bundle::load_file(o.cfg.rules_bundle, err)) return fail(kExitUsage, err);
  }
  if (o.check_only) {
    log("configuration and environment OK");
    return kExitOk;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = on_hangup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
  return run(o.cfg);
}
