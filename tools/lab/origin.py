#!/usr/bin/env python3
"""Bulwark lab origin: a small HTTP/1.1 server that stands behind the appliance.

Serves a demo login, an account page (/account, echoes its cookies), customer/order/product JSON APIs (customers carry fake
personal data for DLP tests), bulk downloads, slow responses and a request
counter at /__origin/stats so tests can tell whether a request reached the
origin. Python 3 stdlib only; listens dual-stack on [::]:PORT.

Usage: origin.py [--port 80] [--log FILE]
"""
import argparse
import hashlib
import html
import json
import secrets
import socket
import socketserver
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

USERS = {"alice": "wonderland", "bob": "builder", "carol": "chess"}
MAX_ID = 100000
MAX_BODY = 16 << 20
MAX_DOWNLOAD = 64 << 20
FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"]
LAST = ["Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Clark", "Lewis"]
STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St", "Lake Blvd"]
INDEX = b"""<!doctype html>
<html><head><title>Bulwark lab origin</title></head>
<body><h1>Bulwark lab origin</h1>
<p>Try <a href="/health">/health</a> or <a href="/api/v1/customers/1">/api/v1/customers/1</a>.</p>
</body></html>
"""
CHUNK = bytes(range(256)) * 256  # 64 KiB download pattern
SECRET = secrets.token_bytes(16)

stats_lock = threading.Lock()
stats = Counter()
log_lock = threading.Lock()
log_file = None


class BadRequest(Exception):
    pass


