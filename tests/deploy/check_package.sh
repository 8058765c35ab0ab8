#!/usr/bin/env bash
# The Debian package end to end (docs/operations.md, "Install"), on this machine, as root:
#
#   tests/deploy/check_package.sh BUILD_DIR     (a configured and built release tree)
#   HELIOS_DEB=path/to/helios_X_amd64.deb tests/deploy/check_package.sh BUILD_DIR
#
# 1. builds the .deb with CPack from BUILD_DIR (unless HELIOS_DEB names one) and checks its
#    files (the four binaries in /usr/bin and nothing else there, the unit, the example
#    configurations as conffiles, no /var/lib/helios), its maintainer scripts, and that its
#    Depends name the package of every shared library helios-atlasd links;
# 2. checks the unit it ships (ExecStart in /usr/bin, the hardening) and, where
#    systemd-analyze is installed, `systemd-analyze verify`s it;
# 3. installs it with dpkg -i (twice: the second run is postinst's upgrade path): the helios
#    system user and group, /var/lib/helios helios:helios 0750, the binaries run; a node runs
#    as the helios user with its data in /var/lib/helios; the node, traced with strace under
#    load, stays within the unit's hardening (check_sandbox.py); an enabled instance;
# 4. dpkg -r: the instance is disabled, the binaries and unit are gone, the configurations,
#    the data and the user stay; dpkg --purge: the configurations are gone, the data and the
#    user still stay;
# 5. leaves the machine as it found it (purges the package, deletes the user, group and
#    directories), also when a step fails.
#
# Exits 77 (ctest: skipped) when not root, or when this machine already has a helios
# package, user or directory, which it must not touch. Uses no systemd running as PID 1
# (containers have none): the maintainer scripts call systemctl only where systemd runs.
set -euo pipefail

SKIP=77
build_dir=${1:?usage: check_package.sh BUILD_DIR}

skip() { echo "SKIP: $*"; exit "$SKIP"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i, a system user)"
for tool in dpkg dpkg-deb dpkg-query adduser deluser setpriv readelf python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done
if dpkg-query -W -f='${Status}' helios 2>/dev/null | grep -qv "not-installed"; then
  skip "a helios package is installed on this machine: not touching it"
fi
getent passwd helios >/dev/null && skip "a helios user exists on this machine: not touching it"
getent group helios >/dev/null && skip "a helios group exists on this machine: not touching it"
for d in /var/lib/helios /etc/helios; do
  [ -e "$d" ] && skip "$d exists on this machine: not touching it"
done

