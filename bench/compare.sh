#!/usr/bin/env bash
# Helios vs etcd vs Redis, side by side in one run, all on 127.0.0.1 of this machine:
#   - a three-node Helios cluster (build/bin/raft-example node-1..3; its WAL always fsyncs),
#   - a three-node etcd cluster (Debian's etcd-server; etcd always fsyncs),
#   - one redis-server with --appendonly yes --appendfsync always --save ''.
# Helios and Redis are driven by redis-benchmark (SET/GET, 100-byte values, keys from a
# space of 100,000); etcd by bench/compare/etcd-load (clientv3 over gRPC, what etcd's own
# `benchmark put` / `benchmark range --consistency=l` do; built here from Debian's etcd
# sources). Cells: SET and GET at 1, 16, 64, 256 clients, pipeline 1 and 16 (etcd: pipeline 1
# only), each ~4 s, interleaved system by system within each cell. Load goes to each
# cluster's leader; one extra Helios SET row goes to a follower, and one GET row spreads its
# 64 clients evenly over the three nodes.
#
# Output: a markdown table (system, op, clients, pipeline, ops/s, p50, p99, and for writes
# the servers' CPU time and context switches per acknowledged write) and the issue's target
# ratios with PASS/MISS, on stdout and in build/bench/compare-<date>.md; the same rows
# tab-separated in build/bench/compare-<date>.tsv.
#
# usage: bench/compare.sh [--quick] [--seconds S] [--systems helios,etcd,redis] [--build]
#                         [--keep] [--quiet-wait S] [--nice N] [--value-size B]
#                         [--helios-flag FLAG]...
#   --quick     1 s per cell (about a minute and a half)
#   --seconds   seconds per cell (default 4; the whole run takes about 4 minutes)
#   --systems   which systems to run (default all three)
#   --build     build raft-example (release preset) before starting Helios
#   --keep      keep the temporary directory (data and logs) instead of removing it
#   --quiet-wait  before each cell wait up to S seconds for other processes to use < 10% of
#               the CPUs (a shared, busy machine); the table's "other CPU" column shows
#               what they used during each cell either way
#   --nice N    run everything (servers and load generators alike) at niceness N; e.g.
#               -10 (root) lets the benchmark win the CPUs from others' builds
#   --value-size B  bytes per SET value (default 100)
#   --helios-flag FLAG  one more argument for every Helios node (repeat it: e.g.
#               --helios-flag --max-batches-in-flight --helios-flag 1)
# Environment: HELIOS_CLIENT_PORT_BASE (default 7000: RESP ports 7001..7003) is used only
# with a raft-example that has no --client-port-base flag; otherwise free ports are picked.
#
# Needs the apt packages: redis-server redis-tools etcd-server etcd-client golang-go
# golang-etcd-server-dev python3 (and cmake & co. for Helios, see scripts/deps.sh).
# Everything it starts it stops again by PID, on success, error or Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench/compare"
UTIL="$HERE/util.py"
OUT_DIR="$ROOT/build/bench"
APT_PACKAGES="redis-server redis-tools etcd-server etcd-client golang-go"
APT_PACKAGES+=" golang-etcd-server-dev python3"

CELL_SECONDS=4
SYSTEMS="helios,etcd,redis"
BUILD_HELIOS=0
KEEP_TMP=0
QUIET_WAIT=0
NICE=""
CLIENTS=(1 16 64 256)
PIPELINES=(1 16)
KEYSPACE=100000
VALUE_SIZE=100
HELIOS_EXTRA=()
HELIOS_BIN="${HELIOS_BIN:-$ROOT/build/bin/raft-example}"
HELIOS_CLIENT_PORT_BASE="${HELIOS_CLIENT_PORT_BASE:-7000}"
FOLLOWER_CLIENTS=64
# etcd-load multiplexes this many clients on one gRPC connection (1, 1, 4, 16 connections
# for 1, 16, 64, 256 clients). One connection per client made etcd slower here (at 64
# clients about half the puts and a third of the gets of 1-4 connections).
ETCD_CLIENTS_PER_CONN=16

