#!/usr/bin/env bash
# Lab: differential parsing. The same corpus of requests (differential/client.py: the lab
# rules' targets in spellings real servers parse differently) goes through the appliance
# to three real origins behind it, each logging what it parsed: Debian's nginx (8081,
# $uri after its normalisation, bodies read by proxying), Node.js's own parser (8082) and
# Python's http.server (8083). For every request an origin acted on, what it saw is
# checked against the rules Bulwark enforces: had the origin seen a blocked target
# (after decoding, dot segments, merged slashes, path parameters, absolute-form, a
# trailing slash: what any application might route on; bodies raw, form-decoded and
# JSON-unescaped), Bulwark let through a request
# it had to stop. Clean controls must reach every origin.
# Usage: differential_test.sh DATAPLANE STATSDUMP RULES_TOOL (root).
DATAPLANE=$1 STATSDUMP=$2 RULES_TOOL=$3
source "$(dirname "$0")/lib.sh"
DIFF=$LAB_ROOT/tests/lab/differential

"$RULES_TOOL" compile "$LAB_ROOT/tests/lab/rulesets/lab.yaml" -o "$TMP/lab.bwb" --version 11 2>/dev/null ||
  fail "the lab rules do not compile"
command -v nginx >/dev/null || fail "nginx is not installed (tools/setup.sh installs nginx-light)"
"$LABSH" up >/dev/null
"$LABSH" start-dataplane --rules "$TMP/lab.bwb" --http-ports 80,8081,8082,8083 >/dev/null

sed "s|@DIR@|$TMP|g" "$DIFF/nginx.conf.in" >"$TMP/nginx.conf"
mkdir -p "$TMP/nginx-body" "$TMP/nginx-proxy"
# ip netns exec execs the command: $! is the origin itself, stopped by PID on exit (not
# through a shell function: a backgrounded function is a subshell, and killing it leaves
# the origin running).
in_server() { ip netns exec "$LAB-server" "$@"; }
ip netns exec "$LAB-server" python3 "$DIFF/python_origin.py" 8090 /dev/null 2>/dev/null &
BG_PIDS+=($!)
ip netns exec "$LAB-server" nginx -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" &
BG_PIDS+=($!)
ip netns exec "$LAB-server" node "$DIFF/node_origin.js" 8082 "$TMP/node.jsonl" &
BG_PIDS+=($!)
ip netns exec "$LAB-server" python3 "$DIFF/python_origin.py" 8083 "$TMP/python.jsonl" 2>/dev/null &
BG_PIDS+=($!)
for port in 8081 8082 8083 8090; do
  for ((i = 0; i < 50; i++)); do
    in_server bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break
    sleep 0.1
  done
  ((i < 50)) || fail "origin on port $port did not start"
done
pass "origins up: nginx $(nginx -v 2>&1 | sed 's/.*\///'), node $(node --version), python $(python3 -c 'import sys; print(sys.version.split()[0])')"

client python3 "$DIFF/client.py" 198.18.0.2 8081 8082 8083 >"$TMP/corpus.json"
sleep 0.5
python3 - "$TMP/corpus.json" "$TMP/nginx.jsonl" "$TMP/node.jsonl" "$TMP/python.jsonl" <<'PY' ||
import json, re, sys
from urllib.parse import unquote_plus, unquote_to_bytes

corpus = json.load(open(sys.argv[1]))

def logged(path, nginx=False):
    out = {}
    try:
        lines = open(path, encoding="latin-1").read().splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        e = json.loads(line)
        if nginx and int(e["status"]) >= 400:
            continue  # nginx refused it: not acted on
        if e["id"].isdigit():
            out[e["id"]] = e
    return out

def views(target):
    """What an application might route on: absolute-form reduced to its path, query and
    fragment cut, percent-decoded, path parameters cut (Tomcat), dot segments resolved,
    slashes merged, a trailing slash dropped; each step's result counts."""
    t = target
    m = re.match(r"(?i)^[a-z][a-z0-9+.-]*://[^/]*(/.*)?$", t)
    if m:
        t = m.group(1) or "/"
    t = t.split("#")[0].split("?")[0]
    seen = {t}
    d = unquote_to_bytes(t).decode("latin-1")
    seen.add(d)
    for p in list(seen):
        seen.add(re.sub(r";[^/]*", "", p))
    for p in list(seen):
        parts = []
        for seg in p.split("/"):
            if seg in ("", "."):
                continue
            if seg == "..":
                parts and parts.pop()
                continue
            parts.append(seg)
        seen.add("/" + "/".join(parts))
    for p in list(seen):
        if len(p) > 1 and p.endswith("/"):
            seen.add(p.rstrip("/"))
    return seen

def bodies(body):
    """The body as an application may read it: raw, form-decoded, JSON-unescaped."""
    seen = {body, unquote_plus(body, encoding="latin-1")}
    seen.add(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body))
    return seen

def breaks_rule(e):
    paths = views(e["target"])
    if any(p.startswith("/api/v1/orders/666") for p in paths):
        return "rule 9002 (path /api/v1/orders/666)"
    if any(p.endswith("/etc/passwd") for p in paths):
        return "rule 9004 (path */etc/passwd)"
    if e["method"].upper() == "POST" and "/login" in paths and any(
            "' or 1=1" in b.lower() for b in bodies(e["body"])):
        return "rule 9005 (POST /login with ' or 1=1)"
    return None

ok = True
for origin, path in (("nginx", sys.argv[2]), ("node", sys.argv[3]), ("python", sys.argv[4])):
    got = logged(path, nginx=origin == "nginx")
    for i, c in sorted(corpus.items(), key=lambda kv: int(kv[0])):
        e = got.get(i)
        if c["name"].startswith("control"):
            if e is None:
                print(f"FAIL: {origin}: control '{c['name']}' did not reach it")
                ok = False
            continue
        if e is None:
            continue  # stopped by Bulwark, or refused by the origin
        why = breaks_rule(e)
        if why:
            print(f"FAIL: {origin} acted on '{c['name']}' as {e['method']} {e['target']!r} "
                  f"body {e['body'][:40]!r}: {why}, not enforced")
            ok = False
    print(f"ok: {origin}: {len(got)} of {len(corpus)} requests acted on, none against a rule")
sys.exit(0 if ok else 1)
PY
  fail "an origin acted on a request Bulwark had to stop"
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
