// Counter list of the segment header (api::Header): what the dataplane's main lcore
// counts (heartbeat, rate-limit aggregation, block list, the behavioural detectors, API
// batches). JSON paths from the top of stats_to_json; one Prometheus sample each.
//
// An X-macro list like counters_worker.h (see there): the includer defines
// BULWARK_COUNTER(field, meta...) first.
// Refreshed about every 100 ms.
BULWARK_COUNTER(heartbeat_unix_ns, .json = "heartbeat_unix_ns",
                .series = "bulwark_dataplane_heartbeat_time_seconds", .type = SeriesType::gauge,
                .scale = Scale::ns_to_seconds,
                .help = "Last heartbeat of the dataplane's main lcore (unix seconds)")
// Rate-limit reports the aggregator passed between workers, and those lost because a
// worker's ring was full.
BULWARK_COUNTER(limit_merged, .json = "limits.merged",
                .series = "bulwark_rate_limit_reports_merged_total",
                .help =
                    "Global limits: per-key counts the aggregator (main lcore) passed "
                    "between workers")
BULWARK_COUNTER(limit_merge_dropped, .json = "limits.merge_dropped",
                .series = "bulwark_rate_limit_reports_total", .label = {"result", "merge_dropped"})
// The block list pushed by bulwark-control: live entries, lists loaded.
BULWARK_COUNTER(blocklist_entries, .json = "blocklist.entries",
                .series = "bulwark_blocklist_entries", .type = SeriesType::gauge,
                .help = "Live entries of the block list the dataplane holds")
BULWARK_COUNTER(blocklist_loads, .json = "blocklist.loads",
                .series = "bulwark_blocklist_loads_total",
                .help = "Block lists the dataplane loaded (pushed by bulwark-control)")
// Credential stuffing (the main lcore's detector): login outcomes from all workers,
// decisions made and holding, windows whose failure ratio went over the baseline, keys not
// counted (a window's tables full), the current window's failure ratio and the learned
// baseline (x1000).
BULWARK_COUNTER(login_attempts, .json = "logins.attempts",
                .series = "bulwark_login_detector_attempts_total",
                .help = "Login attempts the credential-stuffing detector counted, all outcomes")
BULWARK_COUNTER(login_failures, .json = "logins.failures", .series = "bulwark_login_attempts_total",
                .label = {"result", "failure"},
                .help =
                    "Requests to login endpoints by outcome (failure: a failure status or "
                    "text; unknown: no answer)")
BULWARK_COUNTER(login_successes, .json = "logins.successes",
                .series = "bulwark_login_attempts_total", .label = {"result", "success"})
BULWARK_COUNTER(login_unknown, .json = "logins.unknown", .series = "bulwark_login_attempts_total",
                .label = {"result", "unknown"})
BULWARK_COUNTER(decisions_total, .json = "logins.decisions_total",
                .series = "bulwark_decisions_total",
                .help =
                    "Behavioural decisions made (credential stuffing, enumeration), enforced "
                    "or reported")
BULWARK_COUNTER(decisions_active, .json = "logins.decisions_active",
                .series = "bulwark_decisions_active", .type = SeriesType::gauge,
                .help = "Behavioural decisions holding now")
BULWARK_COUNTER(login_attack_windows, .json = "logins.attack_windows",
                .series = "bulwark_login_attack_windows_total",
                .help =
                    "Windows whose failure ratio went over the baseline times the policy's "
                    "factor")
BULWARK_COUNTER(login_untracked, .json = "logins.untracked",
                .series = "bulwark_login_untracked_total",
                .help = "Login attempts whose keys were not counted (a window's tables full)")
BULWARK_COUNTER(login_failure_ratio_milli, .json = "logins.window_failure_ratio",
                .json_as = JsonAs::milli, .series = "bulwark_login_failure_ratio",
                .type = SeriesType::gauge, .scale = Scale::milli,
                .help = "Failed logins / attempts in the current window")
BULWARK_COUNTER(login_baseline_milli, .json = "logins.baseline_failure_ratio",
                .json_as = JsonAs::milli, .series = "bulwark_login_failure_ratio_baseline",
                .type = SeriesType::gauge, .scale = Scale::milli,
                .help = "Learned failure ratio (mean of up to 10 earlier ordinary windows)")
// Enumeration: object reads counted, keys not tracked (tables full).
BULWARK_COUNTER(enumeration_reads, .json = "enumeration.reads",
                .series = "bulwark_enumeration_reads_total",
                .help =
                    "Reads of object endpoints watched for enumeration, counted by the "
                    "detector")
BULWARK_COUNTER(enumeration_untracked, .json = "enumeration.untracked",
                .series = "bulwark_enumeration_untracked_total",
                .help =
                    "Object reads whose keys the enumeration detector could not track "
                    "(tables full)")
// API discovery (main lcore): inventory batches sent to bulwark-control, endpoint lines
// in them, calls folded into an overflow line (a batch's table full); the extraction
// detector's keys not tracked (tables full).
BULWARK_COUNTER(api_batches, .json = "api.batches", .series = "bulwark_api_batches_total",
                .help = "API inventory batches sent to bulwark-control")
BULWARK_COUNTER(api_batch_endpoints, .json = "api.batch_endpoints",
                .series = "bulwark_api_batch_endpoints_total",
                .help = "Endpoint lines in the API inventory batches sent")
BULWARK_COUNTER(api_batch_overflow, .json = "api.batch_overflow",
                .series = "bulwark_api_batch_overflow_total",
                .help =
                    "API calls folded into a batch's overflow count (more than 4096 "
                    "endpoints in a second)")
BULWARK_COUNTER(extraction_untracked, .json = "extraction.untracked",
                .series = "bulwark_extraction_untracked_total",
                .help = "Keys the data-extraction detector could not track (tables full)")
