// Pieces the renderers of bulwarkctl's human output share: JSON values as text, counts
// and times, and tables.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::cli {

using json = nlohmann::json;

// Left-aligned columns, widths from the content.
std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows);
// A value as text: strings as they are, null "-", booleans yes/no, floats with 3 decimals.
std::string str(const json& v);
// A count, shortened from 10^4 on (12.3k, 4.56M, 7.89G).
std::string count(const json& v);
// A ratio as a percentage ("42.0%"), "-" if not a number.
std::string percent(const json& v);
// "2024-05-01 12:00:00Z" (UTC) of milliseconds since the epoch.
std::string when(uint64_t unix_ms);
// when() of seconds since the epoch; "-" for 0 or a non-number.
std::string day(const json& unix_s);
// "a=1 b=2" for the non-zero counts of an object; "-" if none.
std::string nonzero(const json& o);

}  // namespace bulwark::cli