PIDS=()          # every process this script started and has not stopped yet
HELIOS_PIDS=()
HELIOS_LEADER_PID=""
ETCD_PIDS=()
ETCD_LEADER_PID=""
REDIS_PID=""
LAST_PID=""
USED_PORTS=()    # ports taken by what this script started
TMP=""
HELIOS_OK=0
HELIOS_WHY=""
HELIOS_LEADER_PORT=""
HELIOS_FOLLOWER_PORT=""
HELIOS_PORTS=()  # every node's RESP port (the spread GET row)
ETCD_LEADER=""
REDIS_PORT=""
declare -A EST   # system|op|pipeline -> last measured ops/s (to size the next cell)

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# Bounded wait that Ctrl-C still reaches (plain `timeout` moves the command out of the
# terminal's process group).
tmo() { timeout --foreground "$@"; }
want() { [[ ",$SYSTEMS," == *",$1,"* ]]; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) CELL_SECONDS=1 ;;
      --seconds) CELL_SECONDS="${2:?--seconds needs a value}"; shift ;;
      --systems) SYSTEMS="${2:?--systems needs a value}"; shift ;;
      --build) BUILD_HELIOS=1 ;;
      --keep) KEEP_TMP=1 ;;
      --quiet-wait) QUIET_WAIT="${2:?--quiet-wait needs a value}"; shift ;;
      --nice) NICE="${2:?--nice needs a value}"; shift ;;
      --value-size) VALUE_SIZE="${2:?--value-size needs a value}"; shift
        [[ "$VALUE_SIZE" =~ ^[1-9][0-9]*$ ]] || { echo "--value-size needs a positive integer" >&2; exit 2; } ;;
      --helios-flag) HELIOS_EXTRA+=("${2:?--helios-flag needs a value}"); shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
}

check_tools() {
  local missing=() tools=(redis-benchmark redis-cli python3 timeout) system
  for system in ${SYSTEMS//,/ }; do
    case "$system" in
      helios) ;;
      redis) tools+=(redis-server) ;;
      etcd) tools+=(etcd etcdctl go) ;;
      *) die "unknown system '$system' (helios, etcd, redis)" ;;
    esac
  done
  for tool in "${tools[@]}"; do
    command -v "$tool" > /dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing ${missing[*]}; install: apt-get install -y $APT_PACKAGES"
  fi
}

# ------------------------------------------------------------------------------------------
# Processes: started in the background, remembered by PID, stopped by PID.

start_bg() {  # start_bg LOGFILE CMD...: runs CMD in the background; its PID in LAST_PID
  local logfile="$1"; shift
  "$@" < /dev/null >> "$logfile" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

stop_pids() {  # stop_pids PID...: SIGTERM, up to 5 s, then SIGKILL; forgets them
  local pid keep=() stopping=" $* "
  for pid in "$@"; do
    kill -TERM "$pid" 2> /dev/null || true
  done
  for pid in "$@"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2> /dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    [[ "$stopping" == *" $pid "* ]] || keep+=("$pid")
  done
  PIDS=("${keep[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids "${PIDS[@]}"
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    # Kept on request and after an error (the logs); removed after success or Ctrl-C.
    if [ "$KEEP_TMP" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 130 ] && [ "$rc" != 143 ]; }; then
      log "kept $TMP (data and logs)"
    else
      rm -rf "$TMP"
    fi
  fi
  exit "$rc"
}

# ------------------------------------------------------------------------------------------
# Redis: one server, appendfsync always.

start_redis() {
  REDIS_PORT="$(python3 "$UTIL" ports 1 "${USED_PORTS[@]}")"
  REDIS_PORT=$((REDIS_PORT + 1))
  USED_PORTS+=("$REDIS_PORT")
  mkdir -p "$TMP/redis"
  start_bg "$TMP/redis/stdout.log" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
    --appendonly yes --appendfsync always --save '' --dir "$TMP/redis" \
    --logfile "$TMP/redis/redis.log" --daemonize no
  REDIS_PID="$LAST_PID"
  for _ in $(seq 1 50); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" PING 2> /dev/null)" = PONG ]; then
      log "redis on 127.0.0.1:$REDIS_PORT (appendfsync always)"
      return 0
    fi
    sleep 0.1
  done
  die "redis-server did not answer on $REDIS_PORT; see $TMP/redis/redis.log"
}

# ------------------------------------------------------------------------------------------
# etcd: three members, each with its own client and peer port and data dir.

