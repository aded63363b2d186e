#!/usr/bin/env python3
"""Pushes rule versions alternating between two rule files with bulwarkctl and checks,
after each push, that the dataplane runs the pushed version, that its worker has run on
it (and what that first poll iteration cost: the swap's stall), and that probe requests
are answered as the new version says. One process for the whole loop, so the loop's own
overhead stays small next to the pushes (the lab test runs it while wrk loads the box).

usage: push_loop.py BULWARKCTL SOCKET CLIENT_NS SET_A SET_B COUNT OUT
  SET_A denies requests with "X-Probe: a", SET_B those with "X-Probe: b".
  OUT gets one line per push: version stall_us prepare_ms swap_ms seconds busy_avg_us
  loop_max_us (the worker's average poll iteration that found packets, and its longest
  poll iteration, so far).
Exit 1 (with the reason) on the first push that does not behave."""
import json
import subprocess
import sys
import time

ctl, sock, ns, set_a, set_b, count, out = sys.argv[1:8]
count = int(count)


def bulwarkctl(*args):
    r = subprocess.run([ctl, "--socket", sock, "--json", *args], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        sys.exit(f"FAIL: bulwarkctl {' '.join(args)} exited {r.returncode}: {r.stderr}{r.stdout}")
    return json.loads(r.stdout)


def probe(value):
    r = subprocess.run(["ip", "netns", "exec", ns, "curl", "-s", "-o", "/dev/null", "-m", "5",
                        "-w", "%{http_code}", "-H", f"X-Probe: {value}", "http://198.18.0.2/"],
                       capture_output=True, text=True, timeout=10)
    return r.stdout


swaps_before = bulwarkctl("workers")[0]["swaps_seen"]
rows = []
start = time.monotonic()
for n in range(1, count + 1):
    t0 = time.monotonic()
    rule_file, want = (set_b, ("200", "403")) if n % 2 else (set_a, ("403", "200"))
    r = bulwarkctl("rules", "load", rule_file, "--comment", f"push {n}")
    if r["dataplane"]["version"] != r["version"]:
        sys.exit(f"FAIL: push {n}: dataplane runs {r['dataplane']['version']}, not {r['version']}")
    for _ in range(200):  # the worker's first poll iteration on the new set
        w = bulwarkctl("workers")[0]
        if w["swaps_seen"] >= swaps_before + n:
            break
        time.sleep(0.01)
    else:
        sys.exit(f"FAIL: push {n}: the worker never ran on the new rule set")
    got = (probe("a"), probe("b"))
    if got != want:
        sys.exit(f"FAIL: push {n} ({rule_file}): probe a/b answered {got}, want {want}")
    rows.append((r["version"], w["swap_stall_last_us"], r["dataplane"]["prepare_ns"] / 1e6,
                 r["dataplane"]["swap_ns"] / 1e6, time.monotonic() - t0, w["busy_loop_avg_us"],
                 w["loop_max_us"]))
with open(out, "w") as f:
    for row in rows:
        f.write("%d %.1f %.3f %.3f %.3f %.1f %.1f\n" % row)
print(f"ok: {count} pushes in {time.monotonic() - start:.1f} s, each enforced as it says right "
      "after it")