work=$(mktemp -d /tmp/helios-package-test.XXXXXX)
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
  dpkg --purge helios >/dev/null 2>&1 || true
  rm -f /etc/systemd/system/*.wants/helios-raft@*.service
  if getent passwd helios >/dev/null; then
    deluser --system --quiet helios >/dev/null 2>&1 || userdel helios || true
  fi
  if getent group helios >/dev/null; then
    delgroup --system --quiet helios >/dev/null 2>&1 || groupdel helios || true
  fi
  rm -rf /var/lib/helios /etc/helios "$work"
}
trap cleanup EXIT

# --- 1. the package's contents ---------------------------------------------------------
if [ -n "${HELIOS_DEB:-}" ]; then
  deb=$HELIOS_DEB
else
  step "cpack --config $build_dir/CPackConfig.cmake"
  [ -f "$build_dir/CPackConfig.cmake" ] || fail "$build_dir/CPackConfig.cmake: configure first"
  if ! cpack --config "$build_dir/CPackConfig.cmake" -B "$work/cpack" >"$work/cpack.log" 2>&1
  then
    cat "$work/cpack.log"
    fail "cpack could not build the package (are the binaries built?)"
  fi
  deb=$(ls "$work"/cpack/helios_*.deb)
fi
[ -f "$deb" ] || fail "no package at $deb"
step "package $deb"
dpkg-deb --info "$deb"

[ "$(dpkg-deb -f "$deb" Package)" = helios ] || fail "the package is not named helios"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/files"
for f in /usr/bin/helios-atlasd /usr/bin/raft-example /usr/bin/helios-cli /usr/bin/helios-wal \
         /lib/systemd/system/helios-raft@.service \
         /etc/helios/node-1.toml /etc/helios/node-2.toml /etc/helios/node-3.toml; do
  grep -qx "$f" "$work/files" || fail "$f is not in the package"
done
in_bin=$(grep -c '^/usr/bin/.' "$work/files")
[ "$in_bin" -eq 4 ] || fail "/usr/bin holds $in_bin files, not the four binaries: $(grep '^/usr/bin/.' "$work/files" | tr '\n' ' ')"
if grep -q '^/var/lib/helios' "$work/files"; then
  fail "the package ships /var/lib/helios: dpkg would remove it (and so the data) one day"
fi
if grep -q '^/usr/local' "$work/files"; then
  fail "the package installs under /usr/local"
fi

dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no executable $script in the package"
done
for f in /etc/helios/node-1.toml /etc/helios/node-2.toml /etc/helios/node-3.toml; do
  grep -qx "$f" "$work/control/conffiles" || fail "$f is not a conffile"
done

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
has_dep() { echo ", $depends" | grep -q ", $1\( \|,\|$\)"; }
has_dep adduser || fail "Depends lacks adduser (postinst runs it)"
dpkg-deb -x "$deb" "$work/root"
# The package owning a file: dpkg knows it under the path its package ships, which may be
# the /lib or the /usr/lib side of a merged /usr, and the symlink or its target.
owner_of() {
  local real candidates p
  real=$(readlink -f "$1")
  candidates=("$1" "$real" "${1#/usr}" "/usr${1#/usr}" "${real#/usr}" "/usr${real#/usr}")
  for p in "${candidates[@]}"; do
    dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 | grep . && return 0
  done
  return 1
}
# Every shared library helios-atlasd links directly (NEEDED; theirs are their packages'
# business) comes from a package it depends on.
readelf -d "$work/root/usr/bin/helios-atlasd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' \
  >"$work/needed"
[ -s "$work/needed" ] || fail "readelf lists no shared library helios-atlasd needs"
ldd "$work/root/usr/bin/helios-atlasd" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' \
  >"$work/ldd"
while read -r name; do
  awk -v n="$name" '$1 == n {print $2}' "$work/ldd" | grep . ||
    fail "ldd does not find $name, which helios-atlasd needs"
done <"$work/needed" >"$work/libs"
while read -r lib; do
  owner=$(owner_of "$lib") || fail "no package owns $lib"
  has_dep "$owner" || fail "helios-atlasd links $lib from $owner, which Depends lacks"
  echo "  $lib: $owner"
done <"$work/libs"
for lib in libssl3 libstdc++6 libsystemd0; do
  has_dep "$lib" || fail "Depends lacks $lib"
done

# --- 2. the unit ------------------------------------------------------------------------
unit="$work/root/lib/systemd/system/helios-raft@.service"
step "the unit"
for line in "Type=notify" "User=helios" "Group=helios" \
            "ExecStart=/usr/bin/helios-atlasd --config /etc/helios/%i.toml" \
            'ExecReload=/bin/kill -HUP $MAINPID' "ProtectSystem=strict" \
            "ReadWritePaths=/var/lib/helios" "NoNewPrivileges=yes" "LimitNOFILE=65536" \
            "RestartPreventExitStatus=70"; do
  grep -qxF "$line" "$unit" || fail "the packaged unit lacks '$line'"
done

# --- 3. install --------------------------------------------------------------------------
step "dpkg -i"
dpkg -i "$deb" || fail "dpkg -i failed"
step "dpkg -i again (postinst's upgrade path)"
dpkg -i "$deb" || fail "dpkg -i of the same package again failed"

IFS=: read -r _ _ uid gid _ home shell < <(getent passwd helios) || fail "no helios user"
[ "$uid" -lt 1000 ] || fail "helios is not a system user (uid $uid)"
[ "$(getent group helios | cut -d: -f3)" = "$gid" ] || fail "helios's group is not helios"
[ "$home" = /var/lib/helios ] || fail "helios's home is $home"
case "$shell" in */nologin|/bin/false) ;; *) fail "helios has the login shell $shell" ;; esac
[ "$(stat -c '%U:%G %a' /var/lib/helios)" = "helios:helios 750" ] ||
  fail "/var/lib/helios is $(stat -c '%U:%G %a' /var/lib/helios), not helios:helios 750"
# Each binary starts (its shared libraries resolve) and prints its usage (helios-cli and
# helios-wal exit 2 after it).
for b in helios-atlasd raft-example helios-cli helios-wal; do
  usage=$("/usr/bin/$b" --help 2>&1 || true)
  grep -qi "usage" <<<"$usage" || fail "/usr/bin/$b --help prints no usage: $usage"
done
dpkg-query -W -f='${Conffiles}\n' helios | grep -q "/etc/helios/node-1.toml" ||
  fail "dpkg does not list /etc/helios/node-1.toml as a conffile"
[ -f /lib/systemd/system/helios-raft@.service ] || fail "the unit is not installed"

