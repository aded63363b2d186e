#!/usr/bin/env python3
"""Differential lab client: sends every request of the corpus, each on its own
connection, to each origin port through the appliance; prints the corpus as JSON
({id: {"name", "request"}}) for the checker. Bounded: one request per connection,
2 s each.

The corpus carries the lab rules' targets (path /api/v1/orders/666 and */etc/passwd,
POST /login with "' or 1=1" in the body) through spellings real servers parse
differently: encodings, dot segments, slashes, path parameters, absolute-form, request
line spacing and versions, chunked framing; plus clean controls every origin must take.

usage: client.py HOST PORT..."""
import ipaddress
import json
import socket
import sys

HOST, PORTS = sys.argv[1], [int(p) for p in sys.argv[2:]]
if ipaddress.ip_address(HOST) not in ipaddress.ip_network("198.18.0.0/15"):
    sys.exit("client: lab addresses only")


def get(target, line_fmt="GET {t} HTTP/1.1", pre=b""):
    return lambda i: pre + (line_fmt.format(t=target).encode() +
                            b"\r\nHost: a\r\nX-Diff-Id: %d\r\nConnection: close\r\n\r\n" % i)


def post(target, body, chunks=None, ctype=None, extra=b"", size=b"%x", ext=b""):
    def build(i):
        head = b"POST %s HTTP/1.1\r\nHost: a\r\nX-Diff-Id: %d\r\nConnection: close\r\n" % (
            target.encode(), i) + extra
        if ctype:
            head += b"Content-Type: " + ctype + b"\r\n"
        if chunks is None:
            return head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        out = head + b"Transfer-Encoding: chunked\r\n\r\n"
        for c in chunks:
            out += size % len(c) + ext + b"\r\n" + c + b"\r\n"
        return out + b"0\r\n\r\n"
    return build


def raw(fmt):
    """A request (or several) written out; %d is the id of the one that counts."""
    return lambda i: fmt % i


