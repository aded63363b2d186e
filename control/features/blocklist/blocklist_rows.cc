// Rows of the block list's commands (handlers in blocklist_feature.cc), with how
// bulwarkctl builds block add's request and prints the results.
#include <fmt/format.h>

#include <ctime>

#include "control/cli/cli_input.h"
#include "control/cli/render_text.h"
#include "control/features/blocklist/blocklist_commands.h"

namespace bulwark::control::blocklist {

using namespace protocol;

namespace {

using cli::str;

// "never", or when (UTC) and how long from now.
std::string expiry_text(uint64_t expires_unix) {
  if (expires_unix == 0) return "never";
  const auto now = static_cast<uint64_t>(std::time(nullptr));
  const uint64_t left = expires_unix > now ? expires_unix - now : 0;
  const std::time_t t = static_cast<std::time_t>(expires_unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("{} (in {}s)", buf, left);
}

std::string render_list(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["entries"])
    rows.push_back({str(e["id"]), str(e["kind"]), str(e["value"]), str(e["action"]),
                    expiry_text(e.value("expires_unix", uint64_t{0})), str(e["user"]),
                    str(e["comment"])});
  if (rows.empty()) return "no entries\n";
  return cli::table({"ID", "KIND", "VALUE", "ACTION", "EXPIRES", "BY", "COMMENT"}, rows) +
         (r.value("in_sync", false) ? "" : "(the dataplane does not hold this list yet)\n");
}

std::string render_added(const json& r) {
  return fmt::format("entry {}: {} {} {}, expires {}; dataplane: {}\n", str(r["id"]),
                     str(r["action"]), str(r["kind"]), str(r["value"]),
                     expiry_text(r.value("expires_unix", uint64_t{0})), str(r["dataplane"]));
}

std::string render_removed(const json& r) {
  return fmt::format("entry {} removed; dataplane: {}\n", str(r["id"]), str(r["dataplane"]));
}

// The option of each kind of entry (one of them is given) and the kind it sends.
constexpr std::pair<const char*, const char*> kWhat[] = {{"ip", "ip"},
                                                         {"prefix", "prefix"},
                                                         {"fingerprint", "fingerprint"},
                                                         {"api-key", "api_key"},
                                                         {"api-key-sha256", "api_key_sha256"}};

// block add: kind and value from the option given, --ttl as seconds.
std::optional<int> what_and_ttl(CliRun& run) {
  for (const auto& [key, kind] : kWhat)
    if (run.inputs.given.contains(key)) {
      run.args["kind"] = kind;
      run.args["value"] = run.inputs.text.at(key);
    }
  uint64_t ttl = 0;
  const std::string& text = run.inputs.text.at("ttl");
  if (!text.empty() && !cli::parse_duration(text, ttl))
    return cli::fail(kExitUsage, "--ttl '" + text + "' is not a duration like 90s, 10m, 2h or 7d");
  run.args["ttl_seconds"] = ttl;
  return std::nullopt;
}

}  // namespace

const CommandSet& BlocklistCommands::commands() {
  using C = BlocklistCommands;
  static const CommandSet set{
      .groups = {{"block", "the manual block list (kept across restarts)"}},
      .rows = {
          {.name = "block.add",
           .help = "block a client address, prefix, TLS fingerprint or API key",
           .args = {required("kind", ArgType::string,
                             "ip, prefix, fingerprint, api_key (in clear) or api_key_sha256"),
                    required("value", ArgType::string, "what to block, of that kind"),
                    optional("action", ArgType::string,
                             "block (reset), respond (403 with a JSON body) or challenge "
                             "(browsers without a clearance get the proof-of-work page)",
                             "block"),
                    optional("ttl_seconds", ArgType::uint, "expires after this long (0: never)", 0),
                    optional("comment", ArgType::string, "why", "")},
           .handler = handled_by(&C::block_add),
           .cli = {.options = {input("--ip", CliValue::text, "a client address").in_group("what"),
                               input("--prefix", CliValue::text,
                                     "an address prefix, e.g. 203.0.113.0/24")
                                   .in_group("what"),
                               input("--fingerprint", CliValue::text, "a JA4, or a JA3 hash")
                                   .in_group("what"),
                               input("--api-key", CliValue::text,
                                     "an API key or bearer token (only its SHA-256 is kept)")
                                   .in_group("what"),
                               input("--api-key-sha256", CliValue::text,
                                     "an API key's SHA-256 (64 hex digits)")
                                   .in_group("what"),
                               input("--ttl", CliValue::text,
                                     "expires after this long: 90s, 10m, 2h, 7d (default: never)"),
                               option("--action", "action")
                                   .with_initial("block")
                                   .one_of({"block", "respond", "challenge"}),
                               option("--comment", "comment")},
                   .groups = {{"what", "what to block (one)"}},
                   .step = what_and_ttl},
           .render = render_added},
          {.name = "block.list",
           .help = "entries with what they block and when they expire",
           .handler = handled_by(&C::block_list),
           .render = render_list},
          {.name = "block.remove",
           .help = "remove an entry",
           .args = {required("id", ArgType::uint, "entry number (block list)")},
           .handler = handled_by(&C::block_remove),
           .cli = {.options = {option("id", "id").is_required()}},
           .render = render_removed},
      }};
  return set;
}

}  // namespace bulwark::control::blocklist
