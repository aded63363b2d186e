#!/usr/bin/env python3
"""Prints a short human summary of `bulwark-statsdump` JSON read from stdin."""
import json
import sys

j = json.load(sys.stdin)
t = j["total"]
for p, q in zip(j["ports"], t["queues"]):
    print(f"{p['role']:8} rx {q['rx_packets']:>8} pkts {q['rx_bytes']:>11} B   "
          f"tx {q['tx_packets']:>8} pkts   tx drops {q['tx_drops']}   missed {p['rx_missed']}")
f = t["flows"]
print(f"flows    active {f['active']} created {f['created']} expired {f['expired']} "
      f"evicted {f['evicted']}  ({j['flow_entry_bytes']} bytes per flow)")
print("packets  " + " ".join(f"{k}={v}" for k, v in t["packets"].items()))
print(f"malformed {sum(t['malformed'].values())}   hand-offs {t['handoff_out']} "
      f"(dropped {t['handoff_drops']})   worker busy ratio {t['busy_ratio']:.3f}")
