#!/usr/bin/env bash
# A CPU profile of a Helios leader under write load: starts three raft-example nodes on free
# 127.0.0.1 ports (fresh data in build/bench/profile-tmp.*), drives the leader's RESP port
# with redis-benchmark SET (C clients, pipeline 1, 100-byte values, keys from 100,000), and
# records the leader process alone with `perf record -F 999 -g -p LEADER` for S seconds.
# Prints the top symbols by self time (`perf report --no-children --sort dso,sym`) and keeps
# perf.data and the reports in build/bench/profile-<UTC date>/.
#
# With --switches N it records nothing: it sends N SETs from one client (no pipeline) and
# prints, per thread of each node, the CPU time and the voluntary and involuntary context
# switches per write (/proc/PID/task/TID/{stat,status}), threads in creation order.
#
# usage: bench/profile_leader.sh [--seconds S] [--clients C] [--top N] [--switches N]
#   --seconds   seconds recorded (default 10), after 2 s of warm-up under the same load
#   --clients   redis-benchmark clients (default 64)
#   --top       symbols printed (default 15)
#   --switches  per-thread context switches of N single-client writes instead of a profile
# Environment: HELIOS_BIN, the raft-example to run (default build/bin/raft-example).
# Needs perf (Debian: linux-perf) and redis-benchmark (redis-tools); root, or
# kernel.perf_event_paranoid <= 1 for another process. Everything it starts it stops again by
# PID, on success, error or Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UTIL="$ROOT/bench/compare/util.py"
HELIOS_BIN="${HELIOS_BIN:-$ROOT/build/bin/raft-example}"
SECONDS_RECORDED=10
CLIENTS=64
TOP=15
SWITCHES=0
PIDS=()
TMP=""

log() { printf '[profile %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RECORDED="${2:?--seconds needs a value}"; shift ;;
    --clients) CLIENTS="${2:?--clients needs a value}"; shift ;;
    --top) TOP="${2:?--top needs a value}"; shift ;;
    --switches) SWITCHES="${2:?--switches needs a value}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
for tool in perf redis-benchmark redis-cli python3; do
  command -v "$tool" > /dev/null || die "$tool is missing (apt-get install -y linux-perf redis-tools python3)"
done
[ -x "$HELIOS_BIN" ] || die "$HELIOS_BIN is not built (set HELIOS_BIN)"

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2> /dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2> /dev/null || true
  done
  [ -z "$TMP" ] || rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

OUT="$ROOT/build/bench/profile-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$ROOT/build/bench"
TMP="$(mktemp -d "$ROOT/build/bench/profile-tmp.XXXXXX")"
read -r peer admin client <<< "$(python3 "$UTIL" ports 3)"
for n in 1 2 3; do
  "$HELIOS_BIN" "node-$n" --peer-port-base "$peer" --admin-port-base "$admin" \
    --client-port-base "$client" --data-root "$TMP" < /dev/null > "$TMP/node-$n.log" 2>&1 &
  PIDS+=($!)
done
leader="$(python3 "$UTIL" helios-leader "$admin" 20)" || die "no leader within 20 s"
leader_pid="${PIDS[$((leader - 1))]}"
port=$((client + leader))
log "leader node-$leader (PID $leader_pid) on 127.0.0.1:$port"

thread_snap() {  # one line per thread of the three nodes: NODE TID TICKS VOLUNTARY INVOLUNTARY
  local n task line f
  for n in 1 2 3; do
    for task in /proc/"${PIDS[$((n - 1))]}"/task/*; do
      read -r line < "$task/stat" || continue
      read -ra f <<< "${line##*) }"
      echo "$n ${task##*/} $((f[11] + f[12])) $(awk '/^voluntary_ctxt_switches:/ { v = $2 }
        /^nonvoluntary_ctxt_switches:/ { i = $2 } END { print v + 0, i + 0 }' "$task/status")"
    done
  done
}

if [ "$SWITCHES" -gt 0 ]; then
  SET=(redis-benchmark -h 127.0.0.1 -p "$port" -t set -c 1 -r 100000 -d 100 --csv)
  "${SET[@]}" -n 500 > /dev/null  # warm-up
  thread_snap > "$TMP/before"
  rate="$("${SET[@]}" -n "$SWITCHES" | awk -F, '/^"SET"/ { gsub(/"/, "", $2); print $2 }')"
  thread_snap > "$TMP/after"
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "${HELIOS_BIN#"$ROOT"/}; leader node-$leader; $SWITCHES SETs, 1 client: ${rate:-?}/s"
  echo "# per write: node, thread id (creation order), CPU us, voluntary, involuntary switches"
  awk -v n="$SWITCHES" -v hz="$(getconf CLK_TCK)" -v leader="$leader" '
    NR == FNR { t[$2] = $3; v[$2] = $4; i[$2] = $5; next }
    ($2 in t) { cpu = ($3 - t[$2]) * 1e6 / hz / n; vol = ($4 - v[$2]) / n; inv = ($5 - i[$2]) / n
      if (cpu > 0 || vol + inv >= 0.05)
        printf "node-%d%s %s %.0f %.2f %.2f\n", $1, $1 == leader ? " (leader)" : "", $2, cpu,
          vol, inv }' "$TMP/before" "$TMP/after"
  exit 0
fi

# More requests than the recording can use; stopped by PID once perf is done.
redis-benchmark -h 127.0.0.1 -p "$port" -t set -c "$CLIENTS" -n 100000000 -r 100000 -d 100 \
  -q < /dev/null > "$TMP/redis-benchmark.log" 2>&1 &
bench_pid=$!
PIDS+=("$bench_pid")
sleep 2
kill -0 "$bench_pid" 2> /dev/null || die "redis-benchmark stopped: $(tail -c 300 "$TMP/redis-benchmark.log")"
mkdir -p "$OUT"
RECORD=(perf record -F 999 -g -p "$leader_pid" -o "$OUT/perf.data" -- sleep "$SECONDS_RECORDED")
log "${RECORD[*]}"
"${RECORD[@]}" 2> "$OUT/perf-record.log" || die "perf record failed: $(tail -n 3 "$OUT/perf-record.log")"
writes="$(redis-cli -h 127.0.0.1 -p "$port" INFO stats | tr -d '\r' |
  awk -F: '$1 == "total_commands_processed" { print $2 }')"
kill -TERM "$bench_pid" 2> /dev/null || true

# Flat (self time per symbol) for the top list; with callers in report.txt (on a VM without
# a PMU perf samples cpu-clock, and samples taken with interrupts off land on the function
# that turns them back on: its callers say where that time went).
REPORT=(perf report -i "$OUT/perf.data" --no-children --sort "dso,sym" --stdio -g none)
"${REPORT[@]}" > "$OUT/flat.txt" 2> /dev/null || die "perf report failed"
perf report -i "$OUT/perf.data" --no-children --sort "dso,sym" --stdio -g caller,0.5,callee \
  > "$OUT/report.txt" 2> /dev/null || true
{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# ${HELIOS_BIN#"$ROOT"/}, tree $(git -C "$ROOT" describe --always --dirty 2> /dev/null || echo '?')"
  echo "# load: redis-benchmark -t set -c $CLIENTS -r 100000 -d 100 (leader's commands so far: ${writes:-?})"
  echo "# ${RECORD[*]}"
  echo "# ${REPORT[*]}"
  grep -v '^#' "$OUT/flat.txt" | grep '%' | sed -n "1,${TOP}p"
} > "$OUT/top.txt"
cat "$OUT/top.txt"
log "perf.data, flat.txt, report.txt (with callers) and top.txt in ${OUT#"$ROOT"/}"
