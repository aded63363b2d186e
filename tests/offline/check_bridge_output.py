#!/usr/bin/env python3
"""check_bridge_output.py - oracle for Bulwark offline (pcap in / pcap out) bridge tests.

Usage:
  check_bridge_output.py --outside-in F --inside-in F \
      --outside-out F1[,F2...] --inside-out F1[,F2...] [--workers N]

The bridge must send every frame received on one port out of the other port,
byte for byte.  --outside-out are the frames transmitted on the outside port
(must equal --inside-in) and --inside-out those transmitted on the inside port
(must equal --outside-in); with several TX queues, one file per queue in queue
order (file index = worker).  Checks:
  a. none lost, added or altered (multiset of exact frame bytes per direction);
  b. per-flow order preserved inside every output file;
  c. (more than one queue) each TCP/UDP non-fragmented flow, both directions,
     was transmitted by a single worker; every worker got flows (if >= 20).
Exit 0 if all pass, 1 otherwise.  Python 3 stdlib only; classic pcap only.
"""
import argparse
import collections
import ipaddress
import struct
import sys

VLAN_TPIDS = (0x8100, 0x88a8, 0x9100)
V6_EXT = (0, 43, 60, 44, 51)            # hop-by-hop, routing, dest opts, fragment, AH
MAGICS = {b'\xd4\xc3\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>',    # microsecond
          b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\x3c\x4d': '>'}    # nanosecond
SHOW = 5                                # detail lines per failure kind


def read_pcap(path):
    """Return the list of captured frames (bytes) of a classic pcap file."""
    with open(path, 'rb') as fh:
        data = fh.read()
    if data[:4] == b'\x0a\x0d\x0d\x0a':
        raise ValueError('%s: pcapng is not supported (classic pcap only)' % path)
    if len(data) < 24 or data[:4] not in MAGICS:
        raise ValueError('%s: not a classic pcap file' % path)
    e = MAGICS[data[:4]]
    link = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    if link != 1:
        raise ValueError('%s: linktype %d, expected 1 (Ethernet)' % (path, link))
    frames, off, snapped = [], 24, 0
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError('%s: truncated record header at byte %d' % (path, off))
        incl, orig = struct.unpack(e + 'II', data[off + 8:off + 16])
        if off + 16 + incl > len(data):
            raise ValueError('%s: truncated frame #%d' % (path, len(frames) + 1))
        frames.append(data[off + 16:off + 16 + incl])
        snapped += incl < orig
        off += 16 + incl
    if snapped:
        print('warning: %s: %d frame(s) captured shorter than on the wire' % (path, snapped))
    return frames


def flow_key(f, raw):
    """(key, is_l4_flow).  Independent of the dataplane's parser on purpose."""
    bad = (('non-IP/unparsable', raw), False)
    be16 = lambda o: (f[o] << 8) | f[o + 1]
    if len(f) < 14:
        return bad
    et, off, vlan = be16(12), 14, None
    while et in VLAN_TPIDS:
        if len(f) < off + 4:
            return bad
        if vlan is None:
            vlan = be16(off) & 0xfff
        et, off = be16(off + 2), off + 4
    if et == 0x0800:
        if len(f) < off + 20:
            return bad
        ihl, tot = (f[off] & 15) * 4, be16(off + 2)
        if f[off] >> 4 != 4 or ihl < 20 or tot < ihl or off + tot > len(f):
            return bad
        proto, src, dst = f[off + 9], f[off + 12:off + 16], f[off + 16:off + 20]
        frag, l4, end = be16(off + 6) & 0x3fff != 0, off + ihl, off + tot
    elif et == 0x86dd:
        if len(f) < off + 40 or f[off] >> 4 != 6:
            return bad
        end = off + 40 + be16(off + 4)
        if end > len(f):
            return bad
        proto, src, dst, l4, frag = f[off + 6], f[off + 8:off + 24], f[off + 24:off + 40], off + 40, False
        while proto in V6_EXT:
            if l4 + 8 > end:
                return bad
            frag |= proto == 44
            nxt = f[l4]
            l4 += 8 if proto == 44 else (f[l4 + 1] + 2) * 4 if proto == 51 else (f[l4 + 1] + 1) * 8
            proto = nxt
        if l4 > end:
            return bad
    else:
        return bad
    if not frag and proto in (6, 17):
        ok = (l4 + 20 <= end and f[l4 + 12] >> 4 >= 5 and l4 + (f[l4 + 12] >> 4) * 4 <= end) if proto == 6 \
            else (l4 + 8 <= end and 8 <= be16(l4 + 4) and l4 + be16(l4 + 4) <= end)
        if ok:
            return (vlan, proto, tuple(sorted([(src, be16(l4)), (dst, be16(l4 + 2))]))), True
    return (vlan, proto, tuple(sorted([src, dst]))), False


def fmt_key(k):
    if k[0] == 'non-IP/unparsable':
        return 'non-IP/unparsable frames of %s' % k[1]
    vlan, proto, ends = k
    name = {6: 'TCP', 17: 'UDP', 1: 'ICMP', 58: 'ICMPv6'}.get(proto, 'proto %d' % proto)
    ep = lambda e: ('[%s]:%d' % (ipaddress.ip_address(e[0]), e[1])) if isinstance(e, tuple) else str(ipaddress.ip_address(e))
    return '%s%s %s <-> %s' % ('' if vlan is None else 'vlan %d ' % vlan, name, ep(ends[0]), ep(ends[1]))


class Direction:
    """Frames received on one port (in_file) and transmitted on the other (out_files)."""

    def __init__(self, name, in_file, out_files):
        self.name, self.in_file, self.out_files = name, in_file, out_files
        self.inp = read_pcap(in_file)
        self.outs = [read_pcap(p) for p in out_files]
        self.keys = {}                                   # frame bytes -> (key, is_l4_flow)
        for f in self.inp + [f for o in self.outs for f in o]:
            if f not in self.keys:
                self.keys[f] = flow_key(f, in_file)

    def check_a(self):
        cin = collections.Counter(self.inp)
        cout = collections.Counter(f for o in self.outs for f in o)
        lost, added = cin - cout, cout - cin
        n_out = sum(len(o) for o in self.outs)
        head = '%s: %d in, %d out (%s per file)' % (self.name, len(self.inp), n_out, '+'.join(str(len(o)) for o in self.outs))
        if not lost and not added:
            return True, ['[PASS] a. %s; none lost, added or altered' % head]
        msg = ['[FAIL] a. %s; %d lost, %d added/altered' % (head, sum(lost.values()), sum(added.values()))]
        where_in = {f: i + 1 for i, f in reversed(list(enumerate(self.inp)))}
        lost_list = list(lost.elements())
        for f in list(added.elements())[:SHOW]:
            q, n = next((q, n + 1) for q, o in enumerate(self.outs) for n, g in enumerate(o) if g == f)
            same = [g for g in lost_list if len(g) == len(f)]
            g = min(same, key=lambda g: sum(a != b for a, b in zip(f, g)), default=None)
            if g is None or sum(a != b for a, b in zip(f, g)) > max(2, len(f) // 8):   # not a near-copy
                msg.append('    added: %s frame #%d (%d bytes), %s' % (self.out_files[q], n, len(f), fmt_key(self.keys[f][0])))
            else:
                diff = [i for i, (a, b) in enumerate(zip(f, g)) if a != b]
                msg.append('    altered: %s frame #%d = %s frame #%d with %d byte(s) changed, first at offset %d'
                           % (self.out_files[q], n, self.in_file, where_in[g], len(diff), diff[0]))
        for f in lost_list[:SHOW]:
            msg.append('    lost: %s frame #%d (%d bytes), %s' % (self.in_file, where_in[f], len(f), fmt_key(self.keys[f][0])))
        return False, msg

    def check_b(self):
        flows_in = collections.defaultdict(list)         # key -> [(input frame no, bytes)]
        for i, f in enumerate(self.inp):
            flows_in[self.keys[f][0]].append((i + 1, f))
        bad, seqs, msg, known = 0, 0, [], set(self.inp)
        for q, o in enumerate(self.outs):
            per_flow = collections.defaultdict(list)
            for n, f in enumerate(o):
                if f in known:                           # added frames are check a's business
                    per_flow[self.keys[f][0]].append((n + 1, f))
            for key, seq in per_flow.items():
                seqs += 1
                src, p, prev = flows_in[key], 0, None
                for k, (n, f) in enumerate(seq):         # greedy subsequence match
                    while p < len(src) and src[p][1] != f:
                        p += 1
                    if p == len(src):
                        bad += 1
                        if bad <= SHOW:
                            first = next(i for i, g in src if g == f)
                            extra = [g for _, g in seq[:k + 1]].count(f) > [g for _, g in src].count(f)
                            msg.append('    %s: %s frame #%d (input #%d) %s output frame #%d (input #%d)' % (
                                fmt_key(key), self.out_files[q], n, first,
                                'is an extra copy, after' if extra else 'sent after', *prev))
                        break
                    prev, p = (n, src[p][0]), p + 1
        if bad:
            return False, ['[FAIL] b. %s: %d of %d flow sequences out of order' % (self.name, bad, seqs)] + msg
        return True, ['[PASS] b. %s: order kept in all %d per-file flow sequences (%d flows)' % (self.name, seqs, len(flows_in))]


def check_c(dirs, nq):
    """Each TCP/UDP non-fragmented flow: all its frames, both directions, on one queue index."""
    where = collections.defaultdict(lambda: collections.Counter())   # key -> Counter((dir, q))
    for d in dirs:
        for q, o in enumerate(d.outs):
            for f in o:
                key, l4 = d.keys[f]
                if l4:
                    where[key][(d.name, q)] += 1
    spread = {k: c for k, c in where.items() if len({q for _, q in c}) > 1}
    per_worker = [0] * nq
    for k, c in where.items():
        if k not in spread:
            per_worker[next(iter(c))[1]] += 1
    both = sum(1 for c in where.values() if len({d for d, _ in c}) == 2)
    dist = ' '.join('w%d=%d' % (q, n) for q, n in enumerate(per_worker))
    msg = ['    %d TCP/UDP flows checked (%d seen in both directions); flows per worker: %s' % (len(where), both, dist)]
    ok = not spread
    for k, c in list(spread.items())[:SHOW]:
        msg.append('    spread: %s: %s' % (fmt_key(k), ', '.join('%s q%d: %d' % (d, q, n) for (d, q), n in sorted(c.items()))))
    idle = [q for q, n in enumerate(per_worker) if n == 0]
    if idle and len(where) >= 20:
        ok = False
        msg.append('    worker(s) %s got no flows out of %d' % (','.join(map(str, idle)), len(where)))
    head = '[%s] c. worker affinity: %d of %d flows spread over >1 worker' % ('PASS' if ok else 'FAIL', len(spread), len(where))
    return ok, [head] + msg, 'flows %s' % dist


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--outside-in', required=True, help='pcap fed to the outside port')
    ap.add_argument('--inside-in', required=True, help='pcap fed to the inside port')
    ap.add_argument('--outside-out', required=True, help='pcap(s) sent on the outside port, comma-separated, queue order')
    ap.add_argument('--inside-out', required=True, help='pcap(s) sent on the inside port, comma-separated, queue order')
    ap.add_argument('--workers', type=int, help='number of workers/TX queues (default: number of output files)')
    a = ap.parse_args()
    o_out, i_out = a.outside_out.split(','), a.inside_out.split(',')
    nq = a.workers or len(o_out)
    if not (len(o_out) == len(i_out) == nq):
        print('check_bridge_output: FAIL (need %d output file(s) per port, got outside %d, inside %d)'
              % (nq, len(o_out), len(i_out)))
        return 1
    try:
        dirs = [Direction('outside->inside', a.outside_in, i_out), Direction('inside->outside', a.inside_in, o_out)]
    except (OSError, ValueError) as e:
        print('check_bridge_output: FAIL (%s)' % e)
        return 1
    results = []
    for name, check in (('a', 'check_a'), ('b', 'check_b')):
        for d in dirs:
            ok, msg = getattr(d, check)()
            print('\n'.join(msg))
            results.append((name, ok))
    summary = ['%d frames' % sum(len(d.inp) for d in dirs)]
    if nq > 1:
        ok, msg, dist = check_c(dirs, nq)
        print('\n'.join(msg))
        results.append(('c', ok))
        summary.append(dist)
    else:
        print('[SKIP] c. worker affinity: single TX queue per port')
    failed = sorted({n for n, ok in results if not ok})
    if failed:
        print('check_bridge_output: FAIL (check(s) %s failed; %s)' % (','.join(failed), ', '.join(summary)))
        return 1
    print('check_bridge_output: OK (%s, %d queue(s): checks %s passed)'
          % (', '.join(summary), nq, ','.join(sorted({n for n, _ in results}))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
