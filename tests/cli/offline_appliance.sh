# Shared by the cli tests (source it): an appliance without a network. bulwark-control
# with a private state directory and the lab rules as version 1, and bulwark-dataplane
# on net_pcap replaying HTTP requests (tests/offline/make_split_requests_pcap.py, some
# matching the lab rules) with no hugepages, connected to it. Set CONTROL, CTL, DP,
# RULES, WORK (a private directory) and SHM (a stats segment name) first; the caller
# stops $cpid and $dpid (stop_appliance) on exit.
APPLIANCE_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cpid= dpid=

# Writes $WORK/config.yaml and $WORK/lab.yaml, the state bulwark-control starts from.
write_appliance_files() {
  cat >"$WORK/config.yaml" <<YAML
dataplane:
  socket: $WORK/dp.sock
  stats_shm: $SHM
metrics:
  listen: "off"
events:
  file: $WORK/events.jsonl
YAML
  cp "$APPLIANCE_TESTS/lab/rulesets/lab.yaml" "$WORK/lab.yaml"
}

# Starts bulwark-control on $WORK/ctl.sock; false (log shown) if it does not come up.
start_control() {
  "$CONTROL" --state-dir "$WORK/state" --socket "$WORK/ctl.sock" \
    --initial-config "$WORK/config.yaml" --initial-rules "$WORK/lab.yaml" >"$WORK/control.log" 2>&1 &
  cpid=$!
  for ((i = 0; i < 100; i++)); do [[ -S $WORK/ctl.sock ]] && return 0; sleep 0.1; done
  cat "$WORK/control.log"
  return 1
}

# Starts the dataplane on the lab rules; sets $frames (frames in the capture). Returns
# once bulwark-control has it connected with its rules pushed (20 s at most; false if not).
start_offline_dataplane() {
  "$RULES" compile "$WORK/lab.yaml" -o "$WORK/start.bwb" --version 1 >/dev/null 2>&1 || return 1
  frames=$(python3 "$APPLIANCE_TESTS/offline/make_split_requests_pcap.py" "$WORK/in.pcap")
  python3 -c "import sys,struct; open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$WORK/empty.pcap"
  "$DP" --no-huge --capture-replay --stats-shm "$SHM" --main-core 0 --workers 1 \
    --control-socket "$WORK/dp.sock" \
    --rules "$WORK/start.bwb" \
    --outside "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/to-clients.pcap" \
    --inside "net_pcap1,rx_pcap=$WORK/empty.pcap,tx_pcap=$WORK/to-servers.pcap" \
    >"$WORK/dataplane.log" 2>&1 &
  dpid=$!
  for ((i = 0; i < 200; i++)); do
    "$CTL" --socket "$WORK/ctl.sock" --json status 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j["dataplane"]["connected"] and j["rules"]["in_sync"] else 1)' && return 0
    sleep 0.1
  done
  tail -n 20 "$WORK/dataplane.log"
  return 1
}

# SIGTERM to both; true if both exited 0 (the caller may check that).
stop_appliance() {
  local rc=0
  if [[ -n $dpid ]]; then kill -TERM "$dpid" 2>/dev/null; wait "$dpid" || rc=1; fi
  if [[ -n $cpid ]]; then kill -TERM "$cpid" 2>/dev/null; wait "$cpid" || rc=1; fi
  dpid= cpid=
  return "$rc"
}