if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify"
  # A template is verified through an instance: a copy named helios-raft@node-1.service.
  mkdir "$work/verify"
  cp /lib/systemd/system/helios-raft@.service "$work/verify/helios-raft@node-1.service"
  if ! systemd-analyze verify "$work/verify/helios-raft@node-1.service" >"$work/verify.log" 2>&1
  then
    cat "$work/verify.log"
    fail "systemd-analyze verify rejects the unit"
  fi
  cat "$work/verify.log"
  # It exits 0 after warnings (an unknown key, a value it ignores): those fail here too.
  if grep -q "helios-raft" "$work/verify.log"; then
    fail "systemd-analyze verify warns about the unit"
  fi
else
  echo "systemd-analyze is not installed (Debian's systemd package): not verifying the unit"
fi

step "a node as the helios user, its data in /var/lib/helios"
read -r peer_port admin_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
setpriv --reuid=helios --regid=helios --init-groups -- /usr/bin/helios-atlasd \
  --node-id 1 --cluster-id package-test --data-dir /var/lib/helios/raft \
  --admin "127.0.0.1:$admin_port" --peers "1=127.0.0.1:$peer_port" \
  >"$work/node.log" 2>&1 &
node_pid=$!
leader=""
for _ in $(seq 100); do
  leader=$(python3 -c "
import json, urllib.request
try:
    s = json.load(urllib.request.urlopen('http://127.0.0.1:$admin_port/status', timeout=1))
    print(s.get('state', ''))
except Exception:
    pass" || true)
  [ "$leader" = Leader ] && break
  kill -0 "$node_pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$node_pid"
node_status=0
wait "$node_pid" || node_status=$?
node_pid=""
[ "$node_status" -eq 0 ] || { cat "$work/node.log"; fail "the node exited with status $node_status"; }
[ "$leader" = Leader ] || { cat "$work/node.log"; fail "the node did not become leader"; }
[ "$(stat -c %U /var/lib/helios/raft)" = helios ] || fail "the node's data is not helios's"
echo "keep me" >/var/lib/helios/marker

if command -v strace >/dev/null && command -v systemd-analyze >/dev/null; then
  step "the node within the unit's sandbox (strace against its hardening)"
  python3 "$(dirname "$0")/check_sandbox.py" /lib/systemd/system/helios-raft@.service \
    /usr/bin/helios-atlasd /var/lib/helios/sandbox || fail "the unit's sandbox would break the node"
else
  echo "strace or systemd-analyze is not installed: not checking the unit's sandbox"
fi

# An instance enabled as an operator would (systemctl works on the links without systemd).
if ! systemctl enable helios-raft@node-1.service >/dev/null 2>&1; then
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -s /lib/systemd/system/helios-raft@.service \
    /etc/systemd/system/multi-user.target.wants/helios-raft@node-1.service
fi
[ -L /etc/systemd/system/multi-user.target.wants/helios-raft@node-1.service ] ||
  fail "could not enable helios-raft@node-1"

# --- 4. remove, then purge ---------------------------------------------------------------
step "dpkg -r helios"
dpkg -r helios || fail "dpkg -r failed"
[ ! -e /etc/systemd/system/multi-user.target.wants/helios-raft@node-1.service ] ||
  fail "the enabled instance is still enabled after remove"
[ ! -e /usr/bin/helios-atlasd ] || fail "/usr/bin/helios-atlasd is still there after remove"
[ ! -e /lib/systemd/system/helios-raft@.service ] || fail "the unit is still there after remove"
[ -f /etc/helios/node-1.toml ] || fail "remove deleted the configuration files"
[ "$(cat /var/lib/helios/marker 2>/dev/null)" = "keep me" ] || fail "remove lost /var/lib/helios"
[ -d /var/lib/helios/raft ] || fail "remove lost the node's data"
getent passwd helios >/dev/null || fail "remove deleted the helios user"

step "dpkg --purge helios"
dpkg --purge helios || fail "dpkg --purge failed"
[ ! -e /etc/helios/node-1.toml ] || fail "purge kept /etc/helios/node-1.toml"
[ "$(cat /var/lib/helios/marker 2>/dev/null)" = "keep me" ] || fail "purge lost /var/lib/helios"
[ -d /var/lib/helios/raft ] || fail "purge lost the node's data"
getent passwd helios >/dev/null || fail "purge deleted the helios user (docs say it stays)"

# --- 5. leave the machine as found -------------------------------------------------------
step "cleaning up"
trap - EXIT
cleanup
getent passwd helios >/dev/null && fail "could not delete the helios user"
[ ! -e /var/lib/helios ] || fail "could not delete /var/lib/helios"
echo "PASS: the helios package installs, runs, removes and purges as documented"
