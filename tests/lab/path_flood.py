#!/usr/bin/env python3
"""Lab client: a flood of random request paths (API reconnaissance, fuzzing tools).

Sends COUNT GET requests with random paths (random depth 1..6, random segments of
letters and digits, some under /flood/, some at the root) over THREADS keep-alive
connections, pipelining up to 64 requests per write, and reads every response.
Bounded by --count and --time-limit; prints {"sent", "answered", "errors", "elapsed_s"}.

Usage: path_flood.py --host ADDR [--port 80] [--host-header NAME] [--count 100000] [--threads 4]
"""
import argparse
import json
import random
import socket
import string
import sys
import threading
import time

ALPHABET = string.ascii_letters + string.digits


def segment(rng):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 14)))


def path(rng):
    depth = rng.randint(1, 6)
    parts = [segment(rng) for _ in range(depth)]
    if rng.random() < 0.5:
        parts.insert(0, "flood")
    return "/" + "/".join(parts)


def worker(args, n, seed, totals, lock, deadline):
    rng = random.Random(seed)
    sent = answered = errors = 0
    sock = None
    buf = b""
    while sent < n and time.time() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((args.host, args.port), timeout=10)
                buf = b""
            batch = min(64, n - sent)
            reqs = "".join(f"GET {path(rng)} HTTP/1.1\r\nHost: {args.host_header}\r\n\r\n"
                           for _ in range(batch))
            sock.sendall(reqs.encode())
            sent += batch
            got = 0
            while got < batch:
                # Each response: head with Content-Length, then the body.
                while b"\r\n\r\n" not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed")
                    buf += chunk
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed")
                    rest += chunk
                buf = rest[length:]
                got += 1
            answered += got
        except (OSError, ValueError):
            errors += 1
            if sock:
                sock.close()
            sock = None
            if errors > 100:
                break
    if sock:
        sock.close()
    with lock:
        totals["sent"] += sent
        totals["answered"] += answered
        totals["errors"] += errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--host-header", default="flood.example")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=150)
    args = ap.parse_args()
    if not 1 <= args.count <= 1000000 or not 1 <= args.threads <= 16:
        sys.exit("count 1..1000000, threads 1..16")
    totals = {"sent": 0, "answered": 0, "errors": 0}
    lock = threading.Lock()
    start = time.time()
    deadline = start + args.time_limit
    per = args.count // args.threads
    threads = [threading.Thread(target=worker,
                                args=(args, per + (1 if i < args.count % args.threads else 0), i, totals, lock,
                                      deadline)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    totals["elapsed_s"] = round(time.time() - start, 2)
    print(json.dumps(totals))
    return 0 if totals["answered"] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
