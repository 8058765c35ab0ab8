#!/usr/bin/env bash
# Installs every build and test dependency of Helios from Debian 12's packages.
# Idempotent: installs only what is missing, and runs `apt-get update` only when needed.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang-format libxxhash-dev libasio-dev libtomlplusplus-dev libcli11-dev
  nlohmann-json3-dev libcpp-httplib-dev prometheus-cpp-dev python3
  prometheus python3-yaml      # promtool and Prometheus (monitoring tests); PyYAML for tests/deploy
  chromium chromium-driver python3-selenium   # the dashboard's browser test (test_dashboard.py)
  redis-tools python3-redis   # the client-compatibility tests: redis-cli, redis-benchmark, redis-py
  libssl-dev openssl          # TLS on every port (OpenSSL through asio and cpp-httplib)
  redis-server python3-cryptography   # the security tests: Redis's own answers; odd certificates
  libsystemd-dev              # sd_notify: the node tells systemd when it is ready (Type=notify)
  dpkg-dev systemd adduser strace   # make deb (dpkg-shlibdeps); the package test (systemd-analyze, strace)
  faketime                    # clock skew per node (libfaketime): test_ttl_skew.py
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
