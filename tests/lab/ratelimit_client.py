#!/usr/bin/env python3
"""Scripted API clients for the rate-limit lab test.

Sends GET requests at a fixed pace for a fixed time, each on a new TCP connection (so
that connections spread over the dataplane's workers), and reports what came back:
per client, the number of 2xx answers, 429 answers (with their Retry-After values) and
anything else. Bounded: stops after --seconds.

Usage: rate_client.py --url http://198.18.0.2/api/v1/customers/1 --seconds 6
           --client KEY:RATE [--client KEY:RATE ...]
"""
import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit


def run(host, port, path, key, rate, seconds, out):
    interval = 1.0 / rate
    start = time.monotonic()
    res = {"key": key, "sent": 0, "ok": 0, "limited": 0, "other": 0, "errors": 0,
           "retry_after": [], "ok_times": []}
    n = 0
    while True:
        due = start + n * interval
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        n += 1
        res["sent"] += 1
        try:
            c = http.client.HTTPConnection(host, port, timeout=3)
            c.request("GET", path, headers={"X-Api-Key": key, "User-Agent": "lab-api-client/1.0"})
            r = c.getresponse()
            body = r.read()
            if 200 <= r.status < 300:
                res["ok"] += 1
                res["ok_times"].append(round(time.monotonic() - start, 3))
            elif r.status == 429:
                res["limited"] += 1
                res["retry_after"].append(r.getheader("Retry-After"))
                res.setdefault("body", body.decode(errors="replace"))
            else:
                res["other"] += 1
            c.close()
        except (OSError, http.client.HTTPException) as e:
            res["errors"] += 1
            res.setdefault("error", repr(e))
    res["elapsed"] = round(time.monotonic() - start, 3)
    out.append(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--threads", type=int, default=4, help="threads per client")
    ap.add_argument("--client", action="append", required=True, help="KEY:RATE (requests/s)")
    a = ap.parse_args()
    u = urlsplit(a.url)
    out, threads = [], []
    for spec in a.client:
        key, rate = spec.rsplit(":", 1)
        per_thread = float(rate) / a.threads
        for _ in range(a.threads):
            t = threading.Thread(target=run, args=(u.hostname, u.port or 80, u.path, key,
                                                   per_thread, a.seconds, out))
            t.start()
            threads.append(t)
    for t in threads:
        t.join(a.seconds + 30)
    merged = {}
    for r in out:
        m = merged.setdefault(r["key"], {"sent": 0, "ok": 0, "limited": 0, "other": 0,
                                         "errors": 0, "retry_after": [], "ok_times": []})
        for k in ("sent", "ok", "limited", "other", "errors"):
            m[k] += r[k]
        m["retry_after"] += r["retry_after"]
        m["ok_times"] += r["ok_times"]
        for k in ("body", "error"):
            if k in r:
                m.setdefault(k, r[k])
    for m in merged.values():
        m["ok_times"].sort()
    print(json.dumps(merged))


if __name__ == "__main__":
    main()
