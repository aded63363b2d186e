// The method allow-list on the worker (see method_allowlist_stage.h).
#include "dataplane/features/method_allowlist/method_allowlist_stage.h"

#include <rte_cycles.h>

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/inspector.h"
#include "dataplane/inspect/json_fields.h"
#include "dataplane/proto/http_message.h"
#include "dataplane/proto/http_normalize.h"
#include "rules/features/method_allowlist/method_allowlist_section.h"

namespace bulwark::method_allowlist {

using rules::method_allowlist::MethodAllowlist;
namespace section = rules::method_allowlist;

namespace {

// 405 with the endpoint's Allow header and a machine-readable body, as one packet.
std::string answer_for(const section::Endpoint& e) {
  std::string methods;
  for (size_t at = 0; at <= e.allow.size();) {
    const size_t comma = std::min(e.allow.find(", ", at), e.allow.size());
    methods += (methods.empty() ? "\"" : ",\"") + e.allow.substr(at, comma - at) + "\"";
    at = comma + 2;
  }
  const std::string body = "{\"error\":\"method_not_allowed\",\"allow\":[" + methods + "]}\n";
  return "HTTP/1.1 405 Method Not Allowed\r\nAllow: " + e.allow +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// Headers that frameworks take as the request's method (Express's method-override,
// Spring's and Symfony's overrides, Google's APIs): a POST carrying one is, to the origin,
// the method it names.
constexpr std::string_view kOverrideHeaders[] = {"X-HTTP-Method-Override", "X-HTTP-Method",
                                                 "X-Method-Override"};

bool allows_text(const section::Endpoint& e, std::string_view method) {
  // An override's value is upper-cased by the frameworks that read it.
  char upper[16];
  if (method.empty()) return true;  // an empty override is none (method-override ignores it)
  if (method.size() > sizeof upper) return false;
  for (size_t i = 0; i < method.size(); ++i)
    upper[i] = method[i] >= 'a' && method[i] <= 'z' ? static_cast<char>(method[i] - 32) : method[i];
  return MethodAllowlist::allows(e, std::string_view(upper, method.size()));
}

// The method the endpoint does not serve, and how it came: the request's own method, or
// a method override (header, or `_method` in the query); empty if every one is served.
struct Refused {
  std::string_view method;
  std::string_view via;  // "" (the request line), a header's name, or "_method"
};
Refused refused_method(const section::Endpoint& e, const proto::HttpHead& h,
                       std::string_view query) {
  if (!MethodAllowlist::allows(e, h.method)) return {h.method, {}};
  for (unsigned i = 0; i < h.header_count; ++i)
    for (std::string_view name : kOverrideHeaders)
      if (proto::iequals(h.headers[i].name, name) && !allows_text(e, h.headers[i].value))
        return {h.headers[i].value, name};
  std::string_view rest = query, name, value;
  while (proto::next_query_param(rest, name, value)) {
    if (name != "_method") continue;
    // The value as the framework sees it: decoded ("DEL%45TE" is DELETE). A value too
    // long to be a method is refused undecoded.
    char decoded[48];
    uint32_t flags = 0;
    const std::string_view v =
        value.size() <= sizeof decoded
            ? std::string_view(decoded, proto::percent_decode(value, decoded, true, flags))
            : value;
    if (!allows_text(e, v)) return {value, "_method"};
  }
  return {};
}

}  // namespace

MethodAllowlistStage::MethodAllowlistStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      index_(env.index),
      tsc_hz_(rte_get_tsc_hz()),
      events_(section::kMaxEndpoints) {}

std::unique_ptr<inspect::RulesPart> MethodAllowlistStage::prepare(const rules::Bundle& b,
                                                                  const inspect::PrepareEnv&,
                                                                  std::string&) {
  auto part = std::make_unique<Answers>();
  if (const auto* s = b.sections.get<MethodAllowlist>(section::kSection))
    for (const auto& e : s->endpoints) part->by_endpoint.push_back(answer_for(e));
  return part;
}

inspect::Next MethodAllowlistStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr) return inspect::Next::go;
  const auto* s = r.rules->bundle->sections.get<MethodAllowlist>(section::kSection);
  if (s == nullptr) return inspect::Next::go;
  const section::Endpoint* e = s->match(r.view.path);
  if (e == nullptr) return inspect::Next::go;
  const Refused refused = refused_method(*e, *r.head, r.view.query);
  if (refused.method.empty()) return inspect::Next::go;
  const bool enforce = s->mode == rules::Mode::enforce;
  (enforce ? st_->methods_refused : st_->methods_monitored).add(1);
  const size_t i = s->index_of(*e);
  EventSlot& slot = events_[i];
  ++slot.since;
  if (slot.last_tsc == 0 || r.now - slot.last_tsc >= tsc_hz_) {
    char text[192];
    inspect::JsonFields extra(text, sizeof text);
    extra.add("endpoint", e->path).add("allowed", e->allow).add("refused", refused.method);
    if (!refused.via.empty()) extra.add("override", refused.via);
    extra.add("since_last", slot.since);
    inspect::EventDetail detail;
    detail.kind = "method_not_allowed";
    detail.extra = extra.c_str();
    core_->event(r, inspect::EventType::feature, 0, static_cast<uint8_t>(rules::Action::respond),
                 static_cast<uint8_t>(s->mode), enforce, r.head->anomalies, enforce ? 405 : 0,
                 r.head, detail);
    slot.last_tsc = r.now ? r.now : 1;
    slot.since = 0;
  }
  if (!enforce) return inspect::Next::go;
  st_->verdict_respond.add(1);
  core_->cut(r, r.rules->part<Answers>(index_)->by_endpoint[i]);
  return inspect::Next::stop;
}

}  // namespace bulwark::method_allowlist
