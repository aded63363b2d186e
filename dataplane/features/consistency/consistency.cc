// Consistency scoring (see consistency.h).
#include "dataplane/features/consistency/consistency.h"

namespace bulwark::consistency {

bool claims_browser(std::string_view ua) {
  if (ua.substr(0, 12) != "Mozilla/5.0 ") return false;
  for (const std::string_view engine : {"Chrome/", "Firefox/", "Safari/", "Edg/"})
    if (ua.find(engine) != std::string_view::npos) return true;
  return false;
}

ConsistencyScore score_request(const rules::ConsistencyPolicy& p, const proto::HttpHead& head,
                               std::string_view fingerprint) {
  using rules::Signal;
  ConsistencyScore out;
  out.browser = claims_browser(head.header("user-agent"));
  if (!out.browser) return out;
  // Positions of the headers whose presence and order tell browsers from libraries.
  int accept = -1, language = -1, encoding = -1;
  for (unsigned i = 0; i < head.header_count; ++i) {
    const std::string_view n = head.headers[i].name;
    if (accept < 0 && proto::iequals(n, "accept")) accept = static_cast<int>(i);
    if (language < 0 && proto::iequals(n, "accept-language")) language = static_cast<int>(i);
    if (encoding < 0 && proto::iequals(n, "accept-encoding")) encoding = static_cast<int>(i);
  }
  auto flag = [&](Signal s) {
    out.signals |= static_cast<uint8_t>(1u << static_cast<unsigned>(s));
    out.score += p.weights[static_cast<unsigned>(s)];
  };
  if (accept < 0) flag(Signal::missing_accept);
  if (language < 0) flag(Signal::missing_accept_language);
  if (encoding < 0) flag(Signal::missing_accept_encoding);
  // Chrome, Firefox and Safari send Accept before Accept-Encoding; Python's requests,
  // urllib3 and several HTTP libraries send Accept-Encoding first.
  if (accept >= 0 && encoding >= 0 && encoding < accept) flag(Signal::header_order);
  if (!fingerprint.empty())
    for (const std::string& f : p.script_fingerprints)
      if (fingerprint == f) {
        flag(Signal::script_fingerprint);
        break;
      }
  if (head.version_minor == 0) flag(Signal::http10);
  return out;
}

}  // namespace bulwark::consistency
