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

// Whether the endpoint serves an override's value, upper-cased as the frameworks that
// read overrides do. An empty override is none (method-override ignores it).
bool allows_text(const section::Endpoint& e, std::string_view method) {
  char upper[16];
  if (method.empty()) return true;
  if (method.size() > sizeof upper) return false;
  for (size_t i = 0; i < method.size(); ++i)
    upper[i] = method[i] >= 'a' && method[i] <= 'z' ? static_cast<char>(method[i] - 32) : method[i];
  return MethodAllowlist::allows(e, std::string_view(upper, method.size()));
}

// Percent-decodes a short query name or value into `buf` as frameworks read it ('+' is a
// space); a text longer than `buf` stays as it is (too long to be a method or `_method`).
std::string_view decoded(std::string_view text, char (&buf)[48]) {
  if (text.size() > sizeof buf) return text;
  uint32_t flags = 0;
  return std::string_view(buf, proto::percent_decode(text, buf, true, flags));
}

// The method the endpoint does not serve, and how it came: the request's own method, or
// a method override (header, or `_method` in the query).
struct Refused {
  bool refused = false;
  std::string_view method;
  std::string_view via;  // "" (the request line), a header's name, "_method", or why
};
Refused refused_method(const section::Endpoint& e, const proto::HttpHead& h,
                       std::string_view query) {
  // A CORS preflight asks, with OPTIONS, whether the method it names may be sent: it is
  // allowed when that method is (a browser's API call needs it; it reaches no handler).
  if (h.method == "OPTIONS" && !MethodAllowlist::allows(e, "OPTIONS")) {
    const std::string_view asked = h.header("Access-Control-Request-Method");
    if (asked.empty() || h.header("Origin").empty() || !MethodAllowlist::allows(e, asked))
      return {true, h.method, {}};
  } else if (!MethodAllowlist::allows(e, h.method)) {
    return {true, h.method, {}};
  }
  for (unsigned i = 0; i < h.header_count; ++i)
    for (std::string_view name : kOverrideHeaders)
      if (proto::iequals(h.headers[i].name, name) && !allows_text(e, h.headers[i].value))
        return {true, h.headers[i].value, name};
  std::string_view rest = query, name, value;
  while (proto::next_query_param(rest, name, value)) {
    // Names and values as the framework sees them: decoded ("%5Fmethod=DEL%45TE").
    char name_buf[48], value_buf[48];
    if (decoded(name, name_buf) == "_method" && !allows_text(e, decoded(value, value_buf)))
      return {true, value, "_method"};
  }
  // Headers past kHttpMaxHeaders were dropped unread: one of them may be an override.
  if (h.anomalies & proto::kHttpTooManyHeaders) return {true, h.method, "too_many_headers"};
  return {};
}

// The paths a request's target routes to on the servers behind the box, for matching:
// the normalised path (decoded, dot segments and // resolved: nginx, Go); the raw path
// (Express matches the undecoded path, so "/customers/5%2Fx" is one {id} segment there);
// and Tomcat's route (request_view.h: "/orders/..;/customers/5" is "/customers/5").
struct Views {
  std::string_view path[3];
  unsigned count = 0;
};
void views_of(const inspect::Request& r, Views& v) {
  v.path[v.count++] = r.view.path;
  const std::string_view raw = proto::target_path(r.head->target);
  if (raw != r.view.path) v.path[v.count++] = raw;
  if (r.view.route != r.view.path) v.path[v.count++] = r.view.route;
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

void MethodAllowlistStage::on_rules_swapped() {
  // Slots are by endpoint index: a new rule set's index i is another endpoint.
  for (auto& slot : events_) slot = EventSlot{};
}

inspect::Next MethodAllowlistStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr) return inspect::Next::go;
  const auto* s = r.rules->bundle->sections.get<MethodAllowlist>(section::kSection);
  if (s == nullptr) return inspect::Next::go;
  // Every endpoint any view of the path matches must serve the method: servers pick the
  // most specific route, which need not be the first listed.
  Views views;
  views_of(r, views);
  const section::Endpoint* e = nullptr;
  Refused refused;
  for (unsigned v = 0; v < views.count && !refused.refused; ++v)
    for (const section::Endpoint* m = s->match(views.path[v]); m != nullptr && !refused.refused;
         m = s->match(views.path[v], s->index_of(*m) + 1)) {
      e = m;
      refused = refused_method(*m, *r.head, r.view.query);
    }
  if (!refused.refused) return inspect::Next::go;
  const bool enforce = s->mode == rules::Mode::enforce;
  (enforce ? st_->methods_refused : st_->methods_monitored).add(1);
  const size_t i = s->index_of(*e);
  EventSlot& slot = events_[i];
  ++slot.since;
  if (slot.last_tsc == 0 || r.now - slot.last_tsc >= tsc_hz_) {
    char text[192];
    inspect::JsonFields extra(text, sizeof text);
    // The endpoint first: an attacker's long override value is what is left out.
    extra.add("endpoint", e->path).add("since_last", slot.since).add("allowed", e->allow);
    extra.add("refused", refused.method.substr(0, 32));
    if (!refused.via.empty()) extra.add("override", refused.via);
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
