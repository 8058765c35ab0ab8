#!/usr/bin/env bash
# Checks the monitoring kit in deploy/ with promtool (Debian's prometheus package) and
# check_monitoring.py (Python 3 with PyYAML); ctest runs it as deploy_monitoring:
#   1. promtool check config deploy/prometheus/prometheus.yml (and the rule files it loads);
#   2. promtool check rules deploy/prometheus/helios-alerts.yml;
#   3. promtool test rules deploy/prometheus/helios-alerts.test.yml (the alerts' unit tests);
#   4. every alert has a severity, a summary and a description, is tested firing and not
#      firing, and names only metrics of the interface (helios_metrics.txt);
#   5. deploy/grafana/helios-dashboard.json is valid JSON that imports cleanly and shows
#      every family of the interface;
#   6. every query of the dashboard parses (promtool check rules) and returns data from
#      synthetic series of every family (promtool test rules).
#
# With --metrics FILE|URL it checks, instead, a node's real GET /metrics output against
# the interface: `promtool check metrics` and every family present with its type and labels
# (e.g. tests/deploy/check_monitoring.sh --metrics http://127.0.0.1:8001/metrics).
#
# Environment: PROMTOOL (default promtool), HELIOS_PYTHON (default /usr/bin/python3 when it
# exists, as Debian's python3-yaml is installed for it; else python3).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prom="$root/deploy/prometheus"
dashboard="$root/deploy/grafana/helios-dashboard.json"
families="$here/helios_metrics.txt"
promtool="${PROMTOOL:-promtool}"
if [ -n "${HELIOS_PYTHON:-}" ]; then
  python="$HELIOS_PYTHON"
elif [ -x /usr/bin/python3 ]; then
  python=/usr/bin/python3
else
  python=python3
fi

if ! command -v "$promtool" > /dev/null; then
  echo "check_monitoring: $promtool not found:" \
    "install Debian's prometheus package (scripts/deps.sh)"
  exit 1
fi

passed=0
failed=0
step() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
    return 0
  fi
  echo "FAILED: $name"
  failed=$((failed + 1))
  return 1
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = "--metrics" ]; then
  source="${2:?usage: check_monitoring.sh --metrics FILE|URL}"
  case "$source" in
    http://* | https://*)
      step "fetch $source" curl -fsS -o "$tmp/metrics.txt" "$source" || exit 1
      source="$tmp/metrics.txt"
      ;;
  esac
  step "promtool check metrics" sh -c '"$0" check metrics < "$1"' "$promtool" "$source"
  step "every family of the interface, with its type and labels" \
    "$python" "$here/check_monitoring.py" exposition "$source" "$families"
else
  step "promtool check config" "$promtool" check config "$prom/prometheus.yml"
  step "promtool check rules" "$promtool" check rules "$prom/helios-alerts.yml"
  step "promtool test rules" "$promtool" test rules "$prom/helios-alerts.test.yml"
  step "alerts: severity, annotations, tests, metric names" \
    "$python" "$here/check_monitoring.py" alerts "$prom/helios-alerts.yml" \
    "$prom/helios-alerts.test.yml" "$families"
  if step "dashboard: JSON, data source, layout, metric names" \
    "$python" "$here/check_monitoring.py" dashboard "$dashboard" "$families" "$tmp"; then
    step "dashboard queries parse" "$promtool" check rules "$tmp/dashboard-rules.json"
    step "dashboard queries return data" "$promtool" test rules "$tmp/dashboard-test.json"
  fi
fi

echo "check_monitoring: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
