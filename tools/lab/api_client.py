#!/usr/bin/env python3
"""Bulwark lab API client: exercises origin.py's API endpoints a known number of times.

One keep-alive HTTP/1.1 connection (reopened if the server closes it) sends ROUNDS
rounds of the same plan: every API endpoint of origin.py except the legacy one
(GET /api/v1/legacy/export, which no client calls), with varied ids (numbers,
UUIDs, dates), query parameters on the list and search endpoints, and credentials
in turn: Authorization: Bearer, X-API-Key, Cookie: session=..., none. The
customer export asks for gzip (Accept-Encoding: gzip). Each round also asks for
one customer id the origin does not have (a 404). Bounded: at most 1000 rounds of
PER_ROUND requests, and it stops at --time-limit seconds whatever is left.

Prints one JSON object to stdout:
  {"host", "port", "rounds", "requests_sent", "transport_errors", "elapsed_s", "complete",
   "endpoints": {"GET /api/v1/customers/{id}": {"sent": N,
                 "status": {"2xx": N, "3xx": N, "4xx": N, "5xx": N, "error": N},
                 "auth": {"bearer": N, "api_key": N, "cookie": N, "none": N},
                 "sensitive": {CLASS: N, ...}}, ...},
   "sensitive": {"email", "phone", "card", "ssn", "iban", "jwt", "aws_key", "dob"},
   "rejected": {"card_luhn": N, "iban_checksum": N, "ssn_rules": N},
   "unscanned": {"responses": N, "bytes": N}}
Templates write every id segment as {id}. "sensitive" counts occurrences in the
response bodies actually received (a list of 5 customers has 5 e-mails), found
by the regexes and validators below; bodies with a Content-Encoding (the gzip
export) are not scanned but counted in "unscanned". "rejected" counts the
shapes that failed validation (the near misses of /api/v1/products/{id}/codes).
Exit status 0 when every planned request got a response, 1 otherwise.

Usage: api_client.py --host ADDR --port P [--host-header NAME] [--rounds N] [--time-limit S]
"""
import argparse
import base64
import datetime
import http.client
import json
import re
import sys
import time
import uuid

AUTH_MODES = ("bearer", "api_key", "cookie", "none")
CLASSES = ("email", "phone", "card", "ssn", "iban", "jwt", "aws_key", "dob")

EMAIL_RE = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
PHONE_RE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[-. ]\d{2,4}){2,4}(?![\w-])")
CARD_RE = re.compile(r"(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])")
SSN_RE = re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?![A-Za-z0-9])")
JWT_RE = re.compile(r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]+)\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?![A-Za-z0-9_-])")
AWS_RE = re.compile(r"(?<![A-Z0-9])AKIA[A-Z0-9]{16}(?![A-Z0-9])")
DOB_RE = re.compile(r'"(?:dob|date_of_birth|birthdate)"\s*:\s*"(\d{4}-\d{2}-\d{2})"')


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def ssn_ok(area, group, serial):
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def iban_ok(s):
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def jwt_header_ok(seg):
    try:
        hdr = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(hdr, dict) and "alg" in hdr


def date_ok(s):
    try:
        datetime.date.fromisoformat(s)
        return True
    except ValueError:
        return False


def scan(text):
    """(found, rejected): occurrence counts per sensitive class and per near-miss kind."""
    found = dict.fromkeys(CLASSES, 0)
    rejected = {"card_luhn": 0, "iban_checksum": 0, "ssn_rules": 0}
    found["email"] = len(EMAIL_RE.findall(text))
    found["phone"] = len(PHONE_RE.findall(text))
    for m in CARD_RE.finditer(text):
        found["card"] += luhn_ok(m.group())
        rejected["card_luhn"] += not luhn_ok(m.group())
    for m in SSN_RE.finditer(text):
        ok = ssn_ok(*m.groups())
        found["ssn"] += ok
        rejected["ssn_rules"] += not ok
    for m in IBAN_RE.finditer(text):
        ok = iban_ok(m.group())
        found["iban"] += ok
        rejected["iban_checksum"] += not ok
    found["jwt"] = sum(jwt_header_ok(m.group(1)) for m in JWT_RE.finditer(text))
    found["aws_key"] = len(AWS_RE.findall(text))
    found["dob"] = sum(date_ok(d) for d in DOB_RE.findall(text))
    return found, rejected


