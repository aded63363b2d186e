// bulwark-rules: validates, compiles and tests rule files without a running dataplane.
//
//   bulwark-rules check FILE...                    parse + compile, report errors/warnings
//   bulwark-rules compile FILE... -o BUNDLE [--version N]
//   bulwark-rules test FILE... --request REQ [--client-ip IP] [--crlf] [--json]
//   bulwark-rules selftest FILE...                 run each rule's tests.hit / tests.miss
//
// Exit codes: 0 success; 1 rule errors, or a request/self-test did not come out as
// expected; 2 bad command line; 3 a file could not be read or written.
#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "dataplane/api/request_eval.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

namespace {

using namespace bulwark;
using json = nlohmann::json;

constexpr int kExitRules = 1, kExitUsage = 2, kExitIo = 3;

// Loads rule files and compiles them; prints errors. nullptr on failure (code set).
std::unique_ptr<rules::Bundle> build(const std::vector<std::string>& files, uint64_t version,
                                     int& code, std::vector<uint8_t>* bytes_out = nullptr,
                                     rules::RuleSet* set_out = nullptr, bool quiet = false) {
  std::string error;
  auto set = rules::load_rule_files(files, error);
  if (!set) {
    std::cerr << "bulwark-rules: " << error << "\n";
    code = error.find("cannot read") != std::string::npos ? kExitIo : kExitRules;
    return nullptr;
  }
  for (const auto& w : set->warnings) std::cerr << "bulwark-rules: warning: " << w << "\n";
  rules::CompileStats st;
  auto bytes = rules::compile_bundle(*set, version, error, &st);
  if (!bytes) {
    std::cerr << "bulwark-rules: " << error << "\n";
    code = kExitRules;
    return nullptr;
  }
  auto bundle = rules::Bundle::load(bytes->data(), bytes->size(), error);
  if (!bundle) {
    std::cerr << "bulwark-rules: " << error << "\n";
    code = kExitRules;
    return nullptr;
  }
  if (!quiet)
    std::cerr << "bulwark-rules: " << st.rules << " rules, " << st.leaves << " tests, "
              << st.databases << " Hyperscan databases, " << st.bundle_bytes << " bytes, sha256 "
              << st.sha256 << "\n";
  if (bytes_out) *bytes_out = std::move(*bytes);
  if (set_out) *set_out = std::move(*set);
  return bundle;
}

// Whether rule `id` matched any of the evaluated requests (RequestEvaluator's results).
bool matched_rule(const json& results, uint32_t id) {
  for (const auto& r : results)
    for (const auto& m : r["matched"])
      if (m["id"] == id) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwark-rules: check, compile and test Bulwark rule files (YAML)"};
  app.require_subcommand(1);
  std::vector<std::string> files;
  std::string out, request, client_ip;
  uint64_t version = 1;
  bool json_out = false, crlf = false;

  auto* check = app.add_subcommand("check", "parse and compile rule files, report errors");
  check->add_option("files", files, "rule files")->required()->check(CLI::ExistingFile);
  auto* compile = app.add_subcommand("compile", "compile rule files into a bundle file");
  compile->add_option("files", files, "rule files")->required()->check(CLI::ExistingFile);
  compile->add_option("-o,--output", out, "bundle file to write")->required();
  compile->add_option("--version", version, "bundle version number")->check(CLI::PositiveNumber);
  auto* test = app.add_subcommand("test", "evaluate a raw HTTP request against rule files");
  test->add_option("files", files, "rule files")->required()->check(CLI::ExistingFile);
  test->add_option("--request", request, "file with the raw request(s), '-' for stdin")->required();
  test->add_option("--client-ip", client_ip, "client address for client_ip tests");
  test->add_flag("--crlf", crlf, "turn bare LF line ends into CRLF first (typed requests)");
  test->add_flag("--json", json_out, "print JSON");
  auto* selftest = app.add_subcommand("selftest", "run every rule's tests.hit and tests.miss");
  selftest->add_option("files", files, "rule files")->required()->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  int code = 0;
  if (check->parsed()) return build(files, version, code) ? 0 : code;

  if (compile->parsed()) {
    std::vector<uint8_t> bytes;
    if (!build(files, version, code, &bytes)) return code;
    std::ofstream o(out, std::ios::binary);
    o.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!o.good()) {
      std::cerr << "bulwark-rules: cannot write " << out << "\n";
      return kExitIo;
    }
    std::cerr << "bulwark-rules: wrote " << out << " (version " << version << ")\n";
    return 0;
  }

