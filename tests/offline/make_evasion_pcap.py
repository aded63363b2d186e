#!/usr/bin/env python3
"""Writes the evasion matrix's capture: one connection per trick, each carrying a
request that the lab rule set blocks (User-Agent: BadBot/..., rule 9001) through one way
of making an inspecting device see something else than the server: request-line
spellings, smuggling framings, forged control segments, insertion (bad checksums, low
TTL), urgent data, tiny and reordered segments, fragments, HTTP/2 prefaces, header
floods, pipelining. One clean connection must pass byte for byte.

Client 198.18.0.1, server 198.18.0.2:80, one client port per case. Prints a JSON
manifest {port: {"name": ..., "expect": "stopped" | "clean"}} on stdout.

usage: make_evasion_pcap.py OUT.pcap"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_mixed_pcap import ACK, FIN, PSH, RST, SYN, eth, ipv4, put_csum, write_pcap  # noqa: E402

URG = 0x20
CMAC, SMAC = bytes.fromhex('020000000001'), bytes.fromhex('020000000002')
CIP, SIP = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
UA = b"User-Agent: BadBot/1.0\r\n"
BAD = b"GET /api/v1/customers/3 HTTP/1.1\r\nHost: 198.18.0.2\r\n" + UA + b"Accept: */*\r\n\r\n"
CLEAN = BAD.replace(b"BadBot/1.0", b"Firefox/12")


def tcp(cport, c2s, seq, ack, flags, data=b'', ttl=64, bad_csum=False, urg=0, ident=1,
        window=65535, opts=b''):
    sport, dport = (cport, 80) if c2s else (80, cport)
    opts += b'\0' * (-len(opts) % 4)
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      (5 + len(opts) // 4) << 4, flags, window, 0, urg) + opts
    src, dst = (CIP, SIP) if c2s else (SIP, CIP)
    seg = put_csum(hdr + data, 16, src, dst, 6)
    if bad_csum:
        seg = seg[:16] + bytes([seg[16] ^ 0x5a]) + seg[17:]
    return eth(SMAC if c2s else CMAC, CMAC if c2s else SMAC, [], 0x0800,
               ipv4(src, dst, 6, seg, ident, ttl=ttl))


class Conn:
    """A connection after its handshake; `send` appends client segments at offsets."""

    def __init__(self, port):
        self.port, self.isn, self.sisn = port, 0x10000000 + port * 7919, 0x70000000 + port
        self.frames = [tcp(port, True, self.isn, 0, SYN), tcp(port, False, self.sisn, self.isn + 1, SYN | ACK),
                       tcp(port, True, self.isn + 1, self.sisn + 1, ACK)]

    def seq(self, off):
        return self.isn + 1 + off

    def send(self, off, data, flags=PSH | ACK, **kw):
        self.frames.append(tcp(self.port, True, self.seq(off), self.sisn + 1, flags, data, **kw))

    def stream(self, data, size=1400):
        for i in range(0, len(data), size):
            self.send(i, data[i:i + size])

    def raw(self, frame):
        self.frames.append(frame)


def fragments(cport, seq, ack, data, order, ident, size=24):
    """One TCP segment in IPv4 fragments of `size` payload bytes, sent in `order`."""
    hdr = struct.pack('!HHIIBBHHH', cport, 80, seq, ack, 5 << 4, PSH | ACK, 65535, 0, 0)
    seg = put_csum(hdr + data, 16, CIP, SIP, 6)
    pieces = [(i, seg[i:i + size]) for i in range(0, len(seg), size)]
    out = []
    for k in order(list(range(len(pieces)))):
        off, chunk = pieces[k]
        more = k + 1 < len(pieces)
        out.append(eth(SMAC, CMAC, [], 0x0800,
                       ipv4(CIP, SIP, 6, chunk, ident, df=False, mf=more, off8=off // 8)))
    return out


def main():
    cases, frames = {}, []

    def case(port, name, expect, build, marker=None):
        c = Conn(port)
        build(c)
        cases[port] = {"name": name, "expect": expect}
        if marker:
            cases[port]["marker"] = marker.decode('latin-1')
        frames.extend(c.frames)

    head_end = BAD.index(b"\r\n\r\n")
    decoy = BAD.replace(b"BadBot/1.0", b"Mozilla/5.")
    case(41000, "clean control", "clean", lambda c: c.stream(CLEAN))
    case(41001, "plain request", "stopped", lambda c: c.stream(BAD))
    # Request lines nginx and Tomcat accept (Go and Node.js do not).
    for port, line in ((41002, b"GET  /x HTTP/1.1"), (41003, b"GET /x HTTP/1.10"),
                       (41004, b"GET\t/x\tHTTP/1.1"), (41005, b"GET /a b HTTP/1.1"),
                       (41006, b"GET /x HTTP/1.1 ")):
        req = line + BAD[BAD.index(b"\r\n"):]
        case(port, f"request line {line!r}", "stopped", lambda c, r=req: c.stream(r))
    case(41007, "leading CRLFs", "stopped", lambda c: c.stream(b"\r\n\r\n" + BAD))
    case(41008, "leading bare LF", "stopped", lambda c: c.stream(b"\n" + BAD))
    case(41009, "h2c prior-knowledge preface first", "stopped",
         lambda c: c.stream(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + BAD))
    case(41010, "unparseable request first", "stopped",
         lambda c: c.stream(b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n" + BAD))
    case(41011, "absolute-form, upper-case scheme", "stopped",
         lambda c: c.stream(BAD.replace(b"GET /api", b"GET HTTP://198.18.0.2/api")))
    # Smuggling framings: the BadBot request hidden in what one parser takes as a body.
    smuggled = b"GET /x HTTP/1.1\r\nHost: a\r\n" + UA + b"\r\n"
    for port, hdrs, body in (
            (41012, b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
            (41013, b"Transfer-Encoding: chunked\r\nContent-Length: 50\r\n", b"0\r\n\r\n"),
            (41014, b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n"),
            (41015, b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", b"0\r\n\r\n"),
            (41016, b"Transfer-Encoding:\tchunked\r\n", b"0\r\n\r\n"),
            (41017, b"Transfer-Encoding: chunked\r\n", b"000005;ext=1\r\nhello\r\n0\r\n\r\n"),
            (41018, b"Content-Length: 5\r\nContent-Length: 6\r\n", b"hello"),
            (41019, b"Content-Length : 5\r\n", b"hello"),
            (41020, b"X: a\r\n folded: x\r\nContent-Length: 5\r\n", b"hello")):
        req = b"POST /p HTTP/1.1\r\nHost: a\r\n" + hdrs + b"\r\n" + body + smuggled
        case(port, f"smuggling {hdrs!r}", "stopped", lambda c, r=req: c.stream(r))
    case(41021, "bare LF line endings", "stopped", lambda c: c.stream(BAD.replace(b"\r\n", b"\n")))
    # Header floods: the bound is 100 lines; the UA after it.
    flood = b"".join(b"X-%d: v\r\n" % i for i in range(110))
    case(41022, "110 headers, User-Agent last", "stopped",
         lambda c: c.stream(BAD[:head_end + 2].replace(UA, b"") + flood + UA + b"\r\n"))
    case(41023, "110 headers, Transfer-Encoding last", "stopped",
         lambda c: c.stream(b"POST /p HTTP/1.1\r\nHost: a\r\n" + flood +
                            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled))
    case(41024, "100 pipelined requests, then BadBot", "stopped",
         lambda c: c.stream(CLEAN * 99 + BAD))
    case(41025, "pipelined HEAD requests, then BadBot", "stopped",
         lambda c: c.stream(CLEAN.replace(b"GET", b"HEAD") * 80 + BAD))
    # Segmentation.
    case(41026, "one-byte segments", "stopped",
         lambda c: [c.send(i, BAD[i:i + 1]) for i in range(len(BAD))])
    padded = BAD[:head_end] + b"\r\nX-Pad: " + b"p" * 300 + b"\r\n\r\n"
    case(41027, "300 one-byte segments in reverse", "stopped",
         lambda c: [c.send(i, padded[i:i + 1]) for i in reversed(range(len(padded)))])

    # Forged control segments: none of these reaches or moves the server's connection.
    def forged(kind):
        def build(c):
            c.send(0, BAD[:20])
            if kind == "rst-seq":
                c.send(500, b"", RST | ACK)
            elif kind == "rst-csum":
                c.send(20, b"", RST | ACK, bad_csum=True)
            elif kind == "rst-ttl":
                c.send(20, b"", RST | ACK, ttl=1)
            elif kind == "fin-csum":
                c.send(20, b"", FIN | ACK, bad_csum=True)
            elif kind == "fin-ttl":
                c.send(20, b"", FIN | ACK, ttl=1)
            elif kind == "syn":
                c.raw(tcp(c.port, True, 0x55555555, 0, SYN))
            c.send(20, BAD[20:])
        return build
    for port, kind in ((41028, "rst-seq"), (41029, "rst-csum"), (41030, "rst-ttl"),
                       (41031, "fin-csum"), (41032, "fin-ttl"), (41033, "syn")):
        case(port, f"forged {kind}", "stopped", forged(kind))
    # Insertion: a decoy copy of the request the server never accepts, sent first.
    case(41034, "decoy with bad checksum first", "stopped",
         lambda c: (c.send(0, decoy, bad_csum=True), c.send(0, BAD)))
    case(41035, "decoy with low TTL first", "stopped",
         lambda c: (c.send(0, decoy, ttl=1), c.send(0, BAD)))
    # Urgent data: Linux drops the byte before the urgent pointer from the stream.
    case(41036, "urgent byte", "stopped",
         lambda c: (c.send(0, BAD[:30] + b"X", PSH | ACK | URG, urg=31), c.send(31, BAD[30:])))

    # IP fragments of the segment that carries the request.
    def fragged(order):
        def build(c):
            c.frames += fragments(c.port, c.seq(0), c.sisn + 1, BAD, order, ident=c.port)
        return build
    case(41037, "IPv4 fragments in order", "stopped", fragged(lambda k: k))
    case(41038, "IPv4 fragments reversed", "stopped", fragged(lambda k: k[::-1]))
    # Fragments reassembly drops (the whole datagram goes): then the request sent whole
    # must still be inspected.
    def dropped_then_whole(order, extra=None):
        def build(c):
            fr = fragments(c.port, c.seq(0), c.sisn + 1, BAD, order, ident=c.port)
            if extra:
                fr.insert(2, extra(c))
            c.frames += fr
            c.send(0, BAD)
        return build
    case(41039, "IPv4 fragments, first twice", "stopped", dropped_then_whole(lambda k: k[:1] + k))
    case(41050, "IPv4 fragments, one overlapped by a decoy", "stopped", dropped_then_whole(
        lambda k: k, lambda c: fragments(c.port, c.seq(0), c.sisn + 1, decoy, lambda k: k,
                                         ident=c.port)[3]))
    # Two fragments of a datagram larger than the links' MTU (1500): no inside frame can
    # carry it whole, so it is dropped (too_large); the request sent after it, whole, is
    # still inspected.
    padded = BAD[:head_end] + b"\r\nX-Pad: " + b"a" * 1600 + BAD[head_end:]

    def over_mtu(c):
        c.frames += fragments(c.port, c.seq(0), c.sisn + 1, padded, lambda k: k, ident=c.port,
                              size=1008)
        c.send(0, BAD)
    case(41058, "IPv4 fragments of a datagram over the MTU", "stopped", over_mtu)


    # TCP segments a Linux server drops, carrying a decoy ahead of the real request.
    def syn_decoy(c):
        c.frames[0] = tcp(c.port, True, c.isn, 0, SYN, decoy)
        c.stream(BAD)
    case(41040, "decoy in the SYN (no TFO cookie)", "stopped", syn_decoy)
    case(41041, "decoy without ACK flag first", "stopped",
         lambda c: (c.send(0, decoy, PSH), c.send(0, BAD)))
    case(41042, "decoy in a SYN|ACK inside the connection", "stopped",
         lambda c: (c.raw(tcp(c.port, True, c.isn, c.sisn + 1, SYN | ACK, decoy)), c.send(0, BAD)))
    case(41043, "decoy acknowledging bytes never sent", "stopped",
         lambda c: (c.raw(tcp(c.port, True, c.seq(0), c.sisn + 100001, PSH | ACK, decoy)),
                    c.send(0, BAD)))
    case(41044, "URG pointer set by a bare ACK", "stopped",
         lambda c: (c.send(0, b"", ACK | URG, urg=31), c.stream(BAD)))
    # Linux's out-of-order queue keeps a later segment that covers a held one.
    case(41045, "held decoy covered by the real bytes", "stopped",
         lambda c: (c.send(40, decoy[40:]), c.send(30, BAD[30:]), c.send(0, BAD[:30])))
    # A retransmission that rewrites bytes already inspected and forwarded: had the first
    # copy been lost past the box, the server reads the second (compared: a conflict).
    case(41056, "real bytes retransmitted over a delivered decoy", "stopped",
         lambda c: (c.send(0, decoy), c.send(0, BAD)))
    case(41057, "partial retransmission rewriting delivered bytes", "stopped",
         lambda c: (c.send(0, decoy[:70]), c.send(60, BAD[60:])))
    case(41046, "HTTP/0.9 request line", "stopped",
         lambda c: c.stream(b"GET /BadBot/1.0\r\n"), marker=rb"GET /BadBot/1\.0\r\n")

    # The connection's start, as the server's stack takes it: a SYN it never accepted
    # first (discarded, or expired on the way) must not fix where inspection's stream
    # starts, else the real request falls outside it.
    def other_syn_first(**kw):
        def build(c):
            c.frames.insert(0, tcp(c.port, True, c.isn - 90000, 0, SYN, **kw))
            c.stream(BAD)
        return build
    case(41047, "SYN|FIN with another ISN first", "stopped", lambda c: (
        c.frames.insert(0, tcp(c.port, True, c.isn - 90000, 0, SYN | FIN)), c.stream(BAD)))
    case(41048, "SYN with another ISN and low TTL first", "stopped", other_syn_first(ttl=1))

    def data_before_synack(c):  # an expiring SYN, then a decoy on it before any SYN-ACK
        c.frames[0:0] = [tcp(c.port, True, c.isn - 90000, 0, SYN, ttl=1),
                         tcp(c.port, True, c.isn - 89999, c.sisn + 1, PSH | ACK, decoy, ttl=1)]
        c.stream(BAD)
    case(41054, "decoy on an expiring SYN before the SYN-ACK", "stopped", data_before_synack)

    # A connection passed by policy (a WebSocket tunnel), closed, then a new connection
    # on the same four-tuple: that one is inspected again.
    def tuple_reused(c):
        ws = b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        c.send(0, ws)
        c.raw(tcp(c.port, False, c.sisn + 1, c.seq(len(ws)), PSH | ACK, ok))
        c.send(len(ws), b"", FIN | ACK)
        c.raw(tcp(c.port, False, c.sisn + 1 + len(ok), c.seq(len(ws)) + 1, FIN | ACK))
        c.raw(tcp(c.port, True, c.seq(len(ws)) + 1, c.sisn + len(ok) + 2, ACK))
        c.isn, c.sisn = c.isn + 1000000, c.sisn + 1000000
        c.frames += [tcp(c.port, True, c.isn, 0, SYN),
                     tcp(c.port, False, c.sisn, c.isn + 1, SYN | ACK),
                     tcp(c.port, True, c.isn + 1, c.sisn + 1, ACK)]
        c.stream(BAD)
    case(41049, "four-tuple reused after a passed tunnel", "stopped", tuple_reused)

    # Segments the server's stack discards though their sequence numbers fit: a FIN past
    # the window it advertised, data with an ACK older than SND.UNA - MAX.SND.WND (RFC
    # 5961 5.2), data with an older timestamp (PAWS). Taken by inspection, the FIN would
    # end the stream before the request's end, the decoys would stand for the real bytes.
    def fin_past_window(c):
        c.frames[1] = tcp(c.port, False, c.sisn, c.isn + 1, SYN | ACK, window=40)
        c.send(0, BAD[:20])
        c.send(60, b"", FIN | ACK)
        c.raw(tcp(c.port, False, c.sisn + 1, c.seq(20), ACK, window=4000))
        c.send(20, BAD[20:])
    case(41051, "FIN past the server's window", "stopped", fin_past_window)
    case(41055, "FIN acknowledging before the server's ISN", "stopped",
         lambda c: (c.send(0, BAD[:20]), c.raw(tcp(c.port, True, c.seq(40), c.sisn, FIN | ACK)),
                    c.send(20, BAD[20:])))
    case(41052, "decoy acknowledging too old data", "stopped",
         lambda c: (c.raw(tcp(c.port, True, c.seq(0), c.sisn + 1 - 300000, PSH | ACK, decoy)),
                    c.send(0, BAD)))

    def paws(c):
        ts = lambda v: b"\x01\x01\x08\x0a" + struct.pack('!II', v, 0)
        c.frames = [tcp(c.port, True, c.isn, 0, SYN, opts=ts(1000)),
                    tcp(c.port, False, c.sisn, c.isn + 1, SYN | ACK, opts=ts(5000)),
                    tcp(c.port, True, c.isn + 1, c.sisn + 1, ACK, opts=ts(1001))]
        c.frames.append(tcp(c.port, True, c.seq(0), c.sisn + 1, PSH | ACK, BAD[:20], opts=ts(1002)))
        c.frames.append(tcp(c.port, True, c.seq(20), c.sisn + 1, PSH | ACK, decoy[20:], opts=ts(900)))
        c.frames.append(tcp(c.port, True, c.seq(20), c.sisn + 1, PSH | ACK, BAD[20:], opts=ts(1003)))
    case(41053, "decoy with an older timestamp (PAWS)", "stopped", paws)

    write_pcap(sys.argv[1], [(1000 * i, f) for i, f in enumerate(frames)])
    json.dump({"frames": len(frames), "cases": cases}, sys.stdout)


if __name__ == '__main__':
    main()
