#!/usr/bin/env python3
"""POSTs a JSON body in several TCP segments (one send per argument, with pauses and
TCP_NODELAY) and prints the response status, or "reset" if the connection was reset.
With --get USER_AGENT: GETs PATH instead, its head in two segments 0.1 s apart (the box
must keep the first piece in a head buffer).
usage: split_post.py HOST PATH PART...
       split_post.py --get USER_AGENT HOST PATH"""
import socket
import sys
import time

args = sys.argv[1:]
ua = None
if args[:1] == ["--get"]:
    ua, args = args[1], args[2:]
host, path = args[0], args[1]
if ua is None:
    parts = [p.encode() for p in args[2:]]
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {sum(len(p) for p in parts)}\r\nConnection: close\r\n\r\n").encode()
    pause = 0.05
else:
    head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n".encode()
    parts = [f"User-Agent: {ua}\r\nConnection: close\r\n\r\n".encode()]
    pause = 0.1
s = socket.create_connection((host, 80), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    s.sendall(head)
    for p in parts:
        time.sleep(pause)
        s.sendall(p)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "empty")
except (ConnectionResetError, BrokenPipeError):
    print("reset")