start_etcd() {
  local bases cbase pbase cluster="" n
  bases="$(python3 "$UTIL" ports 2 "${USED_PORTS[@]}")"
  cbase="${bases% *}"; pbase="${bases#* }"
  USED_PORTS+=($((cbase + 1)) $((cbase + 3)) $((pbase + 1)) $((pbase + 3)))
  for n in 1 2 3; do
    cluster+="${cluster:+,}e$n=http://127.0.0.1:$((pbase + n))"
  done
  ETCD_ENDPOINTS=""
  for n in 1 2 3; do
    mkdir -p "$TMP/etcd"
    start_bg "$TMP/etcd/e$n.log" etcd --name "e$n" --data-dir "$TMP/etcd/e$n.data" \
      --listen-client-urls "http://127.0.0.1:$((cbase + n))" \
      --advertise-client-urls "http://127.0.0.1:$((cbase + n))" \
      --listen-peer-urls "http://127.0.0.1:$((pbase + n))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((pbase + n))" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "compare-$$" --logger zap --log-level warn
    ETCD_PIDS+=("$LAST_PID")
    ETCD_ENDPOINTS+="${ETCD_ENDPOINTS:+,}127.0.0.1:$((cbase + n))"
  done
  local ok=0
  for _ in $(seq 1 100); do
    if ETCDCTL_API=3 tmo 5 etcdctl --endpoints="$ETCD_ENDPOINTS" \
        --command-timeout=2s endpoint health > /dev/null 2>&1; then
      ok=1
      break
    fi
    sleep 0.2
  done
  [ "$ok" = 1 ] || die "etcd cluster not healthy after 20 s; see $TMP/etcd/*.log"
  ETCD_LEADER="$(ETCDCTL_API=3 tmo 5 etcdctl --endpoints="$ETCD_ENDPOINTS" \
    endpoint status -w json | python3 "$UTIL" etcd-leader)"
  for n in 1 2 3; do
    [ "$ETCD_LEADER" != "127.0.0.1:$((cbase + n))" ] || ETCD_LEADER_PID="${ETCD_PIDS[$((n - 1))]}"
  done
  log "etcd on $ETCD_ENDPOINTS, leader $ETCD_LEADER"
}

# ------------------------------------------------------------------------------------------
# Helios: raft-example node-1..3 on moved ports; the RESP port must answer PING.

