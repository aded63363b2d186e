#!/usr/bin/env python3
"""Bulwark lab origin: a small HTTP/1.1 server that stands behind the appliance.

Serves a demo login, an account page (/account, echoes its cookies), customer/order/product JSON APIs (customers carry fake
personal data for DLP tests), bulk downloads, slow responses and a request
counter at /__origin/stats so tests can tell whether a request reached the
origin. Python 3 stdlib only; listens dual-stack on [::]:PORT.

Lab endpoints (also counted in /__origin/stats; GET ones answer HEAD too):
  GET  /  /health  /account...  POST /login  GET /download?size=  GET /slow?ms=

API endpoints (JSON, Content-Type application/json; unknown or malformed ids -> 404).
Personal data is fake and deterministic per id; api_client.py exercises all of
them except the legacy one, api_spec.yaml describes them (less two, on purpose):
  GET    /api/v1/customers?page=&limit=        customers (email, phone, card)
  GET    /api/v1/customers/{id}                customer (email, phone, card)
  PUT    /api/v1/customers/{id}                JSON {"name"?, "address"?}; returns the customer
  GET    /api/v1/customers/{id}/orders?status= the customer's orders (no personal data)
  GET    /api/v1/customers/{id}/export         customer + orders; gzip-compressed
                                               (Content-Encoding: gzip) when
                                               Accept-Encoding allows gzip
  GET    /api/v1/orders/{id}                   order (no personal data)
  DELETE /api/v1/orders/{id}                   204 No Content, no body
  GET    /api/v1/products/{id}                 product (no personal data)
  GET    /api/v1/products/{id}/codes           near misses only: 16-digit numbers
                                               failing Luhn, IBANs with a wrong
                                               check, SSN shapes with area 000/666/9xx
  GET    /api/v1/search?q=&limit=&sort=        products (no personal data)
  GET    /api/v1/reports/{YYYY-MM-DD}          daily report (no personal data)
  GET    /api/v1/employees/{id}                HR record: SSA-valid SSN, email, "dob"
  GET    /api/v1/accounts/{id}/payout          DE IBAN with a valid mod-97 check, card
  GET    /api/v2/users/{uuid}                  profile: email, phone, "date_of_birth"
  POST   /api/v1/tokens                        JSON {"client_id"}; returns a JWT
                                               (HS256) and an AWS access key id AKIA...
  GET    /api/v1/legacy/export                 legacy, no client calls it

Usage: origin.py [--port 80] [--log FILE]
"""
import argparse
import base64
import datetime
import gzip
import hashlib
import hmac
import html
import json
import re
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


