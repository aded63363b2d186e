#!/usr/bin/env python3
"""Bulwark lab SYN flood: bounded generator of TCP SYN frames for flow-table tests.

Sends Ethernet+IPv4+TCP SYN frames with random source address/port (from
--src-net) through a raw AF_PACKET socket on --iface in the current network
namespace. Only 198.18.0.0/15 destinations and sources are allowed. Stops after
--count packets or --max-seconds, whichever comes first.
"""
import argparse
import errno
import ipaddress
import random
import socket
import struct
import sys
import time

LAB_NET = ipaddress.ip_network("198.18.0.0/15")
MAX_COUNT = 2_000_000


def fail(msg, code=2):
    print(f"synflood: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_mac(s):
    try:
        mac = bytes(int(x, 16) for x in s.split(":"))
    except ValueError:
        mac = b""
    if len(mac) != 6:
        fail(f"bad MAC address: {s!r}")
    return mac


def csum_words(data):
    """Unfolded 16-bit big-endian word sum of an even-length buffer."""
    return sum(struct.unpack(f"!{len(data) // 2}H", data))


def fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser(description="bounded SYN flood for the Bulwark lab")
    ap.add_argument("--iface", required=True)
    ap.add_argument("--src-mac")
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--dst-ip", required=True)
    ap.add_argument("--dst-port", type=int, default=80)
    ap.add_argument("--src-net", default="198.19.0.0/16")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    a = ap.parse_args()

    try:
        dst = ipaddress.IPv4Address(a.dst_ip)
        src_net = ipaddress.IPv4Network(a.src_net, strict=False)
    except ValueError as e:
        fail(str(e))
    if dst not in LAB_NET:
        fail(f"refusing: --dst-ip {dst} is not inside {LAB_NET}")
    if not src_net.subnet_of(LAB_NET):
        fail(f"refusing: --src-net {src_net} is not inside {LAB_NET}")
    if not 1 <= a.count <= MAX_COUNT:
        fail(f"--count must be 1..{MAX_COUNT}")
    if not 0 < a.max_seconds <= 3600:
        fail("--max-seconds must be in (0, 3600]")
    if not 0 < a.dst_port < 65536:
        fail("--dst-port must be 1..65535")
    if a.src_mac is None:
        try:
            with open(f"/sys/class/net/{a.iface}/address") as f:
                a.src_mac = f.read().strip()
        except OSError as e:
            fail(f"cannot read MAC of {a.iface}: {e}", 1)
    src_mac, dst_mac = parse_mac(a.src_mac), parse_mac(a.dst_mac)

    # Template frame: IPv4 src/id/checksum and TCP sport/seq/checksum are zero and
    # filled per packet; checksums are updated from the zero-field base sums.
    tcp_len = 24  # 20-byte header + MSS option
    eth = dst_mac + src_mac + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, 0, 0x4000, 64, 6, 0, bytes(4), dst.packed)
    offflags = (tcp_len // 4) << 12 | 0x02  # data offset, SYN
    tcp = struct.pack("!HHIIHHHHBBH", 0, a.dst_port, 0, 0, offflags, 64240, 0, 0, 2, 4, 1460)
    frame = bytearray(eth + ip + tcp)
    ip_base = csum_words(ip)
    tcp_base = csum_words(tcp) + csum_words(dst.packed) + 6 + tcp_len

    # ip csum, src, dst, sport, dport, seq, ack, offset/flags, window, tcp csum
    pack_tail, dst_int = struct.Struct("!HIIHHIIHHH").pack_into, int(dst)
    net_base, net_size = int(src_net.network_address), src_net.num_addresses
    lo, span = (1, net_size - 2) if net_size > 2 else (0, net_size)

    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        sock.bind((a.iface, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    except OSError as e:
        fail(f"cannot open AF_PACKET socket on {a.iface}: {e}", 1)

    rand, send = random.getrandbits, sock.send
    pack_into = struct.pack_into
    start = time.monotonic()
    deadline = start + a.max_seconds
    sent = 0
    while sent < a.count:
        batch = min(1024, a.count - sent)
        for _ in range(batch):
            src = net_base + lo + rand(32) % span
            sport = 1024 + rand(16) % 64512
            seq = rand(32)
            ipid = rand(16)
            shi, slo = src >> 16, src & 0xFFFF
            ipsum = fold(ip_base + shi + slo + ipid)
            tsum = fold(tcp_base + shi + slo + sport + (seq >> 16) + (seq & 0xFFFF))
            pack_into("!H", frame, 18, ipid)
            pack_tail(frame, 24, ipsum, src, dst_int, sport, a.dst_port, seq, 0, offflags, 64240, tsum)
            while True:
                try:
                    send(frame)
                    break
                except OSError as e:  # queue full: back off briefly and retry
                    if e.errno not in (errno.ENOBUFS, errno.EAGAIN) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.0005)
            sent += 1
        if time.monotonic() >= deadline:
            break
    elapsed = time.monotonic() - start
    print(f"sent {sent} packets in {elapsed:.3f} s")


if __name__ == "__main__":
    main()
