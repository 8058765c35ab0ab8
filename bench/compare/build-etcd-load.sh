#!/usr/bin/env bash
# Builds bench/compare/etcd-load (etcd's v3 gRPC load generator) offline from Debian packages:
# golang-go and golang-etcd-server-dev (which pulls in clientv3's Go dependencies as
# golang-*-dev packages under /usr/share/gocode). GOPATH mode, no module proxy, no network.
# Cached: rebuilt only when main.go or the Go / etcd packages change.
#
# usage: bench/compare/build-etcd-load.sh OUT_DIR     prints the binary's path on stdout
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out_dir="${1:?usage: build-etcd-load.sh OUT_DIR}"
src="$here/etcd-load/main.go"
gocode=/usr/share/gocode

if ! command -v go > /dev/null || [ ! -d "$gocode/src/go.etcd.io/etcd/clientv3" ]; then
  echo "build-etcd-load: needs the apt packages golang-go golang-etcd-server-dev" >&2
  exit 1
fi

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
bin="$out_dir/etcd-load"
# The cache key: our source, the Go toolchain and the etcd package versions.
stamp="$( { sha256sum "$src"; go version;
            dpkg-query -W -f '${Version}\n' golang-etcd-server-dev 2> /dev/null || true; } |
          sha256sum | cut -c1-16)"
if [ -x "$bin" ] && [ "$(cat "$bin.stamp" 2> /dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi

echo "build-etcd-load: building $bin (GOPATH mode, offline; ~30 s the first time)" >&2
GO111MODULE=off GOFLAGS='' GOPROXY=off GOPATH="$gocode" GOCACHE="$out_dir/go-cache" \
  go build -o "$bin.tmp" "$src" >&2
mv "$bin.tmp" "$bin"
echo "$stamp" > "$bin.stamp"
echo "$bin"
