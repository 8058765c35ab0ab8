#!/usr/bin/env bash
# Starts the quick start's three nodes in the background (the README's first command runs
# this through `make cluster`): installs what is missing, builds, starts raft-example
# node-1..3 with data and logs under ./data/, waits for a leader, prints `helios-cli status`.
# Stop them with scripts/stop-cluster.sh (by PID).
#
# --secure (`make cluster-secure`): TLS on every port and a password (docs/security.md). The
# certificates are made once into data/certs (helios-cli certs create) and the default
# user's password once into data/password (mode 0600); the script prints how to connect.
set -euo pipefail
cd "$(dirname "$0")/.."
secure=0
if [ "${1:-}" = "--secure" ]; then
  secure=1
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--secure]" >&2
  exit 2
fi
scripts/deps.sh
cmake --preset release > /dev/null
cmake --build --preset release
mkdir -p data
node_flags=()
cli_flags=()
if [ "$secure" = 1 ]; then
  if [ ! -f data/certs/ca.crt ]; then
    build/bin/helios-cli certs create data/certs --nodes node-1,node-2,node-3
  fi
  if [ ! -f data/password ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > data/password)
  fi
  password=$(cat data/password)
  node_flags=(--tls-dir data/certs --requirepass "$password")
  cli_flags=(--cacert data/certs/ca.crt --cert data/certs/client.crt
             --key data/certs/client.key)
fi
for n in 1 2 3; do
  pidfile="data/node-$n.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "node-$n is already running (pid $(cat "$pidfile"))"
    continue
  fi
  nohup build/bin/raft-example "node-$n" "${node_flags[@]}" >> "data/node-$n.log" 2>&1 &
  echo $! > "$pidfile"
  echo "started node-$n (pid $!, log data/node-$n.log)"
done
echo "waiting for a leader..."
for _ in $(seq 1 100); do
  if build/bin/helios-cli "${cli_flags[@]}" status > /dev/null 2>&1 && \
     build/bin/helios-cli "${cli_flags[@]}" status | grep -q "State: Leader"; then
    build/bin/helios-cli "${cli_flags[@]}" status
    if [ "$secure" = 1 ]; then
      echo "TLS on every port; the default user's password is in data/password. Connect with:"
      echo "  redis-cli --tls --cacert data/certs/ca.crt -a \"\$(cat data/password)\" -p 7001"
      echo "  curl --cacert data/certs/ca.crt https://127.0.0.1:8001/status"
      echo "  build/bin/helios-cli --cacert data/certs/ca.crt --pass \"\$(cat data/password)\" get hello"
    else
      echo "Redis clients: redis-cli -p 7001 | -p 7002 | -p 7003 (e.g. redis-cli -p 7001 set hello world)"
    fi
    exit 0
  fi
  sleep 0.2
done
echo "no leader after 20 s; see data/node-*.log" >&2
build/bin/helios-cli "${cli_flags[@]}" status || true
exit 1