helios_unavailable() {  # helios_unavailable WHY...: also stops the nodes (no idle noise)
  HELIOS_OK=0
  HELIOS_WHY="$*"
  log "Helios: not available: $*"
  if [ ${#HELIOS_PIDS[@]} -gt 0 ]; then
    stop_pids "${HELIOS_PIDS[@]}"
    HELIOS_PIDS=()
  fi
}

resp_ping() {  # resp_ping PORT: true when 127.0.0.1:PORT answers PING with PONG within 3 s
  [ "$(tmo 3 redis-cli -h 127.0.0.1 -p "$1" PING 2> /dev/null)" = PONG ]
}

start_helios() {
  if [ "$BUILD_HELIOS" = 1 ]; then
    log "building raft-example (release preset)"
    (cd "$ROOT" && cmake --preset release > /dev/null &&
       cmake --build --preset release --target raft-example) >&2 ||
      { helios_unavailable "the build of raft-example failed"; return 0; }
  fi
  if [ ! -x "$HELIOS_BIN" ]; then
    helios_unavailable "$HELIOS_BIN is not built (run with --build)"
    return 0
  fi
  local bases peer admin client n flags=() usage_text
  # --client-port-base exists once the usage text names it; until then, the fixed base.
  usage_text="$("$HELIOS_BIN" 2>&1 || true)"
  if [[ "$usage_text" == *--client-port-base* ]]; then
    bases="$(python3 "$UTIL" ports 3 "${USED_PORTS[@]}")"
    read -r peer admin client <<< "$bases"
    flags=(--client-port-base "$client")
  else
    bases="$(python3 "$UTIL" ports 2 "${USED_PORTS[@]}")"
    read -r peer admin <<< "$bases"
    client="$HELIOS_CLIENT_PORT_BASE"
    for n in 1 2 3; do
      if (: < "/dev/tcp/127.0.0.1/$((client + n))") 2> /dev/null; then
        helios_unavailable "raft-example has no --client-port-base and port" \
          "$((client + n)) is taken (a dev cluster?); stop it or set HELIOS_CLIENT_PORT_BASE"
        return 0
      fi
    done
  fi
  USED_PORTS+=($((peer + 1)) $((peer + 3)) $((admin + 1)) $((admin + 3)))
  USED_PORTS+=($((client + 1)) $((client + 3)))
  mkdir -p "$TMP/helios"
  for n in 1 2 3; do
    start_bg "$TMP/helios/node-$n.log" "$HELIOS_BIN" "node-$n" --peer-port-base "$peer" \
      --admin-port-base "$admin" --data-root "$TMP/helios" "${flags[@]}" \
      ${HELIOS_EXTRA[@]+"${HELIOS_EXTRA[@]}"}
    HELIOS_PIDS+=("$LAST_PID")
  done
  local leader
  if ! leader="$(python3 "$UTIL" helios-leader "$admin" 20)"; then
    helios_unavailable "no leader on admin ports $((admin + 1))..$((admin + 3)) within" \
      "20 s (logs: $TMP/helios/node-*.log; run with --keep to keep them)"
    return 0
  fi
  HELIOS_LEADER_PORT=$((client + leader))
  HELIOS_LEADER_PID="${HELIOS_PIDS[$((leader - 1))]}"
  HELIOS_FOLLOWER_PORT=$((client + leader % 3 + 1))
  HELIOS_PORTS=($((client + 1)) $((client + 2)) $((client + 3)))
  if ! resp_ping "$HELIOS_LEADER_PORT"; then
    helios_unavailable "node-$leader is leader but 127.0.0.1:$HELIOS_LEADER_PORT does not" \
      "answer the Redis protocol (PING) within 3 s: no RESP client port yet?"
    return 0
  fi
  local cli=(tmo 3 redis-cli -h 127.0.0.1 -p "$HELIOS_LEADER_PORT")
  if [ "$("${cli[@]}" SET compare:probe x 2>&1)" != OK ] ||
     [ "$("${cli[@]}" GET compare:probe 2>&1)" != x ]; then
    helios_unavailable "127.0.0.1:$HELIOS_LEADER_PORT answers PING but not SET/GET"
    return 0
  fi
  HELIOS_OK=1
  log "helios leader node-$leader on 127.0.0.1:$HELIOS_LEADER_PORT," \
    "follower on $HELIOS_FOLLOWER_PORT"
}

# ------------------------------------------------------------------------------------------
# What the servers spend per acknowledged write: CPU time (utime + stime of every thread,
# from /proc/PID/stat) and context switches (voluntary + involuntary, summed over the live
# threads in /proc/PID/task/*/status: each is a thread going to sleep or being preempted,
# a proxy for the hand-offs between threads), for the leader alone and for all the system's
# server processes (Helios: 3 nodes, etcd: 3 members, Redis: its one process).

proc_cost() {  # proc_cost PID: "TICKS SWITCHES" of that process (0 0 once it is gone)
  local line f switches
  read -r line < "/proc/$1/stat" 2> /dev/null || { echo "0 0"; return; }
  read -ra f <<< "${line##*) }"
  switches="$(awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }' \
    /proc/"$1"/task/*/status 2> /dev/null)"
  echo "$((f[11] + f[12])) ${switches:-0}"
}

system_pids() {  # system_pids SYSTEM: the leader's PID, then every server PID of SYSTEM
  case "$1" in
    helios*) echo "$HELIOS_LEADER_PID ${HELIOS_PIDS[*]}" ;;
    etcd) echo "$ETCD_LEADER_PID ${ETCD_PIDS[*]}" ;;
    redis) echo "$REDIS_PID $REDIS_PID" ;;
  esac
}

cost_snap() {  # cost_snap SYSTEM: "LEADER_TICKS LEADER_SWITCHES ALL_TICKS ALL_SWITCHES"
  local leader pid t c lt=0 lc=0 at=0 ac=0 pids
  read -r leader pids <<< "$(system_pids "$1")"
  for pid in $pids; do
    read -r t c <<< "$(proc_cost "$pid")"
    at=$((at + t))
    ac=$((ac + c))
    if [ "$pid" = "$leader" ]; then
      lt=$t
      lc=$c
    fi
  done
  echo "$lt $lc $at $ac"
}

# cost_per_write SNAP1 SNAP2 WRITES: "CPU_US SWITCHES_LEADER SWITCHES_ALL", each per write
# (CPU: all server processes together).
cost_per_write() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$CLK_TCK" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    if (n <= 0) exit
    printf "%.1f %.2f %.2f\n", (y[3] - x[3]) * 1e6 / hz / n, (y[2] - x[2]) / n, (y[4] - x[4]) / n }'
}

