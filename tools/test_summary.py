#!/usr/bin/env python3
"""Sums meson's test logs into the one closing line CI reads: "N passed, N failed" (exit 1
if anything failed or no test ran). Each argument is a meson JSON test log (meson test
--logbase NAME writes BUILD/meson-logs/NAME.json) or a build directory (its
meson-logs/testlog.json, skipped when absent). A named log that is missing counts as one
failure: that test run did not finish. --failed-steps adds the build steps that failed."""
import argparse
import json
import pathlib
import sys

ap = argparse.ArgumentParser()
ap.add_argument("logs", nargs="*")
ap.add_argument("--failed-steps", type=int, default=0)
args = ap.parse_args()

passed = failed = skipped = 0
for arg in args.logs:
    log = pathlib.Path(arg)
    if log.is_dir():
        log = log / "meson-logs" / "testlog.json"
        if not log.exists():
            continue
    if not log.exists():
        failed += 1
        print(f"FAILED: {log}: no test log (the test run did not finish)")
        continue
    for line in log.read_text().splitlines():
        t = json.loads(line)
        r = t["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {log}: {t['name']} ({r})")
failed += args.failed_steps
summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed or passed == 0 else 0)
