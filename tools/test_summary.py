#!/usr/bin/env python3
"""Sums meson's test logs of several build directories into the one closing line CI
reads: "N passed, N failed" (exit 1 if anything failed or no test ran)."""
import argparse
import json
import pathlib
import sys

ap = argparse.ArgumentParser()
ap.add_argument("builds", nargs="+")
ap.add_argument("--failed-steps", type=int, default=0)
args = ap.parse_args()

passed = failed = skipped = 0
for b in args.builds:
    log = pathlib.Path(b) / "meson-logs" / "testlog.json"
    if not log.exists():
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
            print(f"FAILED: {b}: {t['name']} ({r})")
failed += args.failed_steps
summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed or passed == 0 else 0)
