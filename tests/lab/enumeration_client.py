#!/usr/bin/env python3
"""Scripted API clients for the enumeration lab test, each with its own API key and a
new connection per request (so requests spread over the workers):
  walk    reads /api/v1/customers/1, 2, 3, ... in sequence
  repeat  reads the same five customers over and over
  random  reads customers at random ids (a scraper that avoids sequences)
  bulk    reads the same order (/api/v1/orders/7) over and over: response volume; once
          decided against it gets the entry's decoy (200 with DECOY), counted as stopped
--count requests each at --rate per second; prints per client: answers 200, stopped
(403 or reset), other, and how many were answered 200 before the first stop."""
import argparse
import http.client
import json
import random
import threading
import time

DECOY = b'{"id":7,"status":"pending","items":[],"total_cents":0}'  # tests/lab/rulesets/enumeration.yaml


def get(host, path, key):
    c = http.client.HTTPConnection(host, 80, timeout=3)
    try:
        c.request("GET", path, headers={"X-Api-Key": key, "User-Agent": "lab-scraper/1.0"})
        r = c.getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        c.close()


def run(a, mode, key, out):
    rng = random.Random(mode)
    res = {"ok": 0, "stopped": 0, "other": 0, "ok_before_stop": None, "bytes_before_stop": 0,
           "decoyed": 0}
    for i in range(a.count):
        if mode == "walk":
            cid = i + 1
        elif mode == "repeat":
            cid = [3, 7, 11, 3, 7, 19, 23][i % 7]
        else:
            cid = rng.randint(1000, 99999)
        path = "/api/v1/orders/7" if mode == "bulk" else "/api/v1/customers/%d" % cid
        st, body = get(a.host, path, key)
        size = len(body)
        if st == 0:
            res["lost"] = res.get("lost", 0) + 1  # a timeout or reset: not an answer
        if st == 200 and mode == "bulk" and body == DECOY:
            st = 403  # the decoy: stopped, though the client cannot tell
            res["decoyed"] += 1
        if st == 200:
            res["ok"] += 1
            if res["ok_before_stop"] is None:
                res["bytes_before_stop"] += size
                res["size"] = size
        elif st in (0, 403):
            res["stopped"] += 1
            if res["ok_before_stop"] is None:
                res["ok_before_stop"] = res["ok"]
        else:
            res["other"] += 1
        time.sleep(1.0 / a.rate)
    out[mode] = res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="198.18.0.2")
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--rate", type=float, default=40)
    ap.add_argument("--tag", default="t")
    a = ap.parse_args()
    out = {}
    ts = [threading.Thread(target=run, args=(a, m, "lab-%s-%s" % (a.tag, m), out))
          for m in ("walk", "repeat", "random", "bulk")]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
