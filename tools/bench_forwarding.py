#!/usr/bin/env python3
"""Forwarding benchmark: one bulwark worker (parsing + flow tracking, always on) against
dpdk-testpmd io-forwarding, in the same run, on the same input: a generated mixed
capture preloaded into memory by net_pcap (infinite_rx) on port 0, net_null (no-rx) as
the sink on port 1, main lcore on CPU 0, the one forwarding lcore on CPU 1. Both are
sampled the same way: packets transmitted on port 1, counted once a second, median
rate over the steady window. Rounds alternate testpmd and bulwark (the machine's noise
hits both alike); prints each round's rates and ratio, and the median ratio. With
--callgrind it also runs both under valgrind and prints instructions per packet of the
forwarding thread (stable from run to run). Not a test: machines
are noisy; compare the ratio, not the absolute numbers. Needs root (hugepages).

usage: tools/bench_forwarding.py [--seconds 8] [--flows 2000] [--build build]"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--seconds", type=int, default=8)
ap.add_argument("--flows", type=int, default=2000)
ap.add_argument("--build", default=os.path.join(ROOT, "build"))
ap.add_argument("--rounds", type=int, default=3, help="alternating testpmd/bulwark rounds")
ap.add_argument("--callgrind", action="store_true",
                help="also count instructions per packet of the forwarding thread under valgrind")
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="bw-bench-")
shm = f"/bw-bench-{os.getpid()}"


def median_rate(samples):
    """samples: [(t, cumulative packets)] -> median packets/s over the steady window
    (the first two samples are warm-up)."""
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:])][2:]
    return statistics.median(rates) if rates else 0.0


def testpmd_cmd(pcap, memory=("--in-memory",), stats_period=("--stats-period", "1")):
    # With --stats-period testpmd prints statistics until SIGINT; without it, it forwards
    # until a line arrives on stdin and prints the accumulated statistics on the way out.
    return ["dpdk-testpmd", "-l", "0,1", *memory, "--no-pci", "--log-level", "*:error",
            "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--vdev", "net_null0,no-rx=1",
            "--", "--forward-mode=io", "--auto-start", *stats_period, "--total-num-mbufs=65536"]


def bulwark_cmd(pcap, extra=()):
    # Plain forwarding with flow tracking: HTTP inspection off (tools/bench_inspection.py
    # measures that).
    return [os.path.join(args.build, "dataplane", "bulwark-dataplane"), "--main-core", "0",
            "--workers", "1", "--mbufs", "65536", "--stats-shm", shm, "--http-ports", "none", "--tls-ports", "none", *extra,
            "--outside", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--inside", "net_null0,no-rx=1",
            "--", "--log-level", "*:error"]


def run_testpmd(pcap):
    cmd = testpmd_cmd(pcap)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    samples, port = [], None
    end = time.monotonic() + args.seconds + 3
    for line in p.stdout:
        m = re.search(r"NIC statistics for port (\d+)", line)
        if m:
            port = int(m.group(1))
        m = re.search(r"TX-packets:\s+(\d+)", line)
        if m and port == 1:
            samples.append((time.monotonic(), int(m.group(1))))
        if time.monotonic() > end:
            break
    p.send_signal(signal.SIGINT)
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return median_rate(samples)


def run_bulwark(pcap):
    dump = os.path.join(args.build, "tools", "bulwark-statsdump")
    p = subprocess.Popen(bulwark_cmd(pcap), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if "forwarding with" in line:
            break
    else:
        sys.exit(f"bulwark-dataplane did not start: exit {p.wait()}")
    samples, flows = [], 0
    for _ in range(args.seconds + 3):
        time.sleep(1)
        j = json.loads(subprocess.check_output([dump, "--shm", shm, "--compact"]))
        samples.append((time.monotonic(), j["total"]["queues"][1]["tx_packets"]))
        flows = j["total"]["flows"]["active"]
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)
    return median_rate(samples), flows


def busiest_thread_ir(prefix):
    """Instructions of the thread that ran the most (the forwarding lcore)."""
    best = 0
    for f in os.listdir(work):
        if f.startswith(prefix):
            for line in open(os.path.join(work, f)):
                if line.startswith("totals:") or line.startswith("summary:"):
                    best = max(best, int(line.split()[1]))
    return best


def process_batch_ir(prefix):
    """Inclusive instructions of bulwark's process_batch (parsing, flows; no driver RX/TX,
    no housekeeping by the clock, whose share per packet varies with valgrind's pace)."""
    best = 0
    for f in os.listdir(work):
        if f.startswith(prefix):
            out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                                  os.path.join(work, f)], capture_output=True, text=True).stdout
            for line in out.splitlines():
                if "process_batch" in line:
                    best = max(best, int(line.split()[0].replace(",", "")))
                    break
    return best


