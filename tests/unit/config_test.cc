// Configuration parsing: good files, and errors that name the line and the fix.
#include <boost/test/unit_test.hpp>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/environment_check.h"
#include "dataplane/api/port_list.h"

using namespace bulwark;
using namespace bulwark::api;
using namespace bulwark::dp;
using namespace bulwark::proto;

namespace {
std::string error_of(const std::string& yaml) {
  std::string err;
  BOOST_TEST(!parse_dataplane_config(yaml, "t.yaml", err));
  return err;
}
bool has(const EnvironmentReport& r, const std::string& text) {
  for (const auto& e : r.errors)
    if (e.find(text) != std::string::npos) return true;
  return false;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(full_file) {
  std::string err;
  auto c = parse_dataplane_config(R"(
ports:
  outside: net_af_packet0,iface=out0
  inside: "0000:01:00.1"
cores: {main: 0, workers: [1, 2]}
flows:
  capacity: 4096
  timeouts: {established: 600, embryonic: 5}
malformed: forward
stats: {shm: /x, keep_on_exit: true}
dpdk: {no_huge: true, memory_mb: 256, eal_args: ["--log-level", "*:debug"]}
)",
                                  "t.yaml", err);
  BOOST_REQUIRE_MESSAGE(c, err);
  BOOST_TEST(c->outside == "net_af_packet0,iface=out0");
  BOOST_TEST(c->inside == "0000:01:00.1");
  BOOST_TEST(c->worker_cores == (std::vector<unsigned>{1, 2}));
  BOOST_TEST(c->flow_capacity == 4096u);
  BOOST_TEST(c->timeouts_s[static_cast<unsigned>(TimeoutClass::established)] == 600u);
  BOOST_TEST(c->timeouts_s[static_cast<unsigned>(TimeoutClass::embryonic)] == 5u);
  BOOST_TEST((c->malformed == MalformedPolicy::forward));
  BOOST_TEST(c->keep_stats);
  BOOST_TEST(c->eal_args.size() == 2u);
  BOOST_TEST(validate_dataplane_config(*c, err));
}

BOOST_AUTO_TEST_CASE(empty_file_gives_defaults) {
  std::string err;
  auto c = parse_dataplane_config("", "t.yaml", err);
  BOOST_REQUIRE(c);
  BOOST_TEST(c->flow_capacity == 65536u);
  BOOST_TEST(c->idle_sleep_us == 0u);                   // busy polling unless asked
  BOOST_TEST((c->malformed == MalformedPolicy::drop));  // what cannot be inspected stops
  BOOST_TEST(!validate_dataplane_config(*c, err));
  BOOST_TEST(err.find("both ports") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(errors_name_line_and_key) {
  BOOST_TEST(
      error_of("ports:\n  outside: a\n  insde: b\n") ==
      "t.yaml:3: unknown key 'insde' in 'ports' (known: capture_replay, inside, mtu, outside)");
  BOOST_TEST(
      error_of("flows:\n  capacity: 10\n").find("t.yaml:2: 'flows.capacity' is 10, must be 64..") ==
      0);
  BOOST_TEST(error_of("flows:\n  capacity: lots\n").find("must be a whole number") !=
             std::string::npos);
  BOOST_TEST(error_of("malformed: eat\n").find("'forward' or 'drop'") != std::string::npos);
  BOOST_TEST(error_of("cores: {workers: \"1-\"}\n").find("cores.workers") != std::string::npos);
  BOOST_TEST(error_of("cores: {idle_sleep_us: 20000}\n").find("'cores.idle_sleep_us' is 20000") !=
             std::string::npos);
  {
    std::string e;
    const auto c = parse_dataplane_config("cores: {idle_sleep_us: 100}\n", "t.yaml", e);
    BOOST_TEST_REQUIRE(c.has_value(), e);
    BOOST_TEST(c->idle_sleep_us == 100u);
  }
  BOOST_TEST(error_of("ports: [1, 2]\n").find("must be a mapping") != std::string::npos);
  BOOST_TEST(error_of("ports: {outside: [\n").find("t.yaml:") == 0);  // YAML syntax error
  BOOST_TEST(error_of("flows: {timeouts: {forever: 1}}\n").find("unknown key 'forever'") !=
             std::string::npos);
}

// Step 8's keys: replayed captures, fragment reassembly, per-client shares.
BOOST_AUTO_TEST_CASE(capture_replay_fragments_and_client_share) {
  std::string err;
  auto c = parse_dataplane_config(
      "ports: {capture_replay: true}\nflows:\n  fragments: {datagrams: 0, timeout_ms: 500}\n"
      "inspect: {client_share: 10}\n",
      "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST(c->capture_replay);
  BOOST_TEST(c->frag_datagrams == 0u);
  BOOST_TEST(c->frag_timeout_ms == 500u);
  BOOST_TEST(c->client_share_percent == 10u);
  const DataplaneConfig d;
  BOOST_TEST(!d.capture_replay);  // on a wire, a connection's sides are checked
  BOOST_TEST(d.frag_datagrams > 0u);
  BOOST_TEST(d.client_share_percent == 25u);
  BOOST_TEST((d.integrity[static_cast<unsigned>(api::IntegrityCause::midstream)] ==
              api::IntegrityAction::cut));
  BOOST_TEST((d.integrity[static_cast<unsigned>(api::IntegrityCause::client_share)] ==
              api::IntegrityAction::cut));
  BOOST_TEST(error_of("inspect: {client_share: 0}\n").find("'inspect.client_share'") !=
             std::string::npos);
  BOOST_TEST(
      error_of("flows: {fragments: {timeout_ms: 1}}\n").find("'flows.fragments.timeout_ms'") !=
      std::string::npos);
  BOOST_TEST(error_of("flows: {fragments: {size: 1}}\n").find("unknown key 'size'") !=
             std::string::npos);
}

// The rest of step 8's keys: the links' MTU, the retransmission compare ring, and the
// body_unscanned cause (best effort by default).
BOOST_AUTO_TEST_CASE(mtu_compare_ring_and_body_unscanned) {
  std::string err;
  auto c = parse_dataplane_config(
      "ports: {mtu: 9000}\ninspect:\n  reassembly: {compare_bytes: 4096}\n"
      "  integrity: {body_unscanned: inspect}\n",
      "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST(c->mtu == 9000u);
  BOOST_TEST(c->reassembly_compare_bytes == 4096u);
  BOOST_TEST((c->integrity[static_cast<unsigned>(api::IntegrityCause::body_unscanned)] ==
              api::IntegrityAction::inspect));
  const DataplaneConfig d;
  BOOST_TEST(d.mtu == 1500u);
  BOOST_TEST(d.reassembly_compare_bytes == 2048u);
  BOOST_TEST((d.integrity[static_cast<unsigned>(api::IntegrityCause::body_unscanned)] ==
              api::IntegrityAction::cut));
  BOOST_TEST(error_of("ports: {mtu: 100}\n").find("'ports.mtu' is 100, must be 1280..9600") !=
             std::string::npos);
  BOOST_TEST(error_of("inspect: {reassembly: {compare_bytes: 1000}}\n")
                 .find("a power of two from 256 to 65536") != std::string::npos);
  BOOST_TEST(parse_dataplane_config("inspect: {reassembly: {compare_bytes: 0}}\n", "t.yaml", err)
                 ->reassembly_compare_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(inspection_rules_and_events) {
  std::string err;
  auto c = parse_dataplane_config(
      "inspect:\n  http_ports: [80, 8443]\n  sessions: 1000\n  max_head_bytes: 8192\n"
      "  reassembly: {segments: 512, max_held_bytes: 65536, max_window: 1048576, on_limit: pass}\n"
      "  smuggling: log\n  integrity: {tunnel: cut, response_parse: pass}\n"
      "  reclaim_idle_seconds: 0\nrules: {bundle: /etc/bulwark/r.bwb}\nevents: {file: "
      "/tmp/e.jsonl}\n",
      "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST((c->http_ports == std::vector<uint16_t>{80, 8443}));
  BOOST_TEST(c->http_sessions == 1000u);
  BOOST_TEST(c->http_max_head_bytes == 8192u);
  BOOST_TEST(c->reassembly_segments == 512u);
  BOOST_TEST(c->reassembly_max_held_bytes == 65536u);
  BOOST_TEST(c->reassembly_max_window == 1048576u);
  using api::IntegrityAction;
  using api::IntegrityCause;
  const auto action = [&](IntegrityCause k) { return c->integrity[static_cast<unsigned>(k)]; };
  BOOST_TEST((action(IntegrityCause::reassembly_limit) == IntegrityAction::pass));
  BOOST_TEST((action(IntegrityCause::tunnel) == IntegrityAction::cut));
  BOOST_TEST((action(IntegrityCause::response_parse) == IntegrityAction::pass));
  BOOST_TEST((action(IntegrityCause::request_parse) == IntegrityAction::cut));  // default
  BOOST_TEST(c->session_reclaim_idle_s == 0u);
  // Shipped fail-closed for what a client chooses, fail-open for the box's overload.
  const DataplaneConfig d;
  for (auto k :
       {IntegrityCause::request_parse, IntegrityCause::reassembly_limit, IntegrityCause::h2c,
        IntegrityCause::urgent, IntegrityCause::insertion, IntegrityCause::fragment})
    BOOST_TEST((d.integrity[static_cast<unsigned>(k)] == IntegrityAction::cut));
  BOOST_TEST(
      (d.integrity[static_cast<unsigned>(IntegrityCause::sessions_full)] == IntegrityAction::pass));
  BOOST_TEST(error_of("inspect:\n  integrity: {request_parse: inspect}\n")
                     .find("t.yaml:2: 'inspect.integrity.request_parse' must be cut or pass, not "
                           "'inspect'") == 0u,
             error_of("inspect:\n  integrity: {request_parse: inspect}\n"));
  BOOST_TEST(error_of("inspect: {integrity: {parse: cut}}\n")
                 .find("unknown integrity cause 'parse' (known: request_parse, ") !=
             std::string::npos);
  BOOST_TEST(error_of("inspect: {integrity: [cut]}\n").find("must be a map of cause") !=
             std::string::npos);
  BOOST_TEST((c->smuggling == AnomalyPolicy::log));
  BOOST_TEST(c->rules_bundle == "/etc/bulwark/r.bwb");
  BOOST_TEST(c->events_file == "/tmp/e.jsonl");
  BOOST_TEST(error_of("inspect:\n  reassembly:\n    on_limit: maybe\n")
                 .find("t.yaml:3: 'inspect.reassembly.on_limit'") == 0u);
  BOOST_TEST(
      error_of("inspect: {http_ports: [0]}\n").find("'inspect.http_ports[]': 0 is not a port") !=
      std::string::npos);
  BOOST_TEST(error_of("inspect: {smuggling: sometimes}\n").find("'block' or 'log'") !=
             std::string::npos);
  BOOST_TEST(error_of("rules: {bundel: x}\n").find("unknown key 'bundel'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_ports_and_events) {
  std::string err;
  auto c = parse_dataplane_config("inspect:\n  tls_ports: [443, 8443]\n  tls_events: true\n",
                                  "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST((c->tls_ports == std::vector<uint16_t>{443, 8443}));
  BOOST_TEST(c->tls_events);
  BOOST_TEST(parse_dataplane_config("", "t.yaml", err)->tls_ports == std::vector<uint16_t>{443});
  BOOST_TEST(
      error_of("inspect: {tls_ports: {a: 1}}\n").find("'inspect.tls_ports' must be a list") !=
      std::string::npos);
  BOOST_TEST(error_of("inspect: {tls_events: maybe}\n").find("true or false") != std::string::npos);
  c->outside = "net_null0";
  c->inside = "net_null1";
  c->http_ports = {80, 8443};
  BOOST_TEST(!validate_dataplane_config(*c, err));
  BOOST_TEST(err.find("port 8443 is in both") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(port_lists) {
  std::vector<uint16_t> v{7};
  std::string err;
  BOOST_TEST(parse_port_list("8080", v, err));
  BOOST_TEST(v == (std::vector<uint16_t>{8080}));  // above the CPU lists' 4095
  BOOST_TEST(parse_port_list("1,65535", v, err));
  BOOST_TEST(v == (std::vector<uint16_t>{1, 65535}));
  BOOST_TEST(parse_port_list(" 443 , 8000-8002,80", v, err));
  BOOST_TEST(v == (std::vector<uint16_t>{443, 8000, 8001, 8002, 80}));
  BOOST_TEST(parse_port_list("9-9", v, err));
  BOOST_TEST(v == (std::vector<uint16_t>{9}));
  BOOST_TEST(parse_port_list("1-65535", v, err));
  BOOST_TEST(v.size() == 65535u);
  BOOST_TEST(v.back() == 65535);
  // Each bad list: the reason given, and the list left as it was.
  const std::vector<std::pair<const char*, const char*>> bad{
      {"", "no ports given"},
      {" ", "no ports given"},
      {"0", "0 is not a port (ports are 1..65535)"},
      {"65536", "65536 is not a port"},
      {"99999999999999999999", "is not a port (ports are"},
      {"80,0-5", "0 is not a port"},
      {"80,80", "port 80 is listed twice"},
      {"80-90,85", "port 85 is listed twice"},
      {"90-80", "the range 90-80 runs backwards"},
      {"80,", "an empty item"},
      {",80", "an empty item"},
      {"80,,81", "an empty item"},
      {"-80", "a port on both sides"},
      {"80-", "a port on both sides"},
      {"80-90-100", "'90-100' is not a port number"},
      {"http", "'http' is not a port number"},
      {"+80", "'+80' is not a port number"},
      {"0x50", "'0x50' is not a port number"},
      {"80;81", "'80;81' is not a port number"},
      {"none", "'none' is not a port number"},
  };
  v = {7};
  for (const auto& [text, why] : bad) {
    err.clear();
    BOOST_TEST(!parse_port_list(text, v, err), text);
    BOOST_TEST(err.find(why) != std::string::npos, text << ": " << err);
    BOOST_TEST(v == (std::vector<uint16_t>{7}), text);
  }
  // Adding to a list: a port already there counts as listed twice.
  v = {80};
  BOOST_TEST(add_port_list("443", v, err));
  BOOST_TEST(!add_port_list("8000,80", v, err));
  BOOST_TEST(err == "port 80 is listed twice");
  BOOST_TEST(v == (std::vector<uint16_t>{80, 443}));
}

BOOST_AUTO_TEST_CASE(port_lists_in_the_file) {
  std::string err;
  auto c = parse_dataplane_config(
      "inspect:\n  http_ports: [80, 8000-8002]\n  tls_ports: \"443,8443\"\n", "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST((c->http_ports == std::vector<uint16_t>{80, 8000, 8001, 8002}));
  BOOST_TEST((c->tls_ports == std::vector<uint16_t>{443, 8443}));
  c = parse_dataplane_config("inspect: {http_ports: [], tls_ports: [65535]}\n", "t.yaml", err);
  BOOST_TEST_REQUIRE(c.has_value(), err);
  BOOST_TEST(c->http_ports.empty());
  BOOST_TEST((c->tls_ports == std::vector<uint16_t>{65535}));
  BOOST_TEST(error_of("inspect:\n  http_ports:\n    - 80\n    - 65536\n") ==
             "t.yaml:4: 'inspect.http_ports[]': 65536 is not a port (ports are 1..65535)");
  BOOST_TEST(error_of("inspect:\n  http_ports: [80, 81, 80]\n") ==
             "t.yaml:2: 'inspect.http_ports[]': port 80 is listed twice");
  BOOST_TEST(
      error_of("inspect: {http_ports: \"80,\"}\n").find("'inspect.http_ports': an empty item") !=
      std::string::npos);
  BOOST_TEST(error_of("inspect: {http_ports: [[80]]}\n").find("must be a port or a range") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(core_lists) {
  std::vector<unsigned> v;
  BOOST_TEST(parse_core_list("1", v));
  BOOST_TEST(parse_core_list("1-3,5", v));
  BOOST_TEST(v == (std::vector<unsigned>{1, 2, 3, 5}));
  BOOST_TEST(parse_core_list("1,1", v));
  for (const char* bad : {"", "a", "3-1", "1,", ",1", "1--2", "99999"})
    BOOST_TEST(!parse_core_list(bad, v), bad);
}

BOOST_AUTO_TEST_CASE(cross_field_rules) {
  DataplaneConfig c;
  c.outside = "net_null0";
  c.inside = "net_null1";
  std::string err;
  BOOST_TEST(validate_dataplane_config(c, err));
  c.worker_cores = {0};
  BOOST_TEST(!validate_dataplane_config(c, err));
  BOOST_TEST(err.find("also the main core") != std::string::npos);
  c.worker_cores = std::vector<unsigned>(40, 1);
  BOOST_TEST(!validate_dataplane_config(c, err));
}

BOOST_AUTO_TEST_CASE(environment_names_missing_things) {
  DataplaneConfig c;
  c.outside = "net_af_packet0,iface=does-not-exist";
  c.inside = "net_pcap0,rx_pcap=/nonexistent.pcap";
  c.worker_cores = {4000};
  c.no_huge = true;
  // (EAL, started by other tests in this process, may have narrowed our CPU set: look
  // for each message rather than at positions.)
  const auto r = check_environment(c);
  BOOST_TEST(has(r, "core 4000 is not available"));
  BOOST_TEST(has(r, "interface 'does-not-exist' does not exist"));
  BOOST_TEST(has(r, "'/nonexistent.pcap' does not exist"));
  c = DataplaneConfig{};
  c.outside = "net_bogus0";
  c.inside = "99:99.9";
  c.worker_cores = {1};
  const auto r2 = check_environment(c);
  BOOST_TEST(has(r2, "unknown virtual driver 'net_bogus'"));
  BOOST_TEST(has(r2, "nor a PCI device present"));
}

// net_af_xdp binds queue_count queues from start_queue: an interface with receive
// queues outside that range would leak traffic past the dataplane. lo has one queue.
BOOST_AUTO_TEST_CASE(af_xdp_must_cover_every_receive_queue) {
  DataplaneConfig c;
  c.worker_cores = {0};
  c.no_huge = true;
  c.inside = "net_null0";
  c.outside = "net_af_xdp0,iface=lo";
  BOOST_TEST(!has(check_environment(c), "receive queue"));  // 1 worker, 1 queue
  c.outside = "net_af_xdp0,iface=lo,queue_count=0";
  BOOST_TEST(has(check_environment(c), "interface 'lo' has 1 receive queue(s) but"));
  c.outside = "net_af_xdp0,iface=lo,start_queue=1";
  BOOST_TEST(has(check_environment(c), "ethtool -L lo"));
}

BOOST_AUTO_TEST_SUITE_END()
