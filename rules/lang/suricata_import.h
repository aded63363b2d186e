// Imports the HTTP subset of Suricata / ET Open rule syntax into Bulwark rules, so that
// existing user-agent and scanner rule sets work:
//
//   alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"..."; flow:established,to_server;
//     http.user_agent; content:"Nikto"; nocase; sid:2001; rev:3;)
//
// Actions: alert -> log, drop / reject -> block. Sticky buffers http.method, http.uri
// (normalised), http.uri.raw, http.host(.raw), http.user_agent, http.header(.raw) (each
// header line), http.cookie, http.request_body, and the legacy http_* modifiers after a
// content. content (|hex|, negation) with nocase, startswith, endswith, depth, offset,
// distance, within (contents chained by distance/within become one regex); pcre with
// i, s, m, x and the buffer letters U I M H D C P V W. sid -> id, msg -> name.
//
// A rule that uses something this cannot express exactly (another protocol, a keyword
// outside the subset, a content without an HTTP buffer, pcre R, negative distance) is
// skipped with a warning naming its line, sid and the reason; keywords that only tune
// alerting (threshold, detection_filter) are ignored with a warning; metadata keywords
// (classtype, reference, metadata, priority, rev, gid, target) are taken silently.
// Nothing is dropped without a warning.
#pragma once

#include <optional>
#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {

std::optional<RuleSet> import_suricata_rules(const std::string& text, const std::string& origin,
                                             std::string& error);

}  // namespace bulwark::rules
