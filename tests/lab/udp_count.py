#!/usr/bin/env python3
"""Lab helper. `recv PORT SECONDS`: counts UDP datagrams arriving on PORT (IPv4) until
SECONDS of silence after the first, prints the count. `send HOST PORT COUNT SIZE`:
sends COUNT datagrams of SIZE payload bytes to HOST (198.18.0.0/15 only), paced."""
import ipaddress
import socket
import sys
import time

if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    print("ready", flush=True)
    s.settimeout(30)
    n = 0
    try:
        s.recv(65535)
        n = 1
        s.settimeout(float(sys.argv[3]))
        while True:
            s.recv(65535)
            n += 1
    except socket.timeout:
        pass
    print(n, flush=True)
else:
    host, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if ipaddress.ip_address(host) not in ipaddress.ip_network("198.18.0.0/15"):
        sys.exit("udp_count: destination outside 198.18.0.0/15")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"x" * size
    for i in range(count):
        s.sendto(payload, (host, port))
        if i % 50 == 49:
            time.sleep(0.005)  # stay far below what af_packet rings hold