def callgrind(pcap, seconds=25):
    vg = ["valgrind", "--tool=callgrind", "--separate-threads=yes"]
    # valgrind cannot run on hugepages: both use ordinary memory here.
    # testpmd: packets from its closing statistics.
    p = subprocess.Popen(vg + [f"--callgrind-out-file={work}/tp.%p"] +
                         testpmd_cmd(pcap, ("--no-huge", "-m", "1024", "--no-shconf"), ()),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(seconds)
    out, _ = p.communicate("\n", timeout=300)
    tx = [int(x) for x in re.findall(r"TX-packets:\s+(\d+)", out.split("Accumulated forward statistics")[-1])]
    tp_pkts = max(tx) if tx else 0
    # bulwark: packets from the stats segment it keeps after exit.
    p = subprocess.Popen(vg + [f"--callgrind-out-file={work}/bw.%p"] + bulwark_cmd(pcap, ["--keep-stats", "--no-huge", "--memory-mb", "1024"]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=300)
    dump = os.path.join(args.build, "tools", "bulwark-statsdump")
    j = json.loads(subprocess.check_output([dump, "--shm", shm, "--compact"]))
    bw_pkts = j["total"]["queues"][1]["tx_packets"]
    subprocess.run(["rm", "-f", f"/dev/shm/{shm[1:]}"])
    return busiest_thread_ir("tp."), tp_pkts, busiest_thread_ir("bw."), bw_pkts, process_batch_ir("bw.")


try:
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "offline", "make_mixed_pcap.py"), work,
                    "--flows", str(args.flows), "--seed", "11"], check=True, stdout=subprocess.DEVNULL)
    pcap = os.path.join(work, "outside-in.pcap")
    print(f"input: {pcap.split('/')[-1]} ({args.flows} conversations, mixed sizes), "
          f"{args.rounds} rounds of {args.seconds} s each")
    ratios = []
    for r in range(args.rounds):
        base = run_testpmd(pcap)
        ours, flows = run_bulwark(pcap)
        ratios.append(ours / base if base else 0.0)
        print(f"round {r + 1}: testpmd io-fwd {base / 1e6:6.2f} Mpps   bulwark {ours / 1e6:6.2f} Mpps "
              f"({flows} flows tracked)   ratio {ratios[-1]:.3f}")
    if ratios:
        print(f"median ratio bulwark/testpmd (throughput): {statistics.median(ratios):.3f}")
    if args.callgrind:
        tp_ir, tp_pkts, bw_ir, bw_pkts, bw_batch = callgrind(pcap)
        if tp_pkts and bw_pkts:
            tp, bw = tp_ir / tp_pkts, bw_ir / bw_pkts
            print(f"callgrind instructions/packet (forwarding thread): testpmd {tp:.1f}  bulwark {bw:.1f}"
                  f"  ratio testpmd/bulwark {tp / bw:.3f}; bulwark's process_batch "
                  f"{bw_batch / bw_pkts:.1f}")
        else:
            print(f"callgrind: no packets counted (testpmd {tp_pkts}, bulwark {bw_pkts})")
finally:
    shutil.rmtree(work, ignore_errors=True)