# Before the cells: what each system's servers spend in 1 s with no load (ticks, heartbeats),
# for the report's header. Sets IDLE_COST.
measure_idle() {
  local system a b label
  IDLE_COST=""
  for system in helios etcd redis; do
    want "$system" || continue
    [ "$system" != helios ] || [ "$HELIOS_OK" = 1 ] || continue
    a="$(cost_snap "$system")"
    sleep 1
    b="$(cost_snap "$system")"
    label="$(awk -v a="$a" -v b="$b" -v hz="$CLK_TCK" 'BEGIN {
      split(a, x, " "); split(b, y, " ")
      printf "%.0f ms CPU, %d switches (leader %d)", (y[3] - x[3]) * 1000 / hz, y[4] - x[4],
        y[2] - x[2] }')"
    IDLE_COST+="${IDLE_COST:+; }$system $label"
  done
}

# ------------------------------------------------------------------------------------------
# One cell. Each appends a row to $RESULTS (tab-separated): system op clients pipeline rps
# p50 p99 other-CPU% note, and for writes CPU-us/write switches/write (leader) (all).

# CPU accounting in clock ticks, in bash (a python3 start costs ~1 s on a busy machine).
# cpu_snap prints "BUSY OURS UPTIME": the machine's user + nice + system time (not irq and
# softirq, where loopback traffic lands), the time of the servers (PIDS) plus that of this
# shell's waited-for children (the load generators), and the uptime.
cpu_snap() {
  local line f busy ours=0 pid up
  read -r line < /proc/stat
  read -ra f <<< "$line"
  busy=$((f[1] + f[2] + f[3]))
  read -r line < "/proc/$$/stat"
  read -ra f <<< "${line##*) }"
  ours=$((f[13] + f[14]))  # cutime, cstime
  for pid in "${PIDS[@]}"; do
    line="$(cat "/proc/$pid/stat" 2> /dev/null)" || continue
    read -ra f <<< "${line##*) }"
    ours=$((ours + f[11] + f[12]))  # utime, stime (all threads)
  done
  read -r up _ < /proc/uptime
  echo "$busy $ours $(( ${up%.*} * CLK_TCK + 10#${up#*.} * CLK_TCK / 100 ))"
}

cpu_other() {  # cpu_other SNAP1 SNAP2: percent of all CPUs used by other processes between
  local b1 o1 u1 b2 o2 u2 other
  read -r b1 o1 u1 <<< "$1"
  read -r b2 o2 u2 <<< "$2"
  other=$(( (b2 - b1) - (o2 - o1) ))
  [ "$other" -gt 0 ] || other=0
  [ "$u2" -gt "$u1" ] || { echo "?"; return; }
  echo $(( 100 * other / ((u2 - u1) * NCPU) ))
}

# With --quiet-wait S: before a cell, waits up to S seconds for a half second in which other
# processes used under 10% of the CPUs (a shared machine: someone's build).
quiet_wait() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  local end=$((SECONDS + QUIET_WAIT)) snap other
  while :; do
    snap="$(cpu_snap)"
    sleep 0.5
    other="$(cpu_other "$snap" "$(cpu_snap)")"
    [ "$other" != "?" ] && [ "$other" -lt 10 ] && return 0
    if [ "$SECONDS" -ge "$end" ]; then
      log "machine still busy (other processes: $other% of the CPUs); running anyway"
      return 0
    fi
  done
}

# record SYSTEM OP CLIENTS PIPELINE "rps avg p50 p95 p99"|NOTE [OTHER_CPU_PCT]
#        ["cpu-us switches-leader switches-all" per write]
record() {
  local system="$1" op="$2" c="$3" p="$4" fig="$5" other="${6:-}" cost="${7:-}" rps p50 p99
  local cpu cs_leader cs_all
  read -r rps _ p50 _ p99 _ <<< "$fig" || true
  read -r cpu cs_leader cs_all <<< "$cost" || true
  if [[ "$rps" =~ ^[0-9.]+$ && "${p99:-}" =~ ^[0-9.]+$ ]]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t%s\t%s\t%s\n' "$system" "$op" "$c" "$p" "$rps" \
      "$p50" "$p99" "$other" "$cpu" "$cs_leader" "$cs_all" >> "$RESULTS"
    log "$(printf '%-17s %-5s c=%-3s P=%-2s %9.0f ops/s  p50 %6s ms  p99 %7s ms  other %s%%%s' \
      "$system" "$op" "$c" "$p" "$rps" "$p50" "$p99" "$other" \
      "${cpu:+  CPU $cpu us/write  switches/write $cs_leader (leader) $cs_all (all)}")"
  else
    printf '%s\t%s\t%s\t%s\t-\t\t\t\t%s\n' "$system" "$op" "$c" "$p" "$fig" >> "$RESULTS"
    log "$system $op c=$c P=$p: $fig"
  fi
}

