#!/usr/bin/env python3
"""POSTs a JSON body in several TCP segments (one send per argument, with pauses and
TCP_NODELAY) and prints the response status, or "reset" if the connection was reset.
usage: split_post.py HOST PATH PART..."""
import socket
import sys
import time

host, path, parts = sys.argv[1], sys.argv[2], [p.encode() for p in sys.argv[3:]]
body_len = sum(len(p) for p in parts)
s = socket.create_connection((host, 80), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
              f"Content-Length: {body_len}\r\nConnection: close\r\n\r\n".encode())
    for p in parts:
        time.sleep(0.05)
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
