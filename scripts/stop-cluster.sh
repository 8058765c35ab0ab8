#!/usr/bin/env bash
# Stops the nodes started by scripts/start-cluster.sh, by the PIDs it recorded (SIGTERM,
# then SIGKILL after 10 s).
set -uo pipefail
cd "$(dirname "$0")/.."
for n in 1 2 3; do
  pidfile="data/node-$n.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid"
    fi
    echo "stopped node-$n (pid $pid)"
  fi
  rm -f "$pidfile"
done
