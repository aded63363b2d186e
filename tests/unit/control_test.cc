// bulwark-control without a dataplane: configuration parsing, the version store, the
// event log's rotation and followers, and the change pipeline through the same
// requests bulwarkctl sends (rules load, config edit/diff/commit/rollback/confirm,
// confirm timeout), including refusals that must change nothing.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "control/config_store.h"
#include "control/control_config.h"
#include "control/controller.h"
#include "control/event_log.h"
#include "tests/unit/temp_dir.h"

using namespace bulwark;

using namespace bulwark::control;
using bulwark::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string config_for(const std::string& dir, const std::string& extra = "") {
  return "dataplane:\n  socket: " + dir + "/dp.sock\n  stats_shm: /bulwark-unit-none\n" +
         "metrics:\n  listen: off\nevents:\n  file: " + dir + "/events.jsonl\n" + extra;
}

const char* kRulesA = R"(rules:
  - id: 100
    name: block admin
    action: block
    match: {field: path, prefix: /admin}
)";
const char* kRulesB = R"(rules:
  - id: 200
    name: block export
    action: block
    match: {field: path, prefix: /export}
)";
const char* kRulesBad = R"(rules:
  - id: 300
    name: fine
    action: block
    match: {field: path, prefix: /a}
  - id: 301
    name: wrong field
    action: block
    match: {field: pathh, prefix: /b}
)";

struct Fixture {
  TempDir tmp;
  Controller ctl;
  Fixture() {
    std::ofstream(tmp.path + "/config.yaml") << config_for(tmp.path);
    std::ofstream(tmp.path + "/a.yaml") << kRulesA;
    ControllerOptions o;
    o.state_dir = tmp.path + "/state";
    o.initial_config = tmp.path + "/config.yaml";
    o.initial_rules = {tmp.path + "/a.yaml"};
    std::string err;
    BOOST_REQUIRE_MESSAGE(ctl.start(o, err), err);
  }
  json call(const std::string& cmd, json args = json::object()) {
    return ctl.handle({{"cmd", cmd}, {"args", args}}, "tester");
  }
  uint64_t active() { return call("status")["result"]["config"]["active_version"].get<uint64_t>(); }
  std::string verdict(const std::string& path) {
    const json r =
        call("rules.test", {{"request", "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"}});
    return r["result"]["requests"][0]["verdict"]["action"].get<std::string>();
  }
};

