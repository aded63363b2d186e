#!/usr/bin/env python3
"""make_mixed_pcap.py - deterministic mixed-traffic generator for Bulwark offline tests.

Usage: make_mixed_pcap.py OUT_DIR [--seed N] [--flows N] [--stats]

Writes OUT_DIR/outside-in.pcap (frames the clients send; they arrive on the
"outside" port) and OUT_DIR/inside-in.pcap (frames the servers send; they
arrive on the "inside" port).  Classic pcap, linktype 1, snaplen 65535,
strictly increasing timestamps, every frame 60..1514 bytes.

Traffic (clients 198.18.0.0/16 and 2001:2:0:1::/64, servers 198.19.0.0/16 and
2001:2:0:2::/64): TCP connections over IPv4/IPv6 (handshake, data both ways,
FIN or RST close, a few exact duplicate retransmissions), UDP both ways, ICMP
and ICMPv6 echo, ESP, IPv6 extension headers (hop-by-hop, destination options,
routing/SRH), IPv4 options, 802.1Q and QinQ tags, IPv4 and IPv6 fragments,
ARP, LLDP/STP, and malformed frames.  All checksums are correct except in the
deliberately malformed frames.  Python 3 stdlib only.
"""
import argparse
import collections
import os
import random
import struct

MAX_FRAME = 1514
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def put_csum(seg, off, src, dst, proto):
    """Fill the L4 checksum at seg[off:off+2] (pseudo-header unless src is None)."""
    seg = seg[:off] + b'\0\0' + seg[off + 2:]
    if src is None:
        ph = b''
    elif len(src) == 16:
        ph = src + dst + struct.pack('!IxxxB', len(seg), proto)
    else:
        ph = src + dst + struct.pack('!xBH', proto, len(seg))
    c = csum(ph + seg)
    if proto == 17 and c == 0:
        c = 0xffff
    return seg[:off] + struct.pack('!H', c) + seg[off + 2:]


def eth(dst, src, vlans, etype, payload, pad=True):
    hdr = dst + src + b''.join(struct.pack('!HH', tpid, vid) for tpid, vid in vlans)
    f = hdr + struct.pack('!H', etype) + payload
    if pad and len(f) < 60:
        f += b'\0' * (60 - len(f))
    assert 60 <= len(f) <= MAX_FRAME, len(f)
    return f


def ipv4(src, dst, proto, payload, ident, ttl=64, df=True, mf=False, off8=0, opts=b''):
    opts += b'\0' * (-len(opts) % 4)
    ihl = 5 + len(opts) // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | off8
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(payload), ident,
                    flags, ttl, proto, 0, src, dst) + opts
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, flow=0):
    return struct.pack('!IHBB', 0x60000000 | flow, len(payload), nh, hlim) + src + dst + payload


# IPv6 extension headers: (type, builder(next_header, final_dst) -> bytes)
def ext_hbh(nh, _dst):            # router alert + PadN, 8 bytes
    return struct.pack('!BB', nh, 0) + b'\x05\x02\x00\x00' + b'\x01\x00'


def ext_dst(nh, _dst):            # PadN, 16 bytes
    return struct.pack('!BB', nh, 1) + b'\x01\x0c' + b'\0' * 12


def ext_srh(nh, dst):             # SRH (type 4), segments left 0, segment[0] = final dst
    return struct.pack('!BBBBBBH', nh, 2, 4, 0, 0, 0, 0) + dst


EXTS = [(0, ext_hbh), (60, ext_dst), (43, ext_srh)]   # canonical order
V4_OPTS = [b'\x94\x04\x00\x00',                      # router alert
           b'\x07\x0b\x04' + b'\0' * 8 + b'\0',      # record route, 2 slots
           b'\x01\x01\x01\x00',                      # NOP NOP NOP EOL
           b'\x44\x0c\x05\x00' + b'\0' * 8]          # timestamp, 2 slots


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used = set()
        self.ids = 0

    def mac(self, side):
        return bytes([0x02, side, 0]) + self.r.randbytes(3)

    def addr(self, v6, side, host):
        if v6:
            return bytes.fromhex('20010002000%d0000' % side) + struct.pack('!Q', host)
        return bytes([198, 17 + side, host >> 8, host & 0xff])

    def ident(self):
        self.ids = (self.ids + 1) & 0xffff
        return self.ids