def plan_round(r):
    """The requests of round r (0-based): (method, template, target, JSON body or None, extra headers)."""
    c = 1 + r * 7  # customer ids move on each round
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=r * 11)
    reqs = [
        ("GET", "/api/v1/customers", f"/api/v1/customers?page={r + 1}&limit={3 + r % 3}", None, {}),
        ("GET", "/api/v1/customers", f"/api/v1/customers?limit=2&page={r + 20}", None, {}),
        ("GET", "/api/v1/customers/{id}", f"/api/v1/customers/{c}", None, {}),
        ("GET", "/api/v1/customers/{id}", f"/api/v1/customers/{c + 1}", None, {}),
        ("GET", "/api/v1/customers/{id}", f"/api/v1/customers/{c + 1000}", None, {}),
        ("GET", "/api/v1/customers/{id}", f"/api/v1/customers/{100001 + r}", None, {}),  # no such id: 404
        ("PUT", "/api/v1/customers/{id}", f"/api/v1/customers/{c + 2}",
         {"name": f"Renamed {r}", "address": f"{r + 1} Elm St, Springfield"}, {}),
        ("GET", "/api/v1/customers/{id}/orders", f"/api/v1/customers/{c + 3}/orders", None, {}),
        ("GET", "/api/v1/customers/{id}/orders",
         f"/api/v1/customers/{c + 4}/orders?status={('pending', 'shipped', 'delivered')[r % 3]}", None, {}),
        ("GET", "/api/v1/customers/{id}/export", f"/api/v1/customers/{c + 5}/export", None,
         {"Accept-Encoding": "gzip"}),
        ("GET", "/api/v1/orders/{id}", f"/api/v1/orders/{500 + r}", None, {}),
        ("GET", "/api/v1/orders/{id}", f"/api/v1/orders/{90000 + r * 13}", None, {}),
        ("DELETE", "/api/v1/orders/{id}", f"/api/v1/orders/{700 + r}", None, {}),
        ("GET", "/api/v1/products/{id}", f"/api/v1/products/{10 + r}", None, {}),
        ("GET", "/api/v1/products/{id}", f"/api/v1/products/{4321 + r * 3}", None, {}),
        ("GET", "/api/v1/products/{id}/codes", f"/api/v1/products/{20 + r}/codes", None, {}),
        ("GET", "/api/v1/search", f"/api/v1/search?q=widget&limit={2 + r % 4}", None, {}),
        ("GET", "/api/v1/search", f"/api/v1/search?q=bolt{r}&limit=3&sort=price", None, {}),
        ("GET", "/api/v1/reports/{id}", f"/api/v1/reports/{day.isoformat()}", None, {}),
        ("GET", "/api/v1/employees/{id}", f"/api/v1/employees/{30 + r}", None, {}),
        ("GET", "/api/v1/employees/{id}", f"/api/v1/employees/{5000 + r * 17}", None, {}),
        ("GET", "/api/v1/accounts/{id}/payout", f"/api/v1/accounts/{200 + r}/payout", None, {}),
        ("GET", "/api/v2/users/{id}", f"/api/v2/users/{uuid.uuid5(uuid.NAMESPACE_URL, f'user-{r}')}", None, {}),
        ("GET", "/api/v2/users/{id}", f"/api/v2/users/{str(uuid.uuid5(uuid.NAMESPACE_DNS, f'u{r}')).upper()}",
         None, {}),
        ("POST", "/api/v1/tokens", "/api/v1/tokens", {"client_id": f"lab-client-{r % 5}"}, {}),
    ]
    return reqs