std::string code_of(const json& r) { return r["error"]["code"].get<std::string>(); }
std::string message_of(const json& r) { return r["error"]["message"].get<std::string>(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(control_config)

BOOST_AUTO_TEST_CASE(defaults_and_errors_with_lines) {
  std::string err;
  auto d = parse_control_config(default_config_yaml(), "config.yaml", err);
  BOOST_REQUIRE(d);
  BOOST_TEST(d->metrics_listen == "127.0.0.1:9108");
  BOOST_TEST(!d->rules_monitor_only);
  auto off = parse_control_config("metrics: {listen: off}\nrules: {mode: monitor}\n", "c", err);
  BOOST_REQUIRE(off);
  BOOST_TEST(off->metrics_listen.empty());
  BOOST_TEST(off->rules_monitor_only);
  const std::pair<const char*, const char*> bad[] = {
      {"metrics:\n  listen: 9108\n", "c.yaml:2: 'metrics.listen' must be ADDRESS:PORT"},
      {"metrics:\n  listen: localhost:9108\n", "c.yaml:2: 'metrics.listen' must be ADDRESS:PORT"},
      {"events:\n  keep: 0\n", "c.yaml:2: 'events.keep' is 0, must be 1..100"},
      {"events:\n  file: relative.jsonl\n", "c.yaml:2: 'events.file' must be an absolute path"},
      {"rules:\n  mode: sometimes\n", "c.yaml:2: 'rules.mode' must be 'as-written' or 'monitor'"},
      {"dataplane:\n  sockett: /x\n", "c.yaml:2: unknown key 'sockett' in 'dataplane'"},
      {"dataplane: [1, 2\n", "c.yaml:"},
  };
  for (const auto& [text, want] : bad) {
    err.clear();
    BOOST_TEST(!parse_control_config(text, "c.yaml", err));
    BOOST_TEST(err.rfind(want, 0) == 0, err);
  }
  BOOST_TEST(parse_control_config("metrics:\n  listen: \"[::1]:9108\"\n", "c", err).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config_store)

BOOST_AUTO_TEST_CASE(versions_pending_and_diff) {
  TempDir t;
  ConfigStore s;
  std::string err;
  BOOST_REQUIRE(s.open(t.path, err));
  BOOST_TEST(s.active() == 0u);
  Snapshot a{"x: 1\n", {{"r.yaml", "rules: []\n"}}};
  const uint64_t v1 = s.add(a, {1, 2, 3}, VersionMeta{}, err);
  BOOST_TEST(v1 == 1u);
  BOOST_REQUIRE(s.activate(v1, err));
  Snapshot b = a;
  b.config = "x: 2\n";
  b.rules["s.rules"] = "alert http any any -> any any (sid:1;)\n";
  const uint64_t v2 = s.add(b, {4}, VersionMeta{}, err);
  BOOST_TEST(v2 == 2u);
  BOOST_TEST(s.active() == 1u);  // added, not active
  BOOST_TEST((s.read(2).value() == b));
  BOOST_TEST(s.versions().size() == 2u);
  const std::string d = diff_snapshots(a, "v1", b, "v2");
  BOOST_TEST(d.find("-x: 1") != std::string::npos);
  BOOST_TEST(d.find("+x: 2") != std::string::npos);
  BOOST_TEST(d.find("+++ v2/rules/s.rules") != std::string::npos);
  BOOST_TEST(diff_snapshots(a, "a", a, "b").empty());
  BOOST_TEST(!s.pending());
  BOOST_REQUIRE(s.set_pending({2, 1, 12345}, err));
  BOOST_TEST(s.pending()->previous == 1u);
  s.clear_pending();
  BOOST_TEST(!s.pending());
  // A crash in the middle of add() leaves a .tmp directory: never a version.
  fs::create_directories(t.path + "/versions/000003.tmp/rules");
  ConfigStore again;
  BOOST_REQUIRE(again.open(t.path, err));
  BOOST_TEST(again.versions().size() == 2u);
  BOOST_TEST(!fs::exists(t.path + "/versions/000003.tmp"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(event_log)

BOOST_AUTO_TEST_CASE(rotates_and_feeds_followers) {
  TempDir t;
  EventLog log;
  std::string err;
  const std::string path = t.path + "/ev/events.jsonl";
  BOOST_REQUIRE(log.configure(path, 4096, 2, err));
  auto f = log.follow();
  const std::string line(99, 'x');  // 100 bytes with the newline
  for (int i = 0; i < 100; ++i) log.append(line);
  // 10000 bytes at 4096 per file: two rotations, .1 and .2 kept.
  BOOST_TEST(log.rotations() == 2u);
  BOOST_TEST(fs::exists(path + ".1"));
  BOOST_TEST(fs::exists(path + ".2"));
  BOOST_TEST(!fs::exists(path + ".3"));
  BOOST_TEST(fs::file_size(path + ".1") == 4100u);
  BOOST_TEST(fs::file_size(path) == 10000u - 2 * 4100u);
  BOOST_TEST(f->lines.size() == 100u);
  for (int i = 0; i < 3000; ++i) log.append(line);
  BOOST_TEST(log.rotations() == 75u);  // 3100 lines, 41 per rotated file
  BOOST_TEST(!fs::exists(path + ".3"));
  // A follower that does not read loses lines beyond its queue, counted.
  for (int i = 0; i < int(EventLog::kFollowerQueue); ++i) log.append("y");
  BOOST_TEST(f->lines.size() == EventLog::kFollowerQueue);
  BOOST_TEST(f->dropped == 3100u);
  log.unfollow(f);
  BOOST_TEST(log.tail(2).size() == 2u);
  BOOST_TEST(log.tail(2)[1] == "y");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(controller)

BOOST_FIXTURE_TEST_CASE(rules_load_and_refusals, Fixture) {
  BOOST_TEST(active() == 1u);
  BOOST_TEST(verdict("/admin") == "block");
  // A broken rule file is refused with its file and line; nothing changes.
  json r = call("rules.load", {{"files", {{"bad.yaml", kRulesBad}}}});
  BOOST_TEST(!r["ok"].get<bool>());
  BOOST_TEST(code_of(r) == "invalid");
  BOOST_TEST(message_of(r).rfind("bad.yaml:9:", 0) == 0, message_of(r));
  BOOST_TEST(active() == 1u);
  BOOST_TEST(call("config.versions")["result"].size() == 1u);
  // Duplicate ids across files are refused too.
  r = call("rules.load", {{"files", {{"a.yaml", kRulesA}, {"a2.yaml", kRulesA}}}});
  BOOST_TEST(message_of(r).find("100") != std::string::npos);
  // Names that would leave the version directory are refused.
  r = call("rules.load", {{"files", {{"../x.yaml", kRulesA}}}});
  BOOST_TEST(code_of(r) == "invalid");
  BOOST_TEST(active() == 1u);
  // A good file: version 2, compiled as version 2, the old rule gone.
  r = call("rules.load", {{"files", {{"b.yaml", kRulesB}}}, {"comment", "swap"}});
  BOOST_REQUIRE_MESSAGE(r["ok"].get<bool>(), r.dump());
  BOOST_TEST(r["result"]["version"].get<uint64_t>() == 2u);
  BOOST_TEST(r["result"]["bundle"]["rules"].get<int>() == 1);
  BOOST_TEST(r["result"]["dataplane"].is_string());  // not connected
  BOOST_TEST(verdict("/admin") == "pass");
  BOOST_TEST(verdict("/export/all") == "block");
  // --add keeps the other files.
  r = call("rules.load", {{"files", {{"a.yaml", kRulesA}}}, {"add", true}});
  BOOST_TEST(r["result"]["bundle"]["rules"].get<int>() == 2);
  const json list = call("rules.list")["result"]["rules"];
  BOOST_TEST(list.size() == 2u);
  const json show = call("rules.show", {{"id", 200}});
  BOOST_TEST(show["result"]["origin"].get<std::string>() == "b.yaml:2");
  BOOST_TEST(show["result"]["source"].get<std::string>().find("block export") != std::string::npos);
  BOOST_TEST(code_of(call("rules.show", {{"id", 999}})) == "not_found");
  // Loading the same files again makes no version.
  r = call("rules.load", {{"files", {{"a.yaml", kRulesA}}}, {"add", true}});
  BOOST_TEST(r["result"]["unchanged"].get<bool>());
  BOOST_TEST(active() == 3u);
  // Without a dataplane, its counters are unavailable.
  BOOST_TEST(code_of(call("workers")) == "unavailable");
  BOOST_TEST(code_of(call("nonsense")) == "usage");
  BOOST_TEST(code_of(ctl.handle({{"cmd", 5}}, "x")) == "usage");
}

BOOST_FIXTURE_TEST_CASE(config_edit_diff_commit_rollback, Fixture) {
  // Nothing staged.
  BOOST_TEST(call("config.diff")["result"]["diff"].get<std::string>().empty());
  BOOST_TEST(code_of(call("config.commit")) == "conflict");
  // An invalid candidate is refused with its line; nothing staged.
  json r = call("config.edit", {{"config", config_for(tmp.path, "rules:\n  mode: maybe\n")}});
  BOOST_TEST(code_of(r) == "invalid");
  BOOST_TEST(message_of(r).rfind("config.yaml:9:", 0) == 0, message_of(r));
  BOOST_TEST(code_of(call("config.show", {{"candidate", true}})) == "not_found");
  // Stage monitor mode: the diff shows it, the active version does not change yet.
  r = call("config.edit", {{"config", config_for(tmp.path, "rules:\n  mode: monitor\n")}});
  BOOST_REQUIRE(r["ok"].get<bool>());
  const std::string diff = call("config.diff")["result"]["diff"].get<std::string>();
  BOOST_TEST(diff.find("+  mode: monitor") != std::string::npos, diff);
  BOOST_TEST(diff.find("--- active/config.yaml") != std::string::npos);
  BOOST_TEST(verdict("/admin") == "block");
  r = call("config.commit", {{"comment", "rollout"}});
  BOOST_REQUIRE_MESSAGE(r["ok"].get<bool>(), r.dump());
  BOOST_TEST(active() == 2u);
  BOOST_TEST(call("config.diff")["result"]["diff"].get<std::string>().empty());  // candidate used
  // Every rule now only reports: the test shows a pass with a monitor match.
  BOOST_TEST(verdict("/admin") == "pass");
  BOOST_TEST(
      call("config.diff", {{"from", 1}, {"to", 2}})["result"]["diff"].get<std::string>().find(
          "mode: monitor") != std::string::npos);
  // Rollback (default: the version the active one replaced) is a new version with the
  // old content.
  r = call("config.rollback");
  BOOST_REQUIRE_MESSAGE(r["ok"].get<bool>(), r.dump());
  BOOST_TEST(r["result"]["version"].get<uint64_t>() == 3u);
  BOOST_TEST(r["result"]["rolled_back_to"].get<uint64_t>() == 1u);
  BOOST_TEST(verdict("/admin") == "block");
  BOOST_TEST(
      call("config.diff", {{"from", 1}, {"to", 3}})["result"]["diff"].get<std::string>().empty());
  BOOST_TEST(code_of(call("config.rollback", {{"version", 3}})) == "conflict");
  BOOST_TEST(code_of(call("config.rollback", {{"version", 42}})) == "not_found");
  const json versions = call("config.versions")["result"];
  BOOST_TEST(versions.size() == 3u);
  BOOST_TEST(versions[1]["comment"].get<std::string>() == "rollout");
  BOOST_TEST(versions[1]["user"].get<std::string>() == "tester");
  BOOST_TEST(versions[2]["kind"].get<std::string>() == "rollback");
  BOOST_TEST(versions[2]["active"].get<bool>());
  // Discard.
  call("config.edit", {{"config", config_for(tmp.path, "rules:\n  mode: monitor\n")}});
  BOOST_TEST(call("config.discard")["ok"].get<bool>());
  BOOST_TEST(code_of(call("config.discard")) == "not_found");
}

BOOST_FIXTURE_TEST_CASE(confirm_and_confirm_timeout, Fixture) {
  const std::string monitor = config_for(tmp.path, "rules:\n  mode: monitor\n");
  // Confirmed in time: stays.
  call("config.edit", {{"config", monitor}});
  json r = call("config.commit", {{"confirm_minutes", 0.1}});  // 6 s
  BOOST_REQUIRE_MESSAGE(r["ok"].get<bool>(), r.dump());
  BOOST_TEST(call("status")["result"]["config"].contains("pending_confirm"));
  // While a commit awaits confirmation, other changes wait.
  call("config.edit", {{"config", config_for(tmp.path)}});
  BOOST_TEST(code_of(call("config.commit")) == "conflict");
  BOOST_TEST(code_of(call("rules.load", {{"files", {{"b.yaml", kRulesB}}}})) == "conflict");
  BOOST_TEST(call("config.confirm")["result"]["confirmed"].get<uint64_t>() == 2u);
  BOOST_TEST(code_of(call("config.confirm")) == "not_found");
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  BOOST_TEST(active() == 2u);
  // Not confirmed: rolled back by itself to what it replaced, as a new version.
  BOOST_REQUIRE(call("config.commit", {{"confirm_minutes", 0.02}})["ok"].get<bool>());  // 1.2 s
  BOOST_TEST(active() == 3u);
  for (int i = 0; i < 100 && active() == 3u; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  BOOST_TEST(active() == 4u);
  const json versions = call("config.versions")["result"];
  BOOST_TEST(versions[3]["kind"].get<std::string>() == "auto-rollback");
  BOOST_TEST(versions[3]["based_on"].get<uint64_t>() == 3u);
  BOOST_TEST(
      call("config.diff", {{"from", 2}, {"to", 4}})["result"]["diff"].get<std::string>().empty());
  BOOST_TEST(!call("status")["result"]["config"].contains("pending_confirm"));
  // The event log says so.
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {
    const json events = call("events", {{"count", 50}})["result"];
    for (const auto& e : events)
      seen =
          seen || (e["type"] == "confirm_timeout" && e["unconfirmed"] == 3 && e["restored"] == 2);
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(pending_confirm_survives_a_restart) {
  TempDir tmp;
  std::ofstream(tmp.path + "/config.yaml") << config_for(tmp.path);
  ControllerOptions o;
  o.state_dir = tmp.path + "/state";
  o.initial_config = tmp.path + "/config.yaml";
  std::string err;
  {
    Controller c;
    BOOST_REQUIRE(c.start(o, err));
    c.handle({{"cmd", "config.edit"},
              {"args", {{"config", config_for(tmp.path, "rules:\n  mode: monitor\n")}}}},
             "t");
    BOOST_REQUIRE(
        c.handle({{"cmd", "config.commit"}, {"args", {{"confirm_minutes", 0.02}}}}, "t")["ok"]
            .get<bool>());
    // Stopped before the deadline: no rollback happened in this process.
    BOOST_TEST(c.handle({{"cmd", "config.versions"}}, "t")["result"].size() == 2u);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Controller again;
  BOOST_REQUIRE(again.start(o, err));
  json st;
  for (int i = 0; i < 50; ++i) {
    st = again.handle({{"cmd", "status"}}, "t");
    if (st["result"]["config"]["active_version"] == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(st["result"]["config"]["active_version"].get<uint64_t>() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