  if (test->parsed()) {
    uint8_t ip[16];
    uint8_t ip_len = 0;
    if (!client_ip.empty()) {
      if (inet_pton(AF_INET, client_ip.c_str(), ip) == 1)
        ip_len = 4;
      else if (inet_pton(AF_INET6, client_ip.c_str(), ip) == 1)
        ip_len = 16;
      else {
        std::cerr << "bulwark-rules: --client-ip '" << client_ip << "' is not an address\n";
        return kExitUsage;
      }
    }
    std::string raw;
    if (request == "-") {
      raw.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(request, std::ios::binary);
      if (!in) {
        std::cerr << "bulwark-rules: cannot read " << request << "\n";
        return kExitIo;
      }
      raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (crlf) raw = api::RequestEvaluator::with_crlf(raw);
    auto bundle = build(files, version, code, nullptr, nullptr, json_out);
    if (!bundle) return code;
    api::RequestEvaluator eval(*bundle);
    const json all = eval.evaluate(raw, ip_len ? ip : nullptr, ip_len);
    if (all.empty()) {
      std::cerr << "bulwark-rules: no complete request head in the input (use --crlf if the "
                   "lines end in LF only)\n";
      return kExitRules;
    }
    if (json_out) {
      std::cout << all.dump(2) << "\n";
      return 0;
    }
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& r = all[i];
      std::cout << "request " << i + 1 << ": " << r["method"].get<std::string>() << " "
                << r["target"].get<std::string>() << " (path " << r["path"].get<std::string>()
                << ")\n";
      for (const auto& a : r["anomalies"])
        std::cout << "  anomaly: " << a.get<std::string>() << "\n";
      for (const auto& mr : r["matched"])
        std::cout << "  matched rule " << mr["id"] << " '" << mr["name"].get<std::string>() << "' ("
                  << mr["action"].get<std::string>() << ", " << mr["mode"].get<std::string>()
                  << ")\n";
      if (r["verdict"]["action"] == "pass")
        std::cout << "  verdict: pass\n";
      else
        std::cout << "  verdict: " << r["verdict"]["action"].get<std::string>() << " by rule "
                  << r["verdict"]["rule"] << "\n";
    }
    return 0;
  }

  // selftest
  rules::RuleSet set;
  auto bundle = build(files, version, code, nullptr, &set);
  if (!bundle) return code;
  api::RequestEvaluator eval(*bundle);
  unsigned failures = 0, checks = 0, without_tests = 0;
  for (const auto& rule : set.rules) {
    if (rule.test_hit.empty() || rule.test_miss.empty()) ++without_tests;
    for (const auto& [samples, want] :
         {std::pair{&rule.test_hit, true}, std::pair{&rule.test_miss, false}})
      for (const auto& s : *samples) {
        ++checks;
        const json results = eval.evaluate(s);
        if (results.empty() || matched_rule(results, rule.id) != want) {
          ++failures;
          std::cerr << rule.origin << ": rule " << rule.id << " '" << rule.name << "' "
                    << (want ? "did not match" : "matched") << " its test request "
                    << json(s).dump() << "\n";
        }
      }
  }
  std::cout << "selftest: " << set.rules.size() << " rules, " << checks << " test requests, "
            << failures << " failed, " << without_tests
            << " rules without both hit and miss tests\n";
  return failures ? kExitRules : 0;
}
