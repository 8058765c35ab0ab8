#!/usr/bin/env bash
# Starts the quick start's three nodes in the background (the README's first command runs
# this through `make cluster`): installs what is missing, builds, starts raft-example
# node-1..3 with data and logs under ./data/, waits for a leader, prints `helios-cli status`.
# Stop them with scripts/stop-cluster.sh (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release > /dev/null
cmake --build --preset release
mkdir -p data
for n in 1 2 3; do
  pidfile="data/node-$n.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "node-$n is already running (pid $(cat "$pidfile"))"
    continue
  fi
  nohup build/bin/raft-example "node-$n" >> "data/node-$n.log" 2>&1 &
  echo $! > "$pidfile"
  echo "started node-$n (pid $!, log data/node-$n.log)"
done
echo "waiting for a leader..."
for _ in $(seq 1 100); do
  if build/bin/helios-cli status > /dev/null 2>&1 && \
     build/bin/helios-cli status | grep -q "State: Leader"; then
    build/bin/helios-cli status
    echo "Redis clients: redis-cli -p 7001 | -p 7002 | -p 7003 (e.g. redis-cli -p 7001 set hello world)"
    exit 0
  fi
  sleep 0.2
done
echo "no leader after 20 s; see data/node-*.log" >&2
build/bin/helios-cli status || true
exit 1