# redis-benchmark --csv (or etcd-load) output on stdin -> "rps avg p50 p95 p99".
parse_csv() {
  awk -F, '/^"(SET|GET|PUT)"/ { for (i = 1; i <= NF; i++) gsub(/"/, "", $i)
                                 row = $2 " " $3 " " $5 " " $6 " " $7 }
    END { if (row == "") { print "no result row" > "/dev/stderr"; exit 1 } print row }'
}

redis_bench() {  # redis_bench PORT OP CLIENTS PIPELINE N: prints "rps avg p50 p95 p99"
  local port="$1" op="$2" c="$3" p="$4" n="$5" out rc=0 limit=$((CELL_SECONDS * 8 + 30))
  out="$(tmo "$limit" redis-benchmark -h 127.0.0.1 -p "$port" \
    -t "${op,,}" -c "$c" -n "$n" -P "$p" -r "$KEYSPACE" -d "$VALUE_SIZE" --csv \
    2> "$TMP/redis-benchmark.err")" || rc=$?
  if [ "$rc" = 124 ]; then
    echo "redis-benchmark timed out after $limit s" >> "$TMP/redis-benchmark.err"
  fi
  [ "$rc" = 0 ] && parse_csv <<< "$out" 2>> "$TMP/redis-benchmark.err"
}

# Sizes -n so that the cell runs about CELL_SECONDS: a probe at the cell's own client count
# and pipeline (which also warms up), 4x longer until it lasts 0.3 s, sized from the rate the
# previous cell of the same system, op and pipeline reached.
cell_requests() {  # cell_requests KEY PORT OP CLIENTS PIPELINE
  local key="$1" port="$2" op="$3" c="$4" p="$5" n rate fig
  n="$(awk -v r="${EST[$key]:-0}" -v c="$c" -v p="$p" 'BEGIN {
    n = int(r * 0.3); if (n < c * p * 4) n = c * p * 4; if (n < 200 * p) n = 200 * p
    print n }')"
  while :; do
    fig="$(redis_bench "$port" "$op" "$c" "$p" "$n")" || return 1
    rate="${fig%% *}"
    if awk -v n="$n" -v r="$rate" 'BEGIN { exit !(n / r >= 0.3) }' ||
       [ "$n" -ge 10000000 ]; then
      break
    fi
    n=$((n * 4))
  done
  awk -v rate="$rate" -v s="$CELL_SECONDS" -v c="$c" -v p="$p" 'BEGIN {
    n = int(rate * s); if (n < c * p * 20) n = c * p * 20; if (n < 1000) n = 1000
    print n }'
}

run_redis_cell() {  # run_redis_cell SYSTEM PORT OP CLIENTS PIPELINE
  local system="$1" port="$2" op="$3" c="$4" p="$5" key n fig snap cost=""
  key="$system|$op|$p"
  quiet_wait
  # Every request of redis-benchmark -n N was answered when it exits 0 (it stops at the
  # first error reply), so a SET cell acknowledged N writes.
  if n="$(cell_requests "$key" "$port" "$op" "$c" "$p")" && cost="$(cost_snap "$system")" &&
     snap="$(cpu_snap)" && fig="$(redis_bench "$port" "$op" "$c" "$p" "$n")"; then
    snap="$(cpu_other "$snap" "$(cpu_snap)")"
    if [ "$op" = SET ]; then
      cost="$(cost_per_write "$cost" "$(cost_snap "$system")" "$n")"
    else
      cost=""
    fi
    EST[$key]="${fig%% *}"
    record "$system" "$op" "$c" "$p" "$fig" "$snap" "$cost"
    return 0
  fi
  record "$system" "$op" "$c" "$p" \
    "failed: $(tail -n 1 "$TMP/redis-benchmark.err" 2> /dev/null || true)"
  return 1
}

