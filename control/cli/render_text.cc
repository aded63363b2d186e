// Text pieces of bulwarkctl's human output (see render_text.h).
#include "control/cli/render_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace bulwark::cli {

std::string str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) return fmt::format("{:.3f}", v.get<double>());
  return v.dump();
}

std::string count(const json& v) {
  if (!v.is_number()) return str(v);
  const double d = v.get<double>();
  if (d >= 1e9) return fmt::format("{:.2f}G", d / 1e9);
  if (d >= 1e6) return fmt::format("{:.2f}M", d / 1e6);
  if (d >= 1e4) return fmt::format("{:.1f}k", d / 1e3);
  return fmt::format("{}", v.get<uint64_t>());
}

std::string percent(const json& v) {
  return v.is_number() ? fmt::format("{:.1f}%", v.get<double>() * 100) : "-";
}

std::string when(uint64_t unix_ms) {
  const std::time_t s = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string day(const json& unix_s) {
  return unix_s.is_number() && unix_s.get<uint64_t>() ? when(unix_s.get<uint64_t>() * 1000)
                                                      : std::string("-");
}

std::string nonzero(const json& o) {
  std::string out;
  if (!o.is_object()) return "-";
  for (const auto& [k, v] : o.items())
    if (!(v.is_number() && v.get<double>() == 0))
      out += (out.empty() ? "" : " ") + k + "=" + count(v);
  return out.empty() ? "-" : out;
}

std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string o;
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string cell = i < r.size() ? r[i] : "";
      o += i + 1 == w.size() ? cell : cell + std::string(w[i] - cell.size() + 2, ' ');
    }
    while (!o.empty() && o.back() == ' ') o.pop_back();
    return o + "\n";
  };
  std::string out = line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

}  // namespace bulwark::cli
