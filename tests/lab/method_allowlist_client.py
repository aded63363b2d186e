#!/usr/bin/env python3
"""Sends raw HTTP requests, one connection each, and prints per request its status,
Allow header and body as JSON lines: the method allow-list lab test's client. Requests
are given as 'METHOD TARGET[ | Header: value]...' arguments, sent as written (no
normalisation by a client library)."""
import json
import socket
import sys

HOST = sys.argv[1]


def send(spec):
    first, *headers = spec.split(" | ")
    method, target = first.split(" ", 1)
    body = b'{"name":"x"}' if method.upper() in ("POST", "PUT", "PATCH") else b""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}", "Connection: close"]
    lines += headers
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    out = {"request": spec, "status": None, "allow": None, "body": ""}
    try:
        with socket.create_connection((HOST, 80), timeout=5) as s:
            s.sendall(raw)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if lines and lines[0].startswith("HTTP/1."):
        out["status"] = int(lines[0].split()[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "allow":
            out["allow"] = value.strip()
    out["body"] = rest.decode("latin-1")
    return out


for spec in sys.argv[2:]:
    print(json.dumps(send(spec)))