run_helios_cell() {  # run_helios_cell SYSTEM PORT OP CLIENTS PIPELINE
  [ "$HELIOS_OK" = 1 ] || return 0
  if ! run_redis_cell "$@"; then
    if ! resp_ping "$HELIOS_LEADER_PORT"; then
      KEEP_TMP=1
      helios_unavailable "stopped answering during the run (logs kept: $TMP/helios)"
    fi
  fi
}

# GET with C clients spread evenly over the three nodes (a redis-benchmark per node, run at
# once, the same number of requests each): ops/s is the sum of the three, p50 and p99 the
# largest of the three. Issue 13's goal: at least as many reads/s as C clients at one node.
run_helios_spread_cell() {  # run_helios_spread_cell CLIENTS
  [ "$HELIOS_OK" = 1 ] || return 0
  local c="$1" i port per n snap pids=() figs rps p50 p99
  local key="helios (leader)|GET|1"
  quiet_wait
  # As many requests in all as the leader's GET cell of this run took (so about as long).
  n="$(awk -v r="${EST[$key]:-20000}" -v s="$CELL_SECONDS" 'BEGIN { n = int(r * s / 3)
    if (n < 1000) n = 1000; print n }')"
  snap="$(cpu_snap)"
  for i in 0 1 2; do
    port="${HELIOS_PORTS[$i]}"
    per=$(( c / 3 + (i < c % 3 ? 1 : 0) ))
    ( redis_bench "$port" GET "$per" 1 "$n" > "$TMP/spread-$i.fig" ) &
    pids+=($!)
  done
  local failed=0
  for i in 0 1 2; do wait "${pids[$i]}" || failed=1; done
  if [ "$failed" = 1 ]; then
    record "helios (3 nodes)" GET "$c" 1 \
      "failed: $(tail -n 1 "$TMP/redis-benchmark.err" 2> /dev/null || true)"
    return 0
  fi
  snap="$(cpu_other "$snap" "$(cpu_snap)")"
  figs="$(cat "$TMP"/spread-[012].fig)"
  rps="$(awk '{ s += $1 } END { printf "%.2f", s }' <<< "$figs")"
  p50="$(awk '{ if ($3 > m) m = $3 } END { print m }' <<< "$figs")"
  p99="$(awk '{ if ($5 > m) m = $5 } END { print m }' <<< "$figs")"
  record "helios (3 nodes)" GET "$c" 1 "$rps 0 $p50 0 $p99" "$snap" ""
}

run_etcd_cell() {  # run_etcd_cell OP CLIENTS
  local op="$1" c="$2" out fig label snap conns cost
  label="$([ "$op" = put ] && echo put || echo get-l)"
  conns=$(( (c + ETCD_CLIENTS_PER_CONN - 1) / ETCD_CLIENTS_PER_CONN ))
  quiet_wait
  cost="$(cost_snap etcd)"
  snap="$(cpu_snap)"
  if out="$(tmo $((CELL_SECONDS * 4 + 60)) "$ETCD_LOAD" --endpoints "$ETCD_LEADER" \
        --op "$op" --clients "$c" --conns "$conns" --seconds "$CELL_SECONDS" --key-size 16 \
        --val-size "$VALUE_SIZE" --key-space "$KEYSPACE" --consistency l \
        2> "$TMP/etcd-load.err")" && fig="$(parse_csv <<< "$out")"; then
    snap="$(cpu_other "$snap" "$(cpu_snap)")"
    if [ "$op" = put ]; then
      # etcd-load runs for a time: the puts acknowledged are its rate times the cell's length.
      cost="$(cost_per_write "$cost" "$(cost_snap etcd)" \
        "$(awk -v r="${fig%% *}" -v s="$CELL_SECONDS" 'BEGIN { print int(r * s) }')")"
    else
      cost=""
    fi
    record etcd "$label" "$c" 1 "$fig" "$snap" "$cost"
  else
    record etcd "$label" "$c" 1 "failed: $(tail -n 1 "$TMP/etcd-load.err" || true)"
  fi
}

