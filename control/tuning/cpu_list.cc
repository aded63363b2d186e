// CPU list and hex mask parsing and formatting (see cpu_list.h).
#include "control/tuning/cpu_list.h"

#include <charconv>
#include <vector>

namespace bulwark::tuning {
namespace {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// A CPU number: decimal digits only, below kMaxCpus.
bool parse_cpu(std::string_view s, unsigned& out, std::string& error) {
  if (s.empty()) {
    error = "missing CPU number";
    return false;
  }
  for (char c : s)
    if (c < '0' || c > '9') {
      error = std::string("'").append(s.substr(0, 32)).append("' is not a CPU number");
      return false;
    }
  unsigned long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || v >= kMaxCpus) {
    error = std::string("CPU ").append(s.substr(0, 32)) + " is out of range (at most " +
            std::to_string(kMaxCpus - 1) + ")";
    return false;
  }
  out = static_cast<unsigned>(v);
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t p = s.find(sep, start);
    out.push_back(
        s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

bool parse_cpu_list(std::string_view text, CpuSet& out, std::string& error) {
  out.clear();
  text = trim(text);
  if (text.empty()) return true;
  for (std::string_view item : split(text, ',')) {
    item = trim(item);
    if (item.empty()) {
      error = "empty item in CPU list";
      return false;
    }
    const size_t dash = item.find('-');
    unsigned lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_cpu(item, lo, error)) return false;
      hi = lo;
    } else {
      if (!parse_cpu(item.substr(0, dash), lo, error) ||
          !parse_cpu(item.substr(dash + 1), hi, error))
        return false;
      if (hi < lo) {
        error = std::string("range ").append(item).append(" runs backwards");
        return false;
      }
    }
    for (unsigned c = lo; c <= hi; ++c) out.insert(c);
  }
  return true;
}

bool parse_cpu_mask(std::string_view text, CpuSet& out, std::string& error) {
  out.clear();
  text = trim(text);
  if (text.empty()) {
    error = "empty mask";
    return false;
  }
  const auto groups = split(text, ',');
  if (groups.size() > kMaxCpus / 32) {
    error = "mask has more than " + std::to_string(kMaxCpus / 32) + " groups";
    return false;
  }
  const bool single = groups.size() == 1;
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string_view group = groups[groups.size() - 1 - g];  // least significant first
    if (group.empty() || (!single && group.size() > 8) || group.size() > kMaxCpus / 4) {
      error = std::string("mask group '").append(group.substr(0, 32)).append("' has a bad length");
      return false;
    }
    for (size_t d = 0; d < group.size(); ++d) {
      const int v = hex_value(group[group.size() - 1 - d]);
      if (v < 0) {
        error = std::string("'").append(text.substr(0, 64)).append("' is not a hex mask");
        return false;
      }
      for (unsigned b = 0; b < 4; ++b) {
        if (!(v & (1 << b))) continue;
        const size_t bit = g * 32 + d * 4 + b;
        if (bit >= kMaxCpus) {
          error = "mask sets CPUs beyond " + std::to_string(kMaxCpus - 1);
          return false;
        }
        out.insert(static_cast<unsigned>(bit));
      }
    }
  }
  return true;
}

std::string format_cpu_list(const CpuSet& cpus) {
  std::string out;
  for (auto it = cpus.begin(); it != cpus.end();) {
    const unsigned lo = *it;
    unsigned hi = lo;
    ++it;
    while (it != cpus.end() && *it == hi + 1) hi = *it++;
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi != lo) out += '-' + std::to_string(hi);
  }
  return out;
}

}  // namespace bulwark::tuning