def smuggled_in_chunk(i):
    """TE.CL: a server reading Content-Length (4) takes the chunk's data as its next
    request; one reading the chunks takes it as the body."""
    inner = (b"GET /api/v1/orders/666 HTTP/1.1\r\nHost: a\r\nX-Diff-Id: %d\r\n"
             b"Connection: close\r\n\r\n" % i)
    return (b"POST /x HTTP/1.1\r\nHost: a\r\nX-Diff-Id: s\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(inner) + inner + b"\r\n0\r\n\r\n")


SQLI = b"user=a' or 1=1 --&pass=x"
CORPUS = [
    ("control: clean GET", get("/api/v1/orders/1")),
    ("control: clean POST /login", post("/login", b"user=alice&pass=secret")),
    # Odd but clean: what decoding and path views must not turn into a block.
    ("control: form body with an escaped quote", post("/login", b"user=O%27Brien+or+not&pass=1",
                                                      ctype=b"application/x-www-form-urlencoded")),
    ("control: JSON body with escapes", post("/login", b'{"user":"Jos\\u00e9","note":"a \\"b\\""}',
                                             ctype=b"application/json")),
    ("control: path parameter on a clean path", get("/api/v1/orders;jsessionid=1/1")),
    ("control: chunked clean POST", post("/login", b"user=bob&pass=x", [b"user=b", b"ob&pass=x"])),
    ("plain", get("/api/v1/orders/666")),
    ("percent-encoded digits", get("/api/v1/orders/%36%36%36")),
    ("percent-encoded letters", get("/api/v1/%6Frders/666")),
    ("double slashes", get("//api//v1/orders/666")),
    ("dot segments", get("/api/v1/x/../orders/./666")),
    ("encoded dot segments", get("/api/v1/x/%2e%2e/orders/666")),
    ("encoded slash", get("/api/v1/orders%2F666")),
    ("path parameter", get("/api/v1/orders;x=1/666")),
    ("query and fragment", get("/api/v1/orders/666?a=1#f")),
    ("absolute-form", get("http://198.18.0.2/api/v1/orders/666")),
    ("absolute-form, upper-case scheme", get("HTTP://198.18.0.2/api/v1/orders/666")),
    ("two spaces", get("/api/v1/orders/666", "GET  {t} HTTP/1.1")),
    ("tab separators", get("/api/v1/orders/666", "GET\t{t}\tHTTP/1.1")),
    ("HTTP/1.10", get("/api/v1/orders/666", "GET {t} HTTP/1.10")),
    ("HTTP/1.0", get("/api/v1/orders/666", "GET {t} HTTP/1.0")),
    ("leading CRLF", get("/api/v1/orders/666", pre=b"\r\n")),
    ("lower-case method", get("/api/v1/orders/666", "get {t} HTTP/1.1")),
    ("traversal to /etc/passwd", get("/static/../../etc/passwd")),
    ("encoded traversal", get("/static/%2e%2e/%2e%2e/etc/passwd")),
    ("double-encoded traversal", get("/static/%252e%252e/etc/passwd")),
    ("SQLi body", post("/login", SQLI)),
    ("SQLi body, chunked", post("/login", SQLI, [SQLI[:9], SQLI[9:]])),
    ("SQLi body, chunk split in the marker", post("/login", SQLI, [SQLI[:8], SQLI[8:12], SQLI[12:]])),
    ("SQLi body, /login/", post("/login/", SQLI)),
    ("SQLi body, /LOGIN", post("/LOGIN", SQLI)),
    ("SQLi body, /login;x", post("/login;x", SQLI)),
    ("SQLi body, /./login", post("/./login", SQLI)),
    # Bodies as the application decodes them.
    ("SQLi body, form-encoded", post("/login", b"user=a%27+or+1%3D1+--&pass=x",
                                     ctype=b"application/x-www-form-urlencoded")),
    ("SQLi body, form-encoded, no Content-Type", post("/login", b"user=a%27%20or%201=1%20--")),
    ("SQLi body, form-encoded, chunked across the escape",
     post("/login", b"user=a%27+or+1%3D1", [b"user=a%2", b"7+or+1%", b"3D1"],
          ctype=b"application/x-www-form-urlencoded; charset=UTF-8")),
    ("SQLi body, JSON \\u escapes", post("/login", b'{"user":"a\\u0027 or 1=1 --"}',
                                       ctype=b"application/json")),
    ("SQLi body, JSON escapes as text/plain", post("/login", b'{"user":"a\\u0027 or 1\\u003d1"}',
                                                  ctype=b"text/plain")),
    # Framing the origins read alike and parsers differ on.
    ("SQLi body, chunk extension", post("/login", SQLI, [SQLI[:7], SQLI[7:]], ext=b";x=1")),
    ("SQLi body, chunk size with leading zeros", post("/login", SQLI, [SQLI], size=b"%08x")),
    ("SQLi body, Expect: 100-continue", post("/login", SQLI, extra=b"Expect: 100-continue\r\n")),
    ("SQLi body, folded header line", post("/login", SQLI, extra=b"X-A: 1\r\n b\r\n")),
    ("pipelined: clean, then blocked", raw(
        b"GET /api/v1/orders/1 HTTP/1.1\r\nHost: a\r\nX-Diff-Id: p\r\n\r\n"
        b"GET /api/v1/orders/666 HTTP/1.1\r\nHost: a\r\nX-Diff-Id: %d\r\nConnection: close\r\n\r\n")),
    ("TE.CL: a GET smuggled in a chunk", smuggled_in_chunk),
    ("CL.CL: two Content-Lengths", raw(
        b"POST /login HTTP/1.1\r\nHost: a\r\nX-Diff-Id: %d\r\nConnection: close\r\n"
        b"Content-Length: 3\r\nContent-Length: 24\r\n\r\nuser=a' or 1=1 --&pass=x")),
]


def send(port, data):
    s = socket.create_connection((HOST, port), timeout=2)
    try:
        s.sendall(data)
        while s.recv(4096):
            pass
    except OSError:
        pass
    finally:
        s.close()


for i, (_, build) in enumerate(CORPUS):
    for port in PORTS:
        try:
            send(port, build(i))
        except OSError:
            pass
json.dump({str(i): {"name": name, "request": build(i).decode("latin-1")}
           for i, (name, build) in enumerate(CORPUS)}, sys.stdout)