class Path:
    """One client<->server host pair, with its encapsulation choices."""

    def __init__(self, g, v6, vlans=(), opts=b'', exts=False, hosts=None):
        r = g.r
        self.g, self.v6, self.vlans, self.opts, self.exts = g, v6, list(vlans), opts, exts
        ch, sh = hosts or (r.randrange(10, 60), r.randrange(10, 26))
        self.cip, self.sip = g.addr(v6, 1, ch), g.addr(v6, 2, sh)
        self.cmac, self.smac = g.mac(1), g.mac(2)

    def overhead(self):
        return 14 + 4 * len(self.vlans) + (40 + 48 if self.v6 else 20 + 12)

    def l3(self, c2s, proto, seg, csum_off=None, pseudo=True, extra_exts=None):
        src, dst = (self.cip, self.sip) if c2s else (self.sip, self.cip)
        if csum_off is not None:
            seg = put_csum(seg, csum_off, src if pseudo else None, dst, proto)
        if self.v6:
            exts = extra_exts
            if exts is None and self.exts:
                exts = [e for e in EXTS if self.g.r.random() < 0.5]
            nh, chain = proto, b''
            for t, build in reversed(exts or []):
                chain, nh = build(nh, dst) + chain, t
            ip, et = ipv6(src, dst, nh, chain + seg), 0x86dd
        else:
            ip, et = ipv4(src, dst, proto, seg, self.g.ident(), opts=self.opts), 0x0800
        return self.frame(c2s, et, ip)

    def frame(self, c2s, et, payload):
        d, s = (self.smac, self.cmac) if c2s else (self.cmac, self.smac)
        return eth(d, s, self.vlans, et, payload)


def random_path(g, v6, allow_opts=True):
    r = g.r
    x = r.random()
    vlans = [] if x < 0.70 else [(0x8100, r.choice([10, 20, 30, 4000]))] if x < 0.88 else \
        [(r.choice([0x88a8, 0x88a8, 0x9100]), r.choice([100, 200])), (0x8100, r.choice([10, 20]))]
    opts = r.choice(V4_OPTS) if (allow_opts and not v6 and r.random() < 0.12) else b''
    return Path(g, v6, vlans, opts, exts=v6 and r.random() < 0.35)


def ports(g, path, proto, services):
    while True:
        key = (path.cip, path.sip, proto, g.r.randrange(1024, 65536), g.r.choice(services))
        if key not in g.used:
            g.used.add(key)
            return key[3], key[4]


