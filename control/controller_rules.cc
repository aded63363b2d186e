// Rule commands: list, show, test (against the active bundle), load (a new version
// with these rule files and the active configuration).
#include <arpa/inet.h>

#include <sstream>

#include "control/controller.h"
#include "control/protocol/protocol.h"
#include "dataplane/api/request_eval.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_parser.h"

namespace bulwark::control {

using protocol::Error;
using protocol::reply_error;
using protocol::reply_ok;

namespace {

// The rule's own lines: from its origin line to the next list item at its indentation.
std::string source_block(const std::string& text, unsigned line) {
  std::istringstream in(text);
  std::string l, out;
  unsigned no = 0;
  size_t indent = std::string::npos;
  while (std::getline(in, l)) {
    ++no;
    if (no < line) continue;
    const size_t first = l.find_first_not_of(' ');
    if (no == line) {
      indent = first;
    } else if (first != std::string::npos && first <= indent &&
               (l[first] == '-' || first < indent)) {
      break;
    }
    out += l + "\n";
  }
  return out;
}

}  // namespace

json Controller::cmd_rules_list(const Request&) { return list_rules(); }

json Controller::list_rules() {
  const uint64_t active = store_.active();
  auto snap = store_.read(active);
  if (!snap)
    return reply_error(Error::not_found,
                       "active version " + std::to_string(active) + " is missing");
  std::string error;
  std::map<std::string, uint64_t> hits;
  if (auto s = stats_json(error)) {
    for (auto it = (*s)["rules"]["hits"].begin(); it != (*s)["rules"]["hits"].end(); ++it)
      hits[it.key()] = it.value().get<uint64_t>();
    // A limit's "hits" are the requests that went over it.
    const json& by_id = (*s)["limits"]["by_id"];
    for (auto it = by_id.begin(); by_id.is_object() && it != by_id.end(); ++it)
      hits[it.key()] = it.value().value("exceeded", uint64_t{0});
  }
  // Parse the version's files as they are stored (names are the stored names).
  std::vector<std::string> paths;
  for (const auto& kv : snap->rules) paths.push_back(store_.rules_dir(active) + "/" + kv.first);
  auto set = rules::load_rule_files(paths, error);
  if (!set) return reply_error(Error::invalid, error);
  json out = json::array();
  const std::string prefix = store_.rules_dir(active) + "/";
  for (const auto& r : set->rules) {
    std::string origin = r.origin;
    if (origin.rfind(prefix, 0) == 0) origin.erase(0, prefix.size());
    const auto h = hits.find(std::to_string(r.id));
    out.push_back({{"id", r.id},
                   {"name", r.name},
                   {"kind", r.is_limit ? "limit" : "rule"},
                   {"action", rules::action_name(r.action)},
                   {"mode", rules::mode_name(r.mode)},
                   {"origin", origin},
                   {"hits", h == hits.end() ? 0 : h->second}});
    if (r.is_limit) {
      json key = json::array();
      for (unsigned p = 0; p < static_cast<unsigned>(rules::KeyPart::count_); ++p)
        if (r.limit.parts & (1u << p))
          key.push_back(rules::key_part_name(static_cast<rules::KeyPart>(p)));
      const uint32_t per = r.limit.period_s;
      out.back()["limit"] = {{"key", key},
                             {"rate", std::to_string(r.limit.count) + (per == 1    ? "/s"
                                                                       : per == 60 ? "/m"
                                                                                   : "/h")},
                             {"burst", r.limit.burst},
                             {"scope", r.limit.global ? "global" : "worker"}};
    }
  }
  return reply_ok({{"version", active}, {"rules", out}});
}

json Controller::cmd_rules_show(const Request& request) {
  const uint64_t id = request.uint("id");
  json list = list_rules();
  if (!list["ok"].get<bool>()) return list;
  for (const auto& r : list["result"]["rules"]) {
    if (r["id"].get<uint64_t>() != id) continue;
    json out = r;
    const std::string origin = r["origin"].get<std::string>();
    const size_t colon = origin.rfind(':');
    auto snap = store_.read(store_.active());
    if (snap && colon != std::string::npos) {
      const auto it = snap->rules.find(origin.substr(0, colon));
      if (it != snap->rules.end())
        out["source"] =
            source_block(it->second, static_cast<unsigned>(std::stoul(origin.substr(colon + 1))));
    }
    return reply_ok(out);
  }
  return reply_error(Error::not_found,
                     "no rule " + std::to_string(id) + " in version " +
                         std::to_string(list["result"]["version"].get<uint64_t>()) +
                         " (bulwarkctl rules list shows them)");
}

json Controller::cmd_rules_test(const Request& r) {
  std::string raw = r.text("request");
  if (raw.empty()) return reply_error(Error::usage, "no request given");
  if (r.flag("crlf")) raw = api::RequestEvaluator::with_crlf(raw);
  uint8_t ip[16];
  uint8_t ip_len = 0;
  const std::string cip = r.text("client_ip");
  if (!cip.empty()) {
    if (inet_pton(AF_INET, cip.c_str(), ip) == 1)
      ip_len = 4;
    else if (inet_pton(AF_INET6, cip.c_str(), ip) == 1)
      ip_len = 16;
    else
      return reply_error(Error::usage, "client address '" + cip + "' is not an IP address");
  }
  const uint64_t version = r.has("version") ? r.uint("version") : store_.active();
  std::string error;
  auto bundle = rules::Bundle::load_file(store_.bundle_path(version), error);
  if (!bundle)
    return reply_error(Error::not_found, "version " + std::to_string(version) + ": " + error);
  api::RequestEvaluator eval(*bundle);
  json all = eval.evaluate(raw, ip_len ? ip : nullptr, ip_len);
  if (all.empty())
    return reply_error(Error::invalid,
                       "no complete request head in the input (lines must end in CRLF; "
                       "--crlf converts bare LF)");
  return reply_ok({{"version", version}, {"requests", all}});
}

json Controller::cmd_rules_load(const Request& r) {
  const auto files = r.texts("files");
  if (files.empty()) return reply_error(Error::usage, "no rule files given");
  std::lock_guard<std::mutex> lock(apply_mu_);
  const uint64_t active = store_.active();
  auto snap = store_.read(active);
  if (!snap)
    return reply_error(Error::not_found,
                       "active version " + std::to_string(active) + " is missing");
  if (json c = pending_conflict(); !c.is_null()) return c;
  Snapshot s;
  s.config = snap->config;  // rule loads never take a staged configuration along
  if (r.flag("add")) s.rules = snap->rules;
  for (const auto& [name, text] : files) s.rules[name] = text;
  if (s == *snap) return reply_ok({{"version", active}, {"unchanged", true}});
  const auto meta = VersionMeta::of("rules-load", r.user(), r.text("comment"));
  json report;
  CommandError err;
  if (!apply(s, meta, report, err)) return reply_error(err.code, err.message);
  ++commits_;
  return reply_ok(report);
}

}  // namespace bulwark::control
