#!/usr/bin/env python3
"""Inspection benchmark: one bulwark worker on an HTTP traffic mix of many connections
(handshake, keep-alive GETs and JSON POSTs with bodies, JSON responses split into
MSS-sized segments, FIN), preloaded by net_pcap (infinite_rx) on the outside port with
net_null as the sink. Configurations, in alternating rounds on the same input:

  plain      HTTP inspection off (--http-ports none): forwarding + flow tracking only
  rules-N    inspection on with a generated bundle of N rules (10, 1000, 10000): literal
             and regex tests over user-agent, path, uri, query parameters, headers,
             cookies and bodies, as real rule sets mix them; a few log rules match
             some of the traffic, the rest never do (clean traffic is the common case);
             API discovery off (its own configuration below)
  discovery  (--discovery) rules-10 with API discovery on, as bundles have it by
             default: every call followed to its response for the inventory, response
             heads and bodies scanned with the built-in sensitive-data classes
With --pii the JSON responses are pages of 1-20 customer records as the lab origin serves
them (name, e-mail, phone, card, address) instead of filler, so the scan finds and
validates matches.

For each: packets/s and Gbit/s of the forwarding worker (median over the steady window),
ratio to plain forwarding, requests/s and the cost per request relative to 10 rules.
Not a test: machines are noisy; compare ratios within one run. Needs root (hugepages).

With --callgrind each configuration also runs under valgrind (ordinary memory, 20 s) and
the worker thread's instructions per packet and per request are printed, and the part
of them in process_batch (the per-packet work: without the drivers' RX/TX and the
worker's housekeeping by the clock, which varies with the packet rate under valgrind); with
--baseline-build DIR the same for that build tree (its own bulwark-rules compiles the
rules), and the ratio this build / baseline.

usage: tools/bench_inspection.py [--seconds 6] [--rounds 2] [--conns 1500] [--rules 10,1000,10000]
                                 [--discovery] [--pii] [--build build]
                                 [--callgrind [--baseline-build DIR] [--keep-callgrind DIR]]
(--rounds 0 --callgrind: the instruction counts only, on ordinary memory)"""
import argparse
import json
import os
import random
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "offline"))
from make_mixed_pcap import ACK, FIN, PSH, SYN, eth, ipv4, put_csum, write_pcap  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tools", "lab"))
from origin import customer  # noqa: E402  (the lab origin's customer records)

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--seconds", type=int, default=6)
ap.add_argument("--rounds", type=int, default=2)
ap.add_argument("--conns", type=int, default=1500)
ap.add_argument("--rules", default="10,1000,10000")
ap.add_argument("--build", default=os.path.join(ROOT, "build"))
ap.add_argument("--discovery", action="store_true", help="add rules-10 with API discovery on")
ap.add_argument("--pii", action="store_true", help="responses carry customer records")
ap.add_argument("--callgrind", action="store_true",
                help="also count instructions per packet and per request of the worker under "
                     "valgrind, for each configuration (stable from run to run)")
ap.add_argument("--baseline-build", metavar="DIR",
                help="with --callgrind: the same counts for another build tree (e.g. the commit "
                     "before a change), on the same input in the same run, and the ratio")
ap.add_argument("--keep-callgrind", metavar="DIR",
                help="with --callgrind: keep each run's callgrind files in DIR/<build>-<configuration> "
                     "(for callgrind_annotate: where the instructions go)")
args = ap.parse_args()

UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
       "okhttp/4.12.0", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
       "MyShopApp/3.4.1 (Android 14; Pixel 8)", "python-requests/2.31.0"]


