// Port-list parsing shared by bulwark-dataplane's options and its configuration file.
#include "dataplane/api/port_list.h"

#include <algorithm>
#include <bitset>
#include <charconv>

namespace bulwark::api {
namespace {

constexpr unsigned kMaxPort = 65535;

// Error texts are appended piece by piece: GCC 12 warns (-Wrestrict, a false positive)
// about "'" + std::string(view) + "'".
std::string quoted(std::string_view s, const char* after) {
  std::string t = "'";
  t.append(s);
  t += "'";
  t += after;
  return t;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One port number: decimal digits only (no sign, no hex), 1..65535.
bool port_of(std::string_view s, unsigned& port, std::string& error) {
  s = trim(s);
  if (s.empty()) {
    error = "a range needs a port on both sides of '-'";
    return false;
  }
  for (char ch : s)
    if (ch < '0' || ch > '9') {
      error = quoted(s, " is not a port number");
      return false;
    }
  // More than 5 digits cannot be a port (and would overflow from_chars' unsigned).
  unsigned long v = kMaxPort + 1;
  if (s.size() <= 5) std::from_chars(s.data(), s.data() + s.size(), v);
  if (v == 0 || v > kMaxPort) {
    error = std::string(s);
    error += " is not a port (ports are 1..65535)";
    return false;
  }
  port = static_cast<unsigned>(v);
  return true;
}

}  // namespace

bool add_port_list(std::string_view text, std::vector<uint16_t>& ports, std::string& error) {
  if (trim(text).empty()) {
    error = "no ports given (write them like 80,8080 or 8000-8010)";
    return false;
  }
  std::bitset<kMaxPort + 1> seen;
  for (uint16_t p : ports) seen.set(p);
  std::vector<uint16_t> added;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) {
      error = "an empty item in " + quoted(text, " (a comma too many)");
      return false;
    }
    unsigned first, last;
    const size_t dash = item.find('-');
    if (!port_of(item.substr(0, dash), first, error)) return false;
    last = first;
    if (dash != std::string_view::npos) {
      if (!port_of(item.substr(dash + 1), last, error)) return false;
      if (last < first) {
        error = "the range ";
        error.append(item);
        error +=
            " runs backwards (write " + std::to_string(last) + "-" + std::to_string(first) + ")";
        return false;
      }
    }
    for (unsigned p = first; p <= last; ++p) {
      if (seen.test(p)) {
        error = "port " + std::to_string(p) + " is listed twice";
        return false;
      }
      seen.set(p);
      added.push_back(static_cast<uint16_t>(p));
    }
  }
  ports.insert(ports.end(), added.begin(), added.end());
  return true;
}

bool parse_port_list(std::string_view text, std::vector<uint16_t>& ports, std::string& error) {
  std::vector<uint16_t> out;
  if (!add_port_list(text, out, error)) return false;
  ports = std::move(out);
  return true;
}

}  // namespace bulwark::api