def tcp_conv(g, v6):
    r, p = g.r, random_path(g, v6)
    cp, sp = ports(g, p, 6, [80, 443, 22, 8080, 5201])
    seq = {True: r.getrandbits(32), False: r.getrandbits(32)}
    mss = min(1460, MAX_FRAME - p.overhead() - 20) // 4 * 4
    out, cat = [], 'tcp6' if v6 else 'tcp4'

    def send(c2s, flags, data=b'', opts=b''):
        ack = seq[not c2s] if flags & ACK else 0
        hdr = struct.pack('!HHIIBBHHH', cp if c2s else sp, sp if c2s else cp, seq[c2s], ack,
                          (5 + len(opts) // 4) << 4, flags, r.choice([502, 64240, 65535]), 0, 0)
        f = p.l3(c2s, 6, hdr + opts + data, 16)
        out.append((c2s, f, cat))
        seq[c2s] = (seq[c2s] + len(data) + (1 if flags & (SYN | FIN) else 0)) & 0xffffffff
        if data and r.random() < 0.03:                 # exact duplicate retransmission
            out.append((c2s, f, cat + '-dup'))

    synopts = struct.pack('!BBH', 2, 4, mss) + b'\x01\x03\x03\x07\x01\x01\x04\x02'
    send(True, SYN, opts=synopts)
    if r.random() < 0.05:                              # connection refused
        seq[False] = 0
        send(False, RST | ACK)
        return out
    send(False, SYN | ACK, opts=synopts)
    send(True, ACK)
    for _ in range(r.randint(1, 5)):
        send(True, PSH | ACK, r.randbytes(r.randint(20, 700)))
        nseg = r.randint(0, 7)
        for i in range(nseg):
            send(False, (PSH | ACK) if i == nseg - 1 else ACK, r.randbytes(r.randint(1, mss) if i == nseg - 1 else mss))
            if i % 2 == 1 or i == nseg - 1:
                send(True, ACK)
        if nseg == 0:
            send(False, ACK)
    x = r.random()
    if x < 0.75:
        first = x >= 0.10                                  # mostly client closes first
        send(first, FIN | ACK)
        send(not first, FIN | ACK)
        send(first, ACK)
    elif x < 0.95:
        send(r.random() < 0.5, RST | ACK)
    return out                                         # else: left open


def udp_conv(g, v6):
    r, p = g.r, random_path(g, v6)
    cp, sp = ports(g, p, 17, [53, 123, 443, 514, 5060, 9999])
    out, cat = [], 'udp6' if v6 else 'udp4'
    room = MAX_FRAME - p.overhead() - 8

    def send(c2s, n):
        s = struct.pack('!HHHH', cp if c2s else sp, sp if c2s else cp, 8 + n, 0) + r.randbytes(n)
        out.append((c2s, p.l3(c2s, 17, s, 6), cat))

    for _ in range(r.randint(1, 8)):
        big = sp == 443
        send(True, r.randint(20, room if big else 300))
        if sp != 514:                                  # syslog is one-way
            send(False, r.randint(20, room if big else 500))
    return out


def icmp_conv(g, v6):
    r, p = g.r, random_path(g, v6, allow_opts=False)
    ident, out = r.getrandbits(16), []
    for s in range(1, r.randint(2, 5)):
        body = r.randbytes(56)
        for c2s, typ in ((True, 128 if v6 else 8), (False, 129 if v6 else 0)):
            m = struct.pack('!BBHHH', typ, 0, 0, ident, s) + body
            out.append((c2s, p.l3(c2s, 58 if v6 else 1, m, 2, pseudo=v6), 'icmp6' if v6 else 'icmp4'))
    return out


def esp_conv(g, v6):
    r, p = g.r, random_path(g, v6, allow_opts=False)
    spi, out = {True: r.getrandbits(32), False: r.getrandbits(32)}, []
    for s in range(1, r.randint(2, 6)):
        for c2s in (True, False):
            out.append((c2s, p.l3(c2s, 50, struct.pack('!II', spi[c2s], s) + r.randbytes(r.randint(40, 400))), 'esp'))
    return out


def frag_conv(g, v6):
    """Small UDP request, large UDP reply sent as fragments (sometimes reversed)."""
    r = g.r
    p = Path(g, v6, [] if r.random() < 0.7 else [(0x8100, 30)])
    cp, sp = ports(g, p, 17, [53, 2049, 7001])
    cat, out = 'frag6' if v6 else 'frag4', []
    req = struct.pack('!HHHH', cp, sp, 48, 0) + r.randbytes(40)
    out.append((True, p.l3(True, 17, req, 6, extra_exts=[]), 'udp6' if v6 else 'udp4'))
    n = r.randint(1600, 4400)
    dgram = put_csum(struct.pack('!HHHH', sp, cp, 8 + n, 0) + r.randbytes(n), 6, p.sip, p.cip, 17)
    unit = (MAX_FRAME - 14 - 4 * len(p.vlans) - (48 if v6 else 20)) // 8 * 8
    ident, frags = g.ident(), []
    for off in range(0, len(dgram), unit):
        chunk, more = dgram[off:off + unit], off + unit < len(dgram)
        if v6:
            fh = struct.pack('!BBHI', 17, 0, off | more, ident | 0x10000)
            frags.append(p.frame(False, 0x86dd, ipv6(p.sip, p.cip, 44, fh + chunk)))
        else:
            frags.append(p.frame(False, 0x0800, ipv4(p.sip, p.cip, 17, chunk, ident, df=False, mf=more, off8=off // 8)))
    if r.random() < 0.2:
        frags.reverse()
    return out + [(False, f, cat) for f in frags]


def arp_conv(g, _v6):
    r = g.r
    p = Path(g, False, [] if r.random() < 0.8 else [(0x8100, 10)])
    c2s = r.random() < 0.5
    (sm, si, tm, ti) = (p.cmac, p.cip, p.smac, p.sip) if c2s else (p.smac, p.sip, p.cmac, p.cip)
    req = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + sm + si + b'\0' * 6 + ti
    rep = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + tm + ti + sm + si
    return [(c2s, eth(b'\xff' * 6, sm, p.vlans, 0x0806, req), 'arp'),
            (not c2s, eth(sm, tm, p.vlans, 0x0806, rep), 'arp')]


def l2_conv(g, _v6):
    r, c2s = g.r, g.r.random() < 0.5
    src = g.mac(1 if c2s else 2)
    if r.random() < 0.5:   # LLDP: chassis id, port id, TTL, end
        tlvs = struct.pack('!HB', (1 << 9) | 7, 4) + src + struct.pack('!HB', (2 << 9) | 6, 7) + b'port1' \
            + struct.pack('!HH', (3 << 9) | 2, 120) + b'\0\0'
        return [(c2s, eth(b'\x01\x80\xc2\x00\x00\x0e', src, [], 0x88cc, tlvs), 'lldp/stp')]
    # LLC + config BPDU: proto/version/type/flags, root id, path cost, bridge id, port id, timers
    bpdu = b'\x42\x42\x03' + b'\0' * 5 + b'\x80\x00' + src + b'\0' * 4 + b'\x80\x00' + src + b'\x80\x01' \
        + b'\x00\x00\x14\x00\x02\x00\x0f\x00'
    return [(c2s, eth(b'\x01\x80\xc2\x00\x00\x00', src, [], len(bpdu), bpdu), 'lldp/stp')]


def garbage(g, kind):
    """One malformed frame of the given kind (unique addresses in .255.x / ::ff:x)."""
    r, c2s = g.r, g.r.random() < 0.5
    p = Path(g, kind in ('v6trunc', 'v6chain'), hosts=(0xff00 + r.randrange(256), 0xff00 + r.randrange(256)))
    src, dst = (p.cip, p.sip) if c2s else (p.sip, p.cip)
    if kind == 'random':
        f = r.randbytes(r.randint(60, 300))
    elif kind == 'unknown-ethertype':
        f = p.frame(c2s, 0x88b5, r.randbytes(r.randint(46, 200)))
    elif kind == 'v4trunc':      # IHL 15 but only 46 bytes of IP in a 60-byte frame
        ip = ipv4(src, dst, 6, b'', g.ident(), opts=b'\x01' * 40)
        f = p.frame(c2s, 0x0800, ip[:46])
    elif kind == 'v4ihl<5':
        ip = bytearray(ipv4(src, dst, 17, r.randbytes(30), g.ident()))
        ip[0] = 0x43
        f = p.frame(c2s, 0x0800, bytes(ip))
    elif kind == 'v4totlen>frame':
        ip = bytearray(ipv4(src, dst, 17, r.randbytes(60), g.ident()))
        ip[2:4] = struct.pack('!H', 1400)
        f = p.frame(c2s, 0x0800, bytes(ip))
    elif kind == 'v4version6':
        ip = bytearray(ipv4(src, dst, 17, r.randbytes(40), g.ident()))
        ip[0] = 0x65
        f = p.frame(c2s, 0x0800, bytes(ip))
    elif kind == 'tcp-doff0':
        seg = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 0, SYN, 1024, 0, 0) + r.randbytes(20)
        f = p.frame(c2s, 0x0800, ipv4(src, dst, 6, put_csum(seg, 16, src, dst, 6), g.ident()))
    elif kind == 'udp-len>frame':
        seg = struct.pack('!HHHH', 40000, 53, 1000, 0) + r.randbytes(32)
        f = p.frame(c2s, 0x0800, ipv4(src, dst, 17, seg, g.ident()))
    elif kind == 'v6trunc':      # payload length 1000, TCP header cut after 6 bytes
        f = p.frame(c2s, 0x86dd, ipv6(src, dst, 6, struct.pack('!HHH', 40000, 80, 0)))
        f = f[:18] + struct.pack('!H', 1000) + f[20:]
    else:                        # 'v6chain': hop-by-hop header claiming 2048 bytes
        f = p.frame(c2s, 0x86dd, ipv6(src, dst, 0, b'\x11\xff' + r.randbytes(30)))
    return [(c2s, f, 'malformed:' + kind)]


GARBAGE = ['random', 'unknown-ethertype', 'v4trunc', 'v4ihl<5', 'v4totlen>frame', 'v4version6',
           'tcp-doff0', 'udp-len>frame', 'v6trunc', 'v6chain']


def build(seed, nflows):
    g = Gen(seed)
    r = g.r
    kinds = [(tcp_conv, False, 40), (tcp_conv, True, 12), (udp_conv, False, 14), (udp_conv, True, 7),
             (icmp_conv, False, 5), (icmp_conv, True, 3), (frag_conv, False, 4), (frag_conv, True, 3),
             (esp_conv, False, 2)]
    convs = []
    for _ in range(nflows):
        fn, v6, _w = r.choices(kinds, weights=[k[2] for k in kinds])[0]
        convs.append(fn(g, v6))
    convs += [arp_conv(g, False) for _ in range(max(4, nflows // 12))]
    convs += [l2_conv(g, False) for _ in range(max(2, nflows // 50))]
    convs += [garbage(g, GARBAGE[i % len(GARBAGE)]) for i in range(max(len(GARBAGE), nflows // 6))]
    r.shuffle(convs)
    # interleave: up to 24 conversations in progress, per-conversation order kept
    active, pending, frames = [], collections.deque(convs), []
    while active or pending:
        while pending and len(active) < 24:
            active.append(collections.deque(pending.popleft()))
        i = r.randrange(len(active))
        frames.append(active[i].popleft())
        if not active[i]:
            active.pop(i)
    return frames


def write_pcap(path, recs):
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, f in recs:
            fh.write(struct.pack('<IIII', ts // 1000000, ts % 1000000, len(f), len(f)) + f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out_dir')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--flows', type=int, default=260, help='number of IP conversations (default 260)')
    ap.add_argument('--stats', action='store_true', help='also print frame counts per category')
    a = ap.parse_args()
    frames = build(a.seed, a.flows)
    rng = random.Random(a.seed ^ 0x5eed)
    ts, files = 1_700_000_000_000_000, {True: [], False: []}
    for c2s, f, _cat in frames:
        ts += rng.randint(5, 400)          # one global clock: each file strictly increasing
        files[c2s].append((ts, f))
    os.makedirs(a.out_dir, exist_ok=True)
    write_pcap(os.path.join(a.out_dir, 'outside-in.pcap'), files[True])
    write_pcap(os.path.join(a.out_dir, 'inside-in.pcap'), files[False])
    if a.stats:
        for cat, n in sorted(collections.Counter(c for _, _, c in frames).items()):
            print('  %-28s %5d' % (cat, n))
    print('make_mixed_pcap: seed %d flows %d: outside-in.pcap %d frames, inside-in.pcap %d frames, %d total'
          % (a.seed, a.flows, len(files[True]), len(files[False]), len(frames)))


if __name__ == '__main__':
    main()