run_matrix() {
  local op c p
  for op in SET GET; do
    for c in "${CLIENTS[@]}"; do
      if want etcd; then
        run_etcd_cell "$([ "$op" = SET ] && echo put || echo get)" "$c"
      fi
      for p in "${PIPELINES[@]}"; do
        if want redis; then run_redis_cell redis "$REDIS_PORT" "$op" "$c" "$p" || true; fi
        if want helios; then
          run_helios_cell "helios (leader)" "$HELIOS_LEADER_PORT" "$op" "$c" "$p"
        fi
      done
    done
    if [ "$op" = SET ] && want helios; then
      run_helios_cell "helios (follower)" "$HELIOS_FOLLOWER_PORT" SET "$FOLLOWER_CLIENTS" 1
    fi
    if [ "$op" = GET ] && want helios; then
      run_helios_spread_cell "$FOLLOWER_CLIENTS"
    fi
  done
}

# ------------------------------------------------------------------------------------------

write_report() {  # write_report FILE
  local file="$1" fs
  fs="$(df -T "$TMP" | awk 'NR == 2 { print $1 " " $2 }')"
  {
    echo "# Helios vs etcd vs Redis ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- Command: \`bench/compare.sh${ARGS:+ $ARGS}\` ($CELL_SECONDS s per cell;" \
      "niceness ${NICE:-0} for all systems and load generators)"
    echo "- Machine: $(nproc) CPUs, kernel $(uname -r); data on $fs (${TMP#"$ROOT"/})"
    echo "- Load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Servers with no load, in 1 s before the cells: ${IDLE_COST:-not measured}"
    echo "- fdatasync of 100 B appends in the data dir before / after: $FSYNC_BEFORE /" \
      "$(python3 "$UTIL" fsync-probe "$TMP")"
    echo "- $(if want etcd; then etcd --version | head -n 1; else echo "etcd not run"; fi)," \
      "$(redis-server --version | cut -d' ' -f1-3)," \
      "redis-benchmark $(redis-benchmark --version | cut -d' ' -f2)"
    echo "- SET/GET: redis-benchmark -t set|get -c C -P P -r $KEYSPACE -d $VALUE_SIZE" \
      "against the leader's RESP port (Helios) or the server (Redis);" \
      "etcd: etcd-load put / get (linearizable), one gRPC connection per" \
      "$ETCD_CLIENTS_PER_CONN clients," \
      "against the leader; 16-byte keys, $VALUE_SIZE-byte values."
    if want helios && [ "$HELIOS_OK" != 1 ]; then
      echo "- Helios: not available: $HELIOS_WHY"
    elif want helios; then
      echo "- Helios: ${HELIOS_BIN#"$ROOT"/}, built $(date -u -r "$HELIOS_BIN" '+%Y-%m-%d %H:%M UTC')," \
        "tree at $(git -C "$ROOT" describe --always --dirty 2> /dev/null || echo '?')"
      if [ ${#HELIOS_EXTRA[@]} -gt 0 ]; then
        echo "- Helios nodes' extra flags: ${HELIOS_EXTRA[*]}"
      fi
    fi
    echo
    python3 "$UTIL" report "$RESULTS"
  } > "$file"
}

main() {
  ARGS="$*"
  parse_args "$@"
  check_tools
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$OUT_DIR"
  TMP="$(mktemp -d "$OUT_DIR/compare-tmp.XXXXXX")"
  RESULTS="$TMP/results.tsv"
  : > "$RESULTS"
  USED_PORTS=()
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  CLK_TCK="$(getconf CLK_TCK)"
  NCPU="$(nproc)"
  FSYNC_BEFORE="$(python3 "$UTIL" fsync-probe "$TMP")"
  if [ -n "$NICE" ]; then
    renice -n "$NICE" -p $$ > /dev/null || die "renice -n $NICE failed (negative needs root)"
  fi

  if want etcd; then
    ETCD_LOAD="$("$HERE/build-etcd-load.sh" "$OUT_DIR/tools")"
    start_etcd
  fi
  if want redis; then start_redis; fi
  if want helios; then start_helios; fi
  measure_idle
  run_matrix

  local report
  report="$OUT_DIR/compare-$(date -u +%Y%m%d-%H%M%S).md"
  write_report "$report"
  {
    printf '# system\top\tclients\tpipeline\tops_per_s\tp50_ms\tp99_ms\tother_cpu_pct\tnote'
    printf '\tcpu_us_per_write\tswitches_per_write_leader\tswitches_per_write_all\n'
    cat "$RESULTS"
  } > "${report%.md}.tsv"
  cat "$report"
  log "report written to $report and ${report%.md}.tsv"
}

main "$@"