PER_ROUND = len(plan_round(0))


def auth_headers(mode, n):
    token = f"{n * 2654435761 % 2**32:08x}lab"
    if mode == "bearer":
        return {"Authorization": f"Bearer lab-token-{token}"}
    if mode == "api_key":
        return {"X-API-Key": f"lab-key-{token}"}
    if mode == "cookie":
        return {"Cookie": f"session=lab-session-{token}"}
    return {}


def status_class(code):
    return f"{code // 100}xx" if 200 <= code < 600 else "error"


def main():
    ap = argparse.ArgumentParser(description="Bulwark lab API client (bounded; prints a JSON summary)")
    ap.add_argument("--host", required=True, help="address to connect to")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host-header", help="Host header to send (default ADDR:PORT)")
    ap.add_argument("--rounds", type=int, default=4, help=f"rounds of {PER_ROUND} requests (1-1000, default 4)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="stop after this many seconds (default 60)")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request socket timeout in seconds")
    args = ap.parse_args()
    if not 1 <= args.rounds <= 1000:
        ap.error("--rounds must be 1..1000")

    endpoints = {}
    for method, template, *_ in plan_round(0):
        endpoints.setdefault(f"{method} {template}", {
            "sent": 0, "status": {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "error": 0},
            "auth": dict.fromkeys(AUTH_MODES, 0), "sensitive": dict.fromkeys(CLASSES, 0)})
    totals = dict.fromkeys(CLASSES, 0)
    rejected = {"card_luhn": 0, "iban_checksum": 0, "ssn_rules": 0}
    unscanned = {"responses": 0, "bytes": 0}
    sent = errors = 0
    start = time.monotonic()
    deadline = start + args.time_limit
    conn = None
    complete = True
    for r in range(args.rounds):
        for method, template, target, body, extra in plan_round(r):
            left = deadline - time.monotonic()
            if left <= 0:
                complete = False
                break
            ep = endpoints[f"{method} {template}"]
            mode = AUTH_MODES[sent % len(AUTH_MODES)]
            headers = {"User-Agent": "bulwark-lab-api-client/1", "Accept": "application/json"}
            headers.update(auth_headers(mode, sent))
            headers.update(extra)
            if args.host_header:
                headers["Host"] = args.host_header
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            sent += 1
            ep["sent"] += 1
            ep["auth"][mode] += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(args.host, args.port, timeout=min(args.timeout, left))
                conn.sock and conn.sock.settimeout(min(args.timeout, left))
                conn.timeout = min(args.timeout, left)
                conn.request(method, target, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                code, encoding = resp.status, (resp.getheader("Content-Encoding") or "identity").lower()
            except (OSError, http.client.HTTPException) as e:
                errors += 1
                ep["status"]["error"] += 1
                print(f"api_client: {method} {target}: {type(e).__name__}: {e}", file=sys.stderr)
                if conn is not None:
                    conn.close()
                conn = None
                continue
            ep["status"][status_class(code)] += 1
            if encoding != "identity":
                unscanned["responses"] += 1
                unscanned["bytes"] += len(payload)
                continue
            found, near = scan(payload.decode("utf-8", "replace"))
            for k, v in found.items():
                ep["sensitive"][k] += v
                totals[k] += v
            for k, v in near.items():
                rejected[k] += v
        if not complete:
            break
    if conn is not None:
        conn.close()
    for ep in endpoints.values():
        ep["sensitive"] = {k: v for k, v in ep["sensitive"].items() if v}
    summary = {"host": args.host, "port": args.port, "rounds": args.rounds, "requests_sent": sent,
               "transport_errors": errors, "elapsed_s": round(time.monotonic() - start, 3),
               "complete": complete, "endpoints": endpoints, "sensitive": totals, "rejected": rejected,
               "unscanned": unscanned}
    json.dump(summary, sys.stdout, indent=1, sort_keys=False)
    print()
    return 0 if complete and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
