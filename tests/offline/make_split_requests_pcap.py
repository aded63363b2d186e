#!/usr/bin/env python3
"""Writes a capture of HTTP connections whose requests reach the appliance in awkward
pieces, for the offline inspection test. Client 198.18.0.1, server 198.18.0.2:80:

  port 40001  clean request in one segment                       -> no rule
  port 40002  BadBot request in one-byte segments, in order      -> rule 9001 once
  port 40003  one-byte segments shuffled, first byte last        -> rule 9001 once
  port 40004  conflicting overlap: the tail (with BadBot) first, then the whole
              request with a different User-Agent over it, then a retransmission
              -> first copy wins: rule 9001 once, one overlap_conflict event
  port 40005  random overlapping pieces with identical bytes, shuffled
              -> rule 9001 once, no conflict

usage: make_split_requests_pcap.py OUT.pcap [--seed N]"""
import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_mixed_pcap import ACK, PSH, SYN, eth, ipv4, put_csum, write_pcap  # noqa: E402

CMAC, SMAC = bytes.fromhex('020000000001'), bytes.fromhex('020000000002')
CIP, SIP = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
BAD = (b"GET /api/v1/customers/3 HTTP/1.1\r\nHost: 198.18.0.2\r\n"
       b"User-Agent: BadBot/1.0\r\nAccept: */*\r\n\r\n")
DISGUISE = BAD.replace(b"BadBot/1.0", b"Mozilla/5.")
CLEAN = BAD.replace(b"BadBot/1.0", b"Firefox/12")


def segment(cport, c2s, seq, ack, flags, data=b''):
    sport, dport = (cport, 80) if c2s else (80, cport)
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    src, dst = (CIP, SIP) if c2s else (SIP, CIP)
    seg = put_csum(hdr + data, 16, src, dst, 6)
    return eth(SMAC if c2s else CMAC, CMAC if c2s else SMAC, [], 0x0800, ipv4(src, dst, 6, seg, 1))


def connection(cport, pieces, isn=0x10000000):
    """Handshake, then the request as (offset, bytes) pieces in the order given."""
    s_isn = 0x70000000 + cport
    frames = [segment(cport, True, isn, 0, SYN), segment(cport, False, s_isn, isn + 1, SYN | ACK),
              segment(cport, True, isn + 1, s_isn + 1, ACK)]
    for off, data in pieces:
        frames.append(segment(cport, True, (isn + 1 + off) & 0xffffffff, s_isn + 1, PSH | ACK, data))
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--seed', type=int, default=5)
    a = ap.parse_args()
    r = random.Random(a.seed)
    frames = []
    frames += connection(40001, [(0, CLEAN)])
    frames += connection(40002, [(i, BAD[i:i + 1]) for i in range(len(BAD))])
    shuffled = [(i, BAD[i:i + 1]) for i in range(1, len(BAD))]
    r.shuffle(shuffled)
    frames += connection(40003, shuffled + [(0, BAD[:1])], isn=0xffffffd0)  # wraps too
    tail = BAD.index(b"User-Agent")
    frames += connection(40004, [(tail, BAD[tail:]), (0, DISGUISE), (0, DISGUISE)])
    pieces = []
    for _ in range(40):
        lo = r.randrange(1, len(BAD) - 1)
        hi = min(len(BAD), lo + r.randrange(1, 12))
        pieces.append((lo, BAD[lo:hi]))
    r.shuffle(pieces)
    covered = set()
    for lo, d in pieces:
        covered.update(range(lo, lo + len(d)))
    pieces += [(i, BAD[i:i + 1]) for i in range(1, len(BAD)) if i not in covered]
    frames += connection(40005, pieces + [(0, BAD[:8])])
    write_pcap(a.out, [(1000 * i, f) for i, f in enumerate(frames)])
    print(len(frames))


if __name__ == '__main__':
    main()
