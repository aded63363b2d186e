// Endpoint matching for the features that name endpoints by path (login guard,
// enumeration, method allow-list): on the request's route view (request_view.h: path
// parameters stripped as Tomcat does), case-insensitively and with or without one
// trailing slash, because some server behind the box routes each of those spellings to
// the same handler (Spring's trailing-slash match, case-insensitive IIS and ASP.NET
// routes, Tomcat's path parameters). Counting a spelling the server would not route as
// the endpoint costs little; missing one it routes is an evasion.
#pragma once

#include <string_view>

#include "dataplane/proto/http_message.h"

namespace bulwark::inspect {

// `route` without one trailing '/' (the root stays "/").
inline std::string_view route_trimmed(std::string_view route) {
  if (route.size() > 1 && route.back() == '/') route.remove_suffix(1);
  return route;
}

// True if `route` is the endpoint `path` (as listed: "/login").
inline bool route_is(std::string_view route, std::string_view path) {
  return proto::iequals(route_trimmed(route), route_trimmed(path));
}

// True if `route` is prefix + one segment + suffix ("/customers/" {id} ""); `id` is the
// segment as sent (case kept).
inline bool route_template(std::string_view route, std::string_view prefix, std::string_view suffix,
                           std::string_view& id) {
  route = route_trimmed(route);
  suffix = route_trimmed(suffix);
  if (suffix == "/") suffix = {};
  if (route.size() <= prefix.size() + suffix.size() ||
      !proto::iequals(route.substr(0, prefix.size()), prefix) ||
      !proto::iequals(route.substr(route.size() - suffix.size()), suffix))
    return false;
  id = route.substr(prefix.size(), route.size() - prefix.size() - suffix.size());
  return id.find('/') == std::string_view::npos;
}

}  // namespace bulwark::inspect
