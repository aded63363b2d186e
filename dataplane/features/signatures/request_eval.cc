// Offline request evaluation (see request_eval.h).
#include "dataplane/features/signatures/request_eval.h"

#include <memory>

#include "dataplane/api/request_eval.h"
#include "dataplane/inspect/request_view.h"
#include "dataplane/proto/http_parser.h"

namespace bulwark::signatures {
namespace {

struct Evaluator : proto::HttpHandler {
  Matcher& m;
  const uint8_t* ip;
  uint8_t ip_len;
  std::vector<EvalResult> out;
  std::unique_ptr<char[]> path = std::make_unique<char[]>(inspect::kPathBufferBytes);
  std::vector<uint8_t> head_buffer = std::vector<uint8_t>(proto::HttpLimits{}.max_head_bytes);
  RequestScan scan;
  bool open = false;

  Evaluator(Matcher& matcher, const uint8_t* a, uint8_t n) : m(matcher), ip(a), ip_len(n) {}

  void on_head(const proto::HttpHead& h) override {
    EvalResult r;
    const RequestView rv = inspect::make_request_view(h, path.get(), ip, ip_len);
    r.method = std::string(h.method);
    r.target = std::string(h.target);
    r.path = std::string(rv.path);
    r.anomalies = h.anomalies;
    m.on_head(rv, scan, r.verdict);
    open = m.wants_body();
    out.push_back(std::move(r));
  }
  void on_body(const uint8_t* d, size_t n) override {
    if (open) m.on_body(scan, d, n);
  }
  void on_message_end() override {
    if (open) m.end_body(scan, out.back().verdict);
    open = false;
  }
  void on_anomaly(uint32_t a, bool fatal) override {
    if (out.empty()) return;
    out.back().anomalies |= a;
    out.back().fatal = out.back().fatal || fatal;
    if (fatal && open) {
      m.end_body(scan, out.back().verdict);  // decide on what arrived
      open = false;
    }
  }
  uint8_t* acquire_head_buffer(uint32_t bytes) override {
    return bytes <= head_buffer.size() ? head_buffer.data() : nullptr;
  }
  void release_head_buffer(uint8_t*) override {}
};

}  // namespace

std::vector<EvalResult> evaluate_requests(Matcher& m, std::string_view raw,
                                          const uint8_t* client_ip, uint8_t client_ip_len) {
  Evaluator e(m, client_ip, client_ip_len);
  proto::HttpParser p(true, proto::HttpLimits{});
  p.feed(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), e);
  if (e.open) e.on_message_end();  // a body cut short: decide on what arrived
  p.finish(e);
  return std::move(e.out);
}

nlohmann::json result_json(const rules::Bundle& b, const EvalResult& r) {
  using nlohmann::json;
  json matched = json::array();
  for (unsigned i = 0; i < r.verdict.matched_count; ++i) {
    const auto& rule = b.rules[r.verdict.matched[i]];
    matched.push_back({{"id", rule.id},
                       {"name", rule.name},
                       {"action", rules::action_name(rule.action)},
                       {"mode", rules::mode_name(rule.mode)}});
  }
  json verdict = {{"action", "pass"}};
  if (r.verdict.decisive >= 0) {
    const auto& rule = b.rules[static_cast<size_t>(r.verdict.decisive)];
    verdict = {{"action", rules::action_name(rule.action)}, {"rule", rule.id}};
    if (rule.action == rules::Action::respond || rule.action == rules::Action::decoy)
      verdict["status"] = rule.status;
  }
  json anomalies = json::array();
  for (unsigned bit = 0; bit < proto::kHttpAnomalyCount; ++bit)
    if (r.anomalies & (1u << bit)) anomalies.push_back(proto::http_anomaly_name(bit));
  return {{"method", r.method},      {"target", r.target}, {"path", r.path},
          {"matched", matched},      {"verdict", verdict}, {"anomalies", anomalies},
          {"parse_stopped", r.fatal}};
}

std::string with_crlf(std::string_view raw) {
  std::string fixed;
  fixed.reserve(raw.size() + raw.size() / 16);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) fixed += '\r';
    fixed += raw[i];
  }
  return fixed;
}

}  // namespace bulwark::signatures

// The contract other processes use (dataplane/api/request_eval.h).
namespace bulwark::api {

RequestEvaluator::RequestEvaluator(const rules::Bundle& b)
    : bundle_(b), matcher_(std::make_unique<signatures::Matcher>(b)) {}
RequestEvaluator::~RequestEvaluator() = default;

nlohmann::json RequestEvaluator::evaluate(std::string_view raw, const uint8_t* client_ip,
                                          uint8_t client_ip_len) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : signatures::evaluate_requests(*matcher_, raw, client_ip, client_ip_len))
    all.push_back(signatures::result_json(bundle_, r));
  return all;
}

std::string RequestEvaluator::with_crlf(std::string_view raw) { return signatures::with_crlf(raw); }

}  // namespace bulwark::api