def digest(*parts):
    """A deterministic integer from the parts (the lab's fake data is a function of the id)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def phone(n):
    return f"+1-555-01{n % 100:02d}-{(n * 7919) % 10000:04d}"


def luhn_fail(digits):
    """digits + a check digit that fails Luhn."""
    good = luhn_complete(digits)
    return digits + str((int(good[-1]) + 1 + digits.count("7") % 8) % 10)


def iban_de(blz, account, valid=True):
    """German IBAN (compact form) with the ISO 7064 mod-97 check digits, or wrong ones."""
    bban = f"{blz:08d}{account:010d}"
    check = 98 - int(bban + "131400") % 97  # D=13, E=14
    if not valid:
        check = check + 1 if check < 98 else 2
    return f"DE{check:02d}{bban}"


def ssn_valid(n):
    """An SSN in a shape the SSA issues: area 001-665/667-899, group 01-99, serial 0001-9999."""
    area = 100 + n % 560          # 100..659: never 000, 666 or 9xx
    group = 1 + (n // 7) % 99
    serial = 1 + (n * 7919) % 9999
    return f"{area:03d}-{group:02d}-{serial:04d}"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWT_KEY = b"bulwark-lab-jwt-key"  # fixed so tokens are deterministic per client_id
AWS_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def jwt_for(client_id):
    n = digest("jwt", client_id)
    iat = 1700000000 + n % 10000000
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": client_id, "iat": iat, "exp": iat + 3600, "scope": "orders:read"}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(JWT_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(sig)}"


def aws_key_for(client_id):
    n = digest("aws", client_id)
    return "AKIA" + "".join(AWS_ALPHABET[(n >> (5 * k)) & 31] for k in range(12)) + \
        "".join(AWS_ALPHABET[(digest("aws2", client_id) >> (5 * k)) & 31] for k in range(4))


def customer_orders(cid, status=None):
    oids = [(cid * 3 + k) % MAX_ID + 1 for k in range(cid % 4 + 1)]
    orders = [dict(order(oid), customer_id=cid) for oid in oids]
    return [o for o in orders if status is None or o["status"] == status]


def user_v2(uid):
    uid = uid.lower()
    n = digest("user", uid)
    first, last = FIRST[n % 10], LAST[(n // 10) % 10]
    dob = datetime.date(1950 + n % 50, 1 + (n // 50) % 12, 1 + (n // 600) % 28)
    return {"id": uid, "display_name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{n % 1000}@example.org",
            "phone": phone(n // 1000), "date_of_birth": dob.isoformat(),
            "locale": ["en-US", "en-GB", "de-DE"][n % 3]}


def employee(eid):
    first, last = FIRST[(eid * 3) % 10], LAST[(eid * 7) % 10]
    dob = datetime.date(1960 + eid % 40, 1 + eid % 12, 1 + eid % 28)
    return {"id": eid, "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}{eid}@corp.example.com",
            "department": ["Sales", "Engineering", "Support", "Finance"][eid % 4],
            "ssn": ssn_valid(eid), "dob": dob.isoformat()}


def payout(aid):
    return {"account_id": aid, "holder": f"{FIRST[aid % 10]} {LAST[(aid // 10) % 10]}",
            "iban": iban_de(10000000 + (aid * 7717) % 90000000, aid * 10007 % 10**10),
            "card": luhn_complete(f"510510{aid:09d}"), "currency": "EUR",
            "amount_cents": 1000 + (aid * 131) % 500000, "schedule": ["weekly", "monthly"][aid % 2]}


def product_codes(pid):
    """Values shaped like sensitive data that a correct detector must not count."""
    return {"id": pid,
            "barcodes": [luhn_fail(f"400000{pid:09d}"), luhn_fail(f"510510{pid:09d}")],
            "supplier_iban": iban_de(10000000 + (pid * 7717) % 90000000, pid * 10007 % 10**10, valid=False),
            "lot_numbers": [f"000-{1 + pid % 99:02d}-{1 + pid % 9999:04d}",
                            f"666-{1 + pid % 99:02d}-{1 + pid % 9999:04d}",
                            f"9{pid % 100:02d}-{1 + pid % 99:02d}-{1 + pid % 9999:04d}"]}


def search(q, limit, sort):
    start = digest("search", q) % (MAX_ID - 200) + 1
    items = [product(i) for i in range(start, start + limit)]
    if sort == "price":
        items.sort(key=lambda p: p["price_cents"])
    elif sort == "name":
        items.sort(key=lambda p: p["name"])
    return {"query": q, "count": len(items), "items": items}


def report(day):
    n = digest("report", day.isoformat())
    return {"date": day.isoformat(), "orders": 50 + n % 950, "revenue_cents": 10000 + n % 9000000,
            "top_products": [1 + (n >> (8 * k)) % MAX_ID for k in range(3)]}


def parse_date(s):
    if not DATE_RE.fullmatch(s):
        return None
    try:
        return datetime.date.fromisoformat(s)
    except ValueError:
        return None


def json_body(body):
    """The request body as a JSON object, or None."""
    try:
        obj = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


def accepts_gzip(header):
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


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

    def send(self, code, body, ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
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
        if len(seg) >= 3 and seg[0] == "api" and self.api(method, get, path, seg, query, body):
            return
        return self.send(404, {"error": "not found"})

    def api(self, method, get, path, seg, query, body):
        """The API endpoints added for inventory and DLP tests; False when none matches."""
        if seg[1] == "v2":
            if get and len(seg) == 4 and seg[2] == "users" and UUID_RE.fullmatch(seg[3]):
                self.send(200, user_v2(seg[3]))
                return True
            return False
        if seg[1] != "v1":
            return False
        if get and path == "/api/v1/search":
            q = (query.get("q") or [""])[0][:100]
            limit = int_arg(query, "limit", 10, 1, 50)
            sort = (query.get("sort") or ["relevance"])[0]
            self.send(200, search(q, limit, sort))
            return True
        if get and path == "/api/v1/legacy/export":
            self.send(200, {"deprecated": True, "rows": [], "note": "use /api/v1/customers/{id}/export"})
            return True
        if len(seg) == 4:
            kind, rid = seg[2], parse_id(seg[3])
            if get and kind == "reports":
                day = parse_date(seg[3])
                self.send(*((200, report(day)) if day else (404, {"error": "not found"})))
                return True
            if rid is None and kind in ("employees", "customers", "orders"):
                self.send(404, {"error": "not found"})
                return True
            if get and kind == "employees":
                self.send(200, employee(rid))
                return True
            if method == "PUT" and kind == "customers":
                upd = json_body(body)
                if upd is None or any(k not in ("name", "address") or not isinstance(v, str) or len(v) > 200
                                       for k, v in upd.items()):
                    self.send(400, {"error": "malformed body"})
                else:
                    self.send(200, dict(customer(rid), **upd))
                return True
            if method == "DELETE" and kind == "orders":
                self.send_response(204)  # no Content-Length, no body (RFC 9110 section 8.6)
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                return True
            return False
        if len(seg) == 5 and get:
            kind, rid, sub = seg[2], parse_id(seg[3]), seg[4]
            known = {("customers", "orders"), ("customers", "export"), ("accounts", "payout"), ("products", "codes")}
            if (kind, sub) not in known:
                return False
            if rid is None:
                self.send(404, {"error": "not found"})
            elif sub == "orders":
                status = (query.get("status") or [None])[0]
                self.send(200, customer_orders(rid, status))
            elif sub == "export":
                data = (json.dumps({"customer": customer(rid), "orders": customer_orders(rid)}) + "\n").encode()
                if accepts_gzip(self.headers.get("Accept-Encoding")):
                    self.send(200, gzip.compress(data, mtime=0), headers=(
                        ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")))
                else:
                    self.send(200, data, headers=(("Vary", "Accept-Encoding"),))
            elif sub == "payout":
                self.send(200, payout(rid))
            else:
                self.send(200, product_codes(rid))
            return True
        if method == "POST" and path == "/api/v1/tokens":
            req = json_body(body)
            cid = req.get("client_id") if req is not None else None
            if not isinstance(cid, str) or not CLIENT_ID_RE.fullmatch(cid):
                self.send(400, {"error": "malformed body"})
            else:
                self.send(200, {"access_token": jwt_for(cid), "token_type": "Bearer", "expires_in": 3600,
                                "aws_access_key_id": aws_key_for(cid)})
            return True
        return False

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
