// bulwarkctl's human-readable output: one function per command, from the same JSON the
// --json flag prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::cli {

using json = nlohmann::json;

// Left-aligned columns, widths from the content.
std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows);

std::string render(const std::string& cmd, const json& result);
// api diff: true if the result shows any drift (shadow, zombie, undocumented parameter).
bool api_drift(const json& diff);
// One event line for `events` / `events --follow`.
std::string render_event(const json& e);

}  // namespace bulwark::cli
