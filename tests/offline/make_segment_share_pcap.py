#!/usr/bin/env python3
"""Writes a capture for the segment-share test: one client (198.18.0.1) opens 20
connections and keeps four one-byte gaps open on each (80 out-of-order segments held,
never filled), then another client (198.18.0.9) sends the lab's BadBot request (port
43000) and a clean one (43001), each with its second half first (held out of order
until the first arrives). Prints {"frames": N}.

usage: make_segment_share_pcap.py OUT.pcap"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_evasion_pcap as m  # noqa: E402
from make_mixed_pcap import write_pcap  # noqa: E402

frames = []
m.CIP = bytes([198, 18, 0, 1])  # the holder (tcp() reads the client address when called)
for i in range(20):
    c = m.Conn(42000 + i)
    for k in range(4):
        c.send(2 + 2 * k, b"x")
    frames += c.frames
m.CIP = bytes([198, 18, 0, 9])
for port, req in ((43000, m.BAD), (43001, m.CLEAN)):
    c = m.Conn(port)
    c.send(40, req[40:])
    c.send(0, req[:40])
    frames += c.frames
write_pcap(sys.argv[1], [(1000 * i, f) for i, f in enumerate(frames)])
print(json.dumps({"frames": len(frames)}))
