// Preparing a bundle for the workers (see active_rules.h).
#include "dataplane/inspect/active_rules.h"

#include "dataplane/inspect/pipeline.h"

namespace bulwark::inspect {
namespace {

const char* reason_phrase(uint16_t status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 429: return "Too Many Requests";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : "Error";
  }
}

}  // namespace

std::string http_response_bytes(uint16_t status,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    out += k + ": " + v + "\r\n";
    has_type = has_type || proto::iequals(k, "content-type");
  }
  if (!has_type) out += "Content-Type: text/plain\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

std::string http_response_bytes(const rules::CompiledRule& r) {
  return http_response_bytes(r.status, r.headers, r.body);
}

std::unique_ptr<ActiveRules> ActiveRules::load(const std::string& path, unsigned workers,
                                               unsigned body_streams, uint64_t generation,
                                               std::string& error, FeatureSet* features) {
  auto bundle = rules::Bundle::load_file(path, error);
  if (!bundle) return nullptr;
  return prepare(std::move(bundle), path, workers, body_streams, generation, error, features);
}

std::unique_ptr<ActiveRules> ActiveRules::load(const uint8_t* data, size_t size,
                                               const std::string& origin, unsigned workers,
                                               unsigned body_streams, uint64_t generation,
                                               std::string& error, FeatureSet* features) {
  auto bundle = rules::Bundle::load(data, size, error);
  if (!bundle) {
    error = origin + ": " + error;
    return nullptr;
  }
  return prepare(std::move(bundle), origin, workers, body_streams, generation, error, features);
}

std::unique_ptr<ActiveRules> ActiveRules::prepare(std::unique_ptr<rules::Bundle> bundle,
                                                  const std::string& path, unsigned workers,
                                                  unsigned body_streams, uint64_t generation,
                                                  std::string& error, FeatureSet* features) {
  auto a = std::make_unique<ActiveRules>();
  a->generation = generation;
  a->bundle = std::move(bundle);
  if (features) {
    PrepareEnv env;
    env.workers = workers;
    env.body_streams = body_streams;
    env.origin = path;
    if (!features->prepare(*a, env, error)) return nullptr;
  }
  auto decoy = [&](rules::Action action, const rules::DecoyAnswer& d) {
    a->decoys.push_back(
        action == rules::Action::decoy
            ? http_response_bytes(d.status, {{"Content-Type", d.content_type}}, d.body)
            : std::string());
    a->decoy_status.push_back(d.status);
  };
  decoy(a->bundle->stuffing.action, a->bundle->stuffing.decoy);
  for (const auto& o : a->bundle->objects) decoy(o.action, o.decoy);
  for (const auto& d : a->decoys)
    if (d.size() > 1400) {
      error = path + ": a decoy answer is larger than one packet (1400 bytes); shorten its body";
      return nullptr;
    }
  for (const auto& r : a->bundle->rules) {
    a->responses.push_back(r.action == rules::Action::respond || r.action == rules::Action::decoy
                               ? http_response_bytes(r)
                               : std::string());
    if (a->responses.back().size() > 1400) {
      error = path + ": rule " + std::to_string(r.id) +
              ": its response is larger than one packet (1400 bytes); shorten the body";
      return nullptr;
    }
  }
  return a;
}

}  // namespace bulwark::inspect
