// Field list of the active rule bundle's numbers (api::RulesInfo): plain fields, not
// Counters (the main lcore writes them while it loads a bundle, and `generation` last,
// with release order, so a reader that sees it may read the rest). JSON under "rules",
// one Prometheus sample each.
//
// An X-macro list like counters_worker.h (see there): the includer defines
// BULWARK_FIELD(type, field, meta...) first.
BULWARK_FIELD(std::atomic<uint64_t>, generation, .json = "rules.generation",
              .series = "bulwark_rules_generation", .type = SeriesType::gauge,
              .help = "Rule sets the dataplane has loaded since it started (0: none)")
BULWARK_FIELD(uint64_t, version, .json = "rules.version", .series = "bulwark_rules_bundle_version",
              .type = SeriesType::gauge, .needs_bundle = true,
              .help = "Version of the rule bundle the dataplane runs")
BULWARK_FIELD(uint64_t, loaded_unix_ns, .json = "rules.loaded_unix_ns",
              .series = "bulwark_rules_loaded_time_seconds", .type = SeriesType::gauge,
              .scale = Scale::ns_to_seconds, .needs_bundle = true,
              .help = "When the active bundle was loaded (unix seconds)")
BULWARK_FIELD(uint64_t, load_duration_ns, .json = "rules.load_duration_ns",
              .series = "bulwark_rules_last_reload_duration_seconds", .type = SeriesType::gauge,
              .scale = Scale::ns_to_seconds,
              .help = "Last load: deserialise, prepare and swap (including the RCU grace period)")
// Successful loads after the first; bundles refused.
BULWARK_FIELD(uint64_t, reloads, .json = "rules.reloads", .series = "bulwark_rules_reloads_total",
              .help = "Bundle swaps after the first load")
BULWARK_FIELD(uint64_t, reload_failures, .json = "rules.reload_failures",
              .series = "bulwark_rules_reload_failures_total",
              .help = "Bundles the dataplane refused")
BULWARK_FIELD(uint32_t, rule_count, .json = "rules.rule_count", .series = "bulwark_rules_loaded",
              .type = SeriesType::gauge, .needs_bundle = true, .help = "Rules in the active bundle")
