#!/usr/bin/env python3
"""Scripted clients for the credential-stuffing lab test, run side by side:

- attack: POST /login with one stolen username:password pair per source address, from
  --attack-sources distinct addresses (sent as X-Forwarded-For through the trusted
  proxy), one or two attempts each, all with the same TLS fingerprint (X-JA4, as a
  TLS-terminating load balancer would set it), at --attack-rate per second;
- legitimate: --legit users, each with its own address and browser fingerprint,
  logging in with their password (one in 20 attempts mistyped, an honest failure) and
  reading an API, at about 2 requests/s each.
The attack starts after --attack-delay seconds; everything stops after --seconds. Prints one JSON object with what each side saw:
attack attempts answered 401 (reached the origin), stopped (403 from the appliance or
a reset), and when the first was stopped; legitimate requests and how many succeeded.

Addresses in X-Forwarded-For are in 198.19.0.0/16 (never used as destinations)."""
import argparse
import http.client
import json
import random
import threading
import time

ATTACK_JA4 = "t13d1715h2_5b57614c22b0_3d5424432f57"  # the tool's (made-up) fingerprint
BROWSER_JA4 = ["t13d1516h2_8daaf6152771_02713d6af862", "t13d1517h2_8daaf6152771_b0da82dd1658",
               "t13d1715h2_5b57614c22b0_7121afd63204"]
USERS = {"alice": "wonderland", "bob": "builder", "carol": "chess"}


def post_login(host, user, pw, xff, ja4, ua):
    body = json.dumps({"username": user, "password": pw})
    c = http.client.HTTPConnection(host, 80, timeout=3)
    try:
        c.request("POST", "/login", body=body, headers={
            "Content-Type": "application/json", "X-Forwarded-For": xff, "X-JA4": ja4,
            "User-Agent": ua})
        r = c.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException):
        return 0  # reset: stopped by the appliance (or broken)
    finally:
        c.close()


def attack(a, out, start):
    sources = ["198.19.%d.%d" % (i // 250, 1 + i % 250) for i in range(a.attack_sources)]
    plan = []
    for i, src in enumerate(sources):
        for k in range(1 if i % 3 else 2):  # one or two attempts per address
            plan.append((src, "user%05d" % (i * 2 + k), "guess%d" % k))
    random.Random(7).shuffle(plan)
    res = out["attack"]
    interval = 1.0 / a.attack_rate
    lock = threading.Lock()
    it = iter(enumerate(plan))

    def worker():
        while True:
            with lock:
                try:
                    n, (src, user, pw) = next(it)
                except StopIteration:
                    return
            due = start + a.attack_delay + n * interval
            if due - start > a.seconds:
                return
            time.sleep(max(0, due - time.monotonic()))
            st = post_login(a.host, user, pw, src, ATTACK_JA4, "python-requests/2.31.0")
            t = round(time.monotonic() - start, 3)
            with lock:
                res["sent"] += 1
                if st == 401:
                    res["reached_origin"] += 1
                elif st in (0, 403):
                    res["stopped"] += 1
                    if res["first_stopped_at"] is None or t < res["first_stopped_at"]:
                        res["first_stopped_at"] = t
                    res["stopped_after_sent"] = res["stopped_after_sent"] or res["sent"]
                else:
                    res["other"] += 1
    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


LEGIT_LOCK = threading.Lock()


def legit(a, i, out, start):
    user = list(USERS)[i % 3]
    src = "198.19.200.%d" % (i + 1)
    ja4 = BROWSER_JA4[i % 3]
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
    r = random.Random(i)
    res = out["legit"]
    while time.monotonic() - start < a.seconds:
        typo = r.random() < 0.05
        st = post_login(a.host, user, USERS[user] + ("x" if typo else ""), src, ja4, ua)
        with LEGIT_LOCK:  # one lock for all legitimate users' counters
            res["logins"] += 1
            if typo:
                res["typos"] += 1
                res["typo_answered_401"] += st == 401
            else:
                res["ok"] += st == 200
                res["failed"] += st != 200
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="198.18.0.2")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--attack-sources", type=int, default=2000)
    ap.add_argument("--attack-rate", type=float, default=250)
    ap.add_argument("--legit", type=int, default=6)
    ap.add_argument("--attack-delay", type=float, default=0,
                    help="seconds of legitimate traffic alone first (the baseline)")
    a = ap.parse_args()
    out = {"attack": {"sent": 0, "reached_origin": 0, "stopped": 0, "other": 0,
                      "first_stopped_at": None, "stopped_after_sent": 0},
           "legit": {"logins": 0, "ok": 0, "failed": 0, "typos": 0, "typo_answered_401": 0}}
    start = time.monotonic()
    ts = [threading.Thread(target=attack, args=(a, out, start))]
    ts += [threading.Thread(target=legit, args=(a, i, out, start)) for i in range(a.legit)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(a.seconds + 30)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
