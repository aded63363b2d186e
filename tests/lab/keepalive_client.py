#!/usr/bin/env python3
"""Lab helper: one HTTP/1.1 keep-alive connection that sends a request every INTERVAL
seconds for SECONDS seconds (bounded). Prints `requests=N ok=N errors=N reconnects=N
max_gap_ms=N` (the longest wait between two answers, the first one from the start).
The SYN-flood test uses it to show an established connection keeps working."""
import http.client
import sys
import time

host, seconds, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection(host, 80, timeout=5)
requests = ok = errors = 0
conn.connect()
sock = conn.sock
end = time.monotonic() + seconds
last = time.monotonic()
max_gap = 0.0
while time.monotonic() < end:
    requests += 1
    try:
        conn.request("GET", "/api/v1/products/1")
        r = conn.getresponse()
        r.read()
        ok += r.status == 200
        errors += r.status != 200
        now = time.monotonic()
        max_gap, last = max(max_gap, now - last), now
    except Exception as e:  # noqa: BLE001 - any failure is the measurement
        errors += 1
        print("error:", e, file=sys.stderr)
        conn.close()
    time.sleep(interval)
reconnects = int(conn.sock is not sock)
print(f"requests={requests} ok={ok} errors={errors} reconnects={reconnects} "
      f"max_gap_ms={int(max_gap * 1000)}", flush=True)