def luhn_complete(digits):
    """Append the Luhn check digit to a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def customer(cid):
    first, last = FIRST[cid % 10], LAST[(cid // 10) % 10]
    return {
        "id": cid,
        "name": f"{first} {last}",
        "email": f"user{cid}@example.com",
        "phone": f"+1-555-01{cid % 100:02d}-{(cid * 7919) % 10000:04d}",
        "card": luhn_complete(f"400000{cid:09d}"),
        "address": f"{cid % 9000 + 100} {STREETS[cid % len(STREETS)]}, Springfield, IL 627{cid % 100:02d}",
    }


def order(oid):
    items = [{"product_id": (oid * 31 + k) % MAX_ID + 1, "quantity": k + 1} for k in range(oid % 3 + 1)]
    return {"id": oid, "status": ["pending", "shipped", "delivered"][oid % 3], "items": items,
            "total_cents": sum(1999 * it["quantity"] for it in items)}


def product(pid):
    return {"id": pid, "name": f"Widget {pid}", "price_cents": 199 + (pid * 37) % 10000,
            "in_stock": pid % 4 != 0}


def int_arg(query, name, default, lo, hi):
    vals = query.get(name)
    if not vals:
        return default
    try:
        return max(lo, min(hi, int(vals[0])))
    except ValueError:
        raise BadRequest(f"bad {name}")


def parse_id(s):
    return int(s) if s.isascii() and s.isdigit() and int(s) <= MAX_ID else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bulwark-lab-origin/1"

    def version_string(self):
        return self.server_version
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and small bodies leave in one write; flushed by the base class
    timeout = 120

    def log_message(self, fmt, *args):
        if log_file:
            line = "%s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), self.client_address[0], fmt % args)
            with log_lock:
                log_file.write(line)
                log_file.flush()

    def handle_expect_100(self):
        super().handle_expect_100()
        self.wfile.flush()  # wfile is buffered; the client waits for this line
        return True

    def send(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if te:
            if te != "chunked":
                raise BadRequest("unsupported transfer-encoding")
            return self.read_chunked()
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        if not cl.strip().isdigit() or int(cl) > MAX_BODY:
            raise BadRequest("bad content-length")
        body = self.rfile.read(int(cl))
        if len(body) != int(cl):
            raise BadRequest("short body")
        return body

    def read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest("bad chunk size")
            if size < 0 or total + size > MAX_BODY:
                raise BadRequest("chunk too large")
            if size == 0:
                break
            data = self.rfile.read(size)
            if len(data) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("bad chunk")
            parts.append(data)
            total += size
        for _ in range(100):  # trailers end with an empty line
            if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                return b"".join(parts)
        raise BadRequest("too many trailers")

    def handle_any(self):
        target = self.path.split("#", 1)[0]
        path, _, qs = target.partition("?")
        if path != "/__origin/stats":
            with stats_lock:
                stats[(self.command, path)] += 1
        try:
            body = self.read_body()
            self.route(self.command, path, parse_qs(qs), body)
        except BadRequest as e:
            self.close_connection = True
            self.send(400, {"error": str(e)})

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

    def route(self, method, path, query, body):
        get = method in ("GET", "HEAD")
        seg = path.strip("/").split("/")
        if get and path == "/":
            return self.send(200, INDEX, "text/html; charset=utf-8")
        if get and path == "/health":
            return self.send(200, "ok", "text/plain")
        if get and path.startswith("/account"):
            # A page behind a browser challenge; shows what the browser sent so tests can
            # see the clearance cookie and the user agent it is bound to.
            esc = lambda v: html.escape(v or "", quote=True)
            page = ("<!doctype html><title>Account</title><h1>Your account</h1>"
                    f"<p id=cookie>{esc(self.headers.get('Cookie'))}</p>"
                    f"<p id=ua>{esc(self.headers.get('User-Agent'))}</p>\n")
            return self.send(200, page, "text/html; charset=utf-8")
        if method == "POST" and path == "/login":
            return self.login(body)
        if get and path == "/__origin/stats":
            with stats_lock:
                reqs = {f"{m} {p}": n for (m, p), n in sorted(stats.items())}
            return self.send(200, {"total": sum(reqs.values()), "requests": reqs})
        if get and path == "/api/v1/customers":
            page = int_arg(query, "page", 1, 1, MAX_ID)
            limit = int_arg(query, "limit", 10, 1, 100)
            first = (page - 1) * limit + 1
            return self.send(200, [customer(i) for i in range(first, min(first + limit, MAX_ID + 1))])
        if get and len(seg) == 4 and seg[:2] == ["api", "v1"] and seg[2] in ("customers", "orders", "products"):
            rid = parse_id(seg[3])
            if rid is None:
                return self.send(404, {"error": "not found"})
            make = {"customers": customer, "orders": order, "products": product}[seg[2]]
            return self.send(200, make(rid))
        if get and path == "/download":
            return self.download(int_arg(query, "size", 1024, 0, MAX_DOWNLOAD))
        if get and path == "/slow":
            ms = int_arg(query, "ms", 1000, 0, 10000)
            time.sleep(ms / 1000)
            return self.send(200, {"slept_ms": ms})
        return self.send(404, {"error": "not found"})

    def login(self, body):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if ctype == "application/x-www-form-urlencoded" or (
                    ctype != "application/json" and not body.lstrip().startswith(b"{")):
                form = parse_qs(body.decode(), strict_parsing=True)
                creds = {k: v[0] for k, v in form.items()}
            else:
                creds = json.loads(body)
            user, pw = creds["username"], creds["password"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return self.send(400, {"error": "malformed body"})
        if not isinstance(user, str) or not isinstance(pw, str):
            return self.send(400, {"error": "malformed body"})
        if USERS.get(user) != pw:
            return self.send(401, {"error": "invalid credentials"})
        token = hashlib.sha256(SECRET + user.encode()).hexdigest()[:32]
        return self.send(200, {"token": token})

    def download(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.command == "HEAD":
            return
        left = size
        while left > 0:
            n = min(left, len(CHUNK))
            self.wfile.write(CHUNK[:n])
            left -= n


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    request_queue_size = 1024

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        socketserver.TCPServer.server_bind(self)  # skips HTTPServer's getfqdn() DNS lookup
        self.server_name, self.server_port = "origin", self.server_address[1]

    def handle_error(self, request, client_address):
        if log_file:
            e = sys.exc_info()[1]
            with log_lock:
                log_file.write(f"error from {client_address[0]}: {type(e).__name__}: {e}\n")
                log_file.flush()

def main():
    global log_file
    ap = argparse.ArgumentParser(description="Bulwark lab origin HTTP server")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--log", help="append a line per request to this file")
    args = ap.parse_args()
    if args.log:
        log_file = open(args.log, "a", encoding="utf-8")
    server = DualStackServer(("::", args.port), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