def traffic(path, conns, seed=1):
    """Writes the capture; returns (frames, requests, bytes)."""
    r = random.Random(seed)
    frames, requests = [], 0
    cmac, smac = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
    for c in range(conns):
        cip = bytes([198, 18, 1 + c // 250, 1 + c % 250])
        sip = bytes([198, 18, 0, 2])
        cport = 20000 + c
        seq = {True: r.getrandbits(32), False: r.getrandbits(32)}

        def send(c2s, flags, data=b""):
            sport, dport = (cport, 80) if c2s else (80, cport)
            ack = seq[not c2s] if flags & ACK else 0
            hdr = struct.pack("!HHIIBBHHH", sport, dport, seq[c2s], ack, 5 << 4, flags, 65535, 0, 0)
            src, dst = (cip, sip) if c2s else (sip, cip)
            seg = put_csum(hdr + data, 16, src, dst, 6)
            frames.append(eth(smac if c2s else cmac, cmac if c2s else smac, [], 0x0800, ipv4(src, dst, 6, seg, 1)))
            seq[c2s] = (seq[c2s] + len(data) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF

        send(True, SYN)
        send(False, SYN | ACK)
        send(True, ACK)
        ua, token = r.choice(UAS), "%032x" % r.getrandbits(128)
        for _ in range(r.randint(1, 4)):
            x = r.random()
            if x < 0.65:
                req = (f"GET /api/v1/customers/{r.randint(1, 99999)}?fields=name,email&lang=en HTTP/1.1\r\n"
                       f"Host: api.example.com\r\nUser-Agent: {ua}\r\nAccept: application/json\r\n"
                       f"Authorization: Bearer {token}\r\nCookie: session={token[:16]}; theme=dark\r\n\r\n").encode()
            elif x < 0.9:
                body = json.dumps({"customer": r.randint(1, 99999), "items": [
                    {"sku": "SKU-%06d" % r.randint(0, 999999), "qty": r.randint(1, 5)} for _ in range(r.randint(2, 20))]}).encode()
                req = (f"POST /api/v1/orders HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: {ua}\r\n"
                       f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            else:
                req = (f"GET /static/js/app.{r.randint(1, 50)}.js HTTP/1.1\r\nHost: api.example.com\r\n"
                       f"User-Agent: {ua}\r\nAccept: */*\r\n\r\n").encode()
            requests += 1
            for i in range(0, len(req), 1460):
                send(True, PSH | ACK, req[i:i + 1460])
            if args.pii:
                first = r.randint(1, 90000)
                body = json.dumps([customer(i) for i in range(first, first + r.randint(1, 20))]).encode()
            else:
                body = json.dumps({"id": r.randint(1, 99999), "data": "x" * r.randint(200, 4000)}).encode()
            resp = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            for i in range(0, len(resp), 1460):
                send(False, (PSH | ACK) if i + 1460 >= len(resp) else ACK, resp[i:i + 1460])
            send(True, ACK)
        send(True, FIN | ACK)
        send(False, FIN | ACK)
        send(True, ACK)
    write_pcap(path, [(i, f) for i, f in enumerate(frames)])
    return len(frames), requests, sum(len(f) for f in frames)


def rules_yaml(n, seed=2, discovery=False):
    """n rules of mixed kinds; a handful of log rules match part of the traffic."""
    r = random.Random(seed)
    out = [] if discovery else ["discovery:\n  enabled: false"]
    out.append("rules:")
    matching = [("user_agent", None, "contains", "okhttp/"), ("path", None, "prefix", "/static/js/app.1"),
                ("body", None, "contains", "SKU-00")]
    for i in range(n):
        rid = 500000 + i
        if i < len(matching) and n >= 10:
            field, name, op, pat = matching[i]
            action = "log"
        else:
            action = "block"
            k, tok = r.random(), "%08x" % r.getrandbits(32)
            if k < 0.30:
                field, name, op, pat = "user_agent", None, "contains", f"scanner-{tok}"
            elif k < 0.45:
                field, name, op, pat = "path", None, "prefix", f"/admin-{tok}/"
            elif k < 0.55:
                field, name, op, pat = "uri", None, "regex", f"/api/v[0-9]+/{tok}/[0-9]+"
            elif k < 0.65:
                field, name, op, pat = "query_param", "q", "regex", f"(?i)union\\s+select\\s+{tok}"
            elif k < 0.75:
                field, name, op, pat = "header", "X-Forwarded-For", "contains", f"10.{r.randint(0, 255)}.{tok}"
            elif k < 0.85:
                field, name, op, pat = "body", None, "contains", f"payload-{tok}"
            elif k < 0.93:
                field, name, op, pat = "cookie", "session", "equals", tok * 2
            else:
                field, name, op, pat = "host", None, "suffix", f".{tok}.example"
        cond = f"{{field: {field}, " + (f"name: {name}, " if name else "") + f"{op}: {json.dumps(pat)}}}"
        out.append(f"  - id: {rid}\n    name: bench rule {i}\n    action: {action}\n    match: {cond}")
    return "\n".join(out) + "\n"


work = tempfile.mkdtemp(prefix="bw-bench-insp-")
shm = f"/bw-bench-insp-{os.getpid()}"
dp = os.path.join(args.build, "dataplane", "bulwark-dataplane")
dump = os.path.join(args.build, "tools", "bulwark-statsdump")


def rules_tool(build):
    """bulwark-rules of a build tree (rules/bulwark-rules/ since the layout of step 7)."""
    for rel in (("rules", "bulwark-rules", "bulwark-rules"), ("control", "bulwark-rules")):
        if os.path.exists(os.path.join(build, *rel)):
            return os.path.join(build, *rel)
    sys.exit(f"no bulwark-rules in {build}")


tool = rules_tool(args.build)


def replay_flags(binary):
    """Both directions of the capture arrive on the outside port: builds that check a
    connection's sides against the ports are told so (older baselines have no such check)."""
    helptext = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    return ["--capture-replay"] if "--capture-replay" in helptext else []


def run(extra):
    cmd = [dp, "--main-core", "0", "--workers", "1", "--mbufs", "131072", "--stats-shm", shm,
           "--events", os.path.join(work, "events.jsonl"), *replay_flags(dp), *extra,
           "--outside", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--inside", "net_null0,no-rx=1",
           "--", "--log-level", "*:error"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if "forwarding with" in line:
            break
    else:
        sys.exit(f"bulwark-dataplane did not start: exit {p.wait()}")
    samples = []
    for _ in range(args.seconds + 2):
        time.sleep(1)
        j = json.loads(subprocess.check_output([dump, "--shm", shm, "--compact"]))
        t = j["total"]
        samples.append((time.monotonic(), t["queues"][1]["tx_packets"], t["queues"][1]["tx_bytes"],
                        t["http"]["requests"]))
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    steady = samples[2:]
    rates = [tuple((b[k] - a[k]) / (b[0] - a[0]) for k in (1, 2, 3)) for a, b in zip(steady, steady[1:])]
    return tuple(statistics.median(x[k] for x in rates) for k in range(3))


def callgrind(build, extra, keep=None, seconds=20):
    """(instructions of the busiest thread, packets forwarded, requests) of one run of
    `build`'s dataplane under valgrind; its callgrind files copied to `keep` if given."""
    out = os.path.join(work, "cg")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
           f"--callgrind-out-file={out}/cg.%p",
           os.path.join(build, "dataplane", "bulwark-dataplane"), "--main-core", "0", "--workers", "1",
           "--mbufs", "131072", "--stats-shm", shm, "--keep-stats", "--no-huge", "--memory-mb", "1024",
           "--events", os.path.join(work, "events.jsonl"),
           *replay_flags(os.path.join(build, "dataplane", "bulwark-dataplane")), *extra,
           "--outside", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--inside", "net_null0,no-rx=1",
           "--", "--log-level", "*:error"]
    # The clock starts once it forwards: under valgrind the start alone takes many seconds.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = []
    for line in p.stdout:
        said.append(line)
        if "forwarding with" in line:
            break
    else:
        sys.exit(f"bulwark-dataplane ({build}) did not start under valgrind: exit {p.wait()}\n" +
                 "".join(l for l in said if not l.startswith("==")))
    time.sleep(seconds)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=300)
    j = json.loads(subprocess.check_output([os.path.join(build, "tools", "bulwark-statsdump"),
                                            "--shm", shm, "--compact"]))
    subprocess.run(["rm", "-f", f"/dev/shm/{shm[1:]}"])
    best, batch = 0, 0
    for f in os.listdir(out):
        for line in open(os.path.join(out, f)):
            if line.startswith(("totals:", "summary:")):
                best = max(best, int(line.split()[1]))
        batch = max(batch, process_batch_ir(os.path.join(out, f)))
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(out, keep)
    t = j["total"]
    return best, batch, t["queues"][1]["tx_packets"], t["http"]["requests"]


def process_batch_ir(path):
    """Inclusive instructions of the worker's process_batch in a callgrind file: what the
    worker does per packet (parsing, flows, inspection), without the drivers' RX/TX and
    the housekeeping it runs by the clock, whose share per packet grows with the time a
    packet takes under valgrind."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "process_batch" in line:
            return int(line.split()[0].replace(",", ""))
    return 0


def callgrind_configs(build):
    """The configurations of this run with the rules compiled by `build`'s own tool."""
    own = rules_tool(build)
    out = []
    for name, extra in configs:
        if "--rules" in extra:
            y = extra[extra.index("--rules") + 1][:-len(".bwb")]
            b = f"{y}.{abs(hash(build))}.bwb"
            # Compiled under valgrind too: Hyperscan builds for the CPU it runs on, and
            # valgrind's CPU lacks the host's newer instructions.
            subprocess.run(["valgrind", "--tool=none", own, "compile", y, "-o", b], check=True,
                           capture_output=True)
            extra = [b if x == extra[extra.index("--rules") + 1] else x for x in extra]
        out.append((name, extra))
    return out


try:
    pcap = os.path.join(work, "http.pcap")
    frames, requests, nbytes = traffic(pcap, args.conns)
    print(f"input: {args.conns} connections, {requests} requests, {frames} frames "
          f"({nbytes / frames:.0f} B/frame average), replayed from memory")
    configs = [("plain", ["--http-ports", "none"])]
    for n in [int(x) for x in args.rules.split(",")]:
        y = os.path.join(work, f"rules{n}.yaml")
        open(y, "w").write(rules_yaml(n))
        t0 = time.monotonic()
        subprocess.run([tool, "compile", y, "-o", y + ".bwb"], check=True, capture_output=True)
        print(f"rules-{n}: compiled in {time.monotonic() - t0:.1f} s, bundle {os.path.getsize(y + '.bwb')} bytes")
        configs.append((f"rules-{n}", ["--rules", y + ".bwb"]))
    if args.discovery:
        y = os.path.join(work, "discovery.yaml")
        open(y, "w").write(rules_yaml(10, discovery=True))
        subprocess.run([tool, "compile", y, "-o", y + ".bwb"], check=True, capture_output=True)
        configs.append(("discovery", ["--rules", y + ".bwb"]))
    results = {name: [] for name, _ in configs}
    for rnd in range(args.rounds):
        for name, extra in configs:
            results[name].append(run(extra))
            pps, bps, rps = results[name][-1]
            print(f"round {rnd + 1} {name:>11}: {pps / 1e6:6.3f} Mpps {bps * 8 / 1e9:6.2f} Gbit/s "
                  f"{rps / 1e3:8.1f} k requests/s")
    # --rounds 0: only the callgrind counts (no hugepages needed).
    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in results.items() if v}
    base = med["plain"][0] if med else 0
    if med:
        print("\nmedian over rounds (one worker):")
    first = next((k for k in med if k != "plain"), None)
    for name, (pps, bps, rps) in med.items():
        line = f"{name:>11}: {pps / 1e6:6.3f} Mpps  {bps * 8 / 1e9:6.2f} Gbit/s  ratio to plain {pps / base:5.3f}"
        if name != "plain" and rps:
            line += f"  cost per request vs {first}: {med[first][2] / rps:5.3f}"
        print(line)
    if args.callgrind:
        builds = [("this", args.build)] + ([("baseline", args.baseline_build)] if args.baseline_build else [])
        counts = {}
        print("\ncallgrind, worker thread (valgrind, 20 s per configuration):")
        for label, build in builds:
            for name, extra in callgrind_configs(build):
                keep = os.path.join(args.keep_callgrind, f"{label}-{name}") if args.keep_callgrind else None
                ir, batch, pkts, reqs = callgrind(build, extra, keep)
                per = lambda x, n: x / n if n else 0.0  # noqa: E731
                counts[(label, name)] = (per(ir, pkts), per(batch, pkts), per(ir, reqs))
                print(f"{label:>8} {name:>11}: {per(ir, pkts):8.1f} instructions/packet, "
                      f"{per(batch, pkts):8.1f} of them in process_batch, "
                      f"{per(ir, reqs):9.1f} instructions/request ({pkts} packets)")
        if args.baseline_build:
            for name, _ in configs:
                a, b = counts[("this", name)], counts[("baseline", name)]
                if a[0] and b[0]:
                    print(f"{name:>11}: this/baseline instructions/packet {a[0] / b[0]:.3f}, "
                          f"in process_batch {a[1] / b[1] if b[1] else 0:.3f}")
finally:
    subprocess.run(["rm", "-f", f"/dev/shm/{shm[1:]}"])
    shutil.rmtree(work, ignore_errors=True)
