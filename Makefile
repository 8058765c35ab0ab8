# Entry points. `make test` on a fresh Debian 12 machine installs dependencies, builds the
# release preset (assertions on) and runs every test. Binaries land in build/bin/.
.PHONY: all deps build test dev dev-test tsan-sim sim cluster cluster-secure stop format clean install deb

all: build

deps:
	scripts/deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release

test: build
	ctest --preset release

# The release build installed under /usr/local (binaries in bin/, the systemd unit in
# lib/systemd/system/) and the example configurations in /etc/helios/. DESTDIR applies;
# PREFIX=/opt/helios moves everything but /etc/helios (docs/operations.md, "Install").
PREFIX ?= /usr/local
install: build
	cmake --install build/release --prefix "$(PREFIX)"

# The Debian package build/deb/helios_<version>_<arch>.deb (binaries in /usr/bin).
deb: build
	cpack --config build/release/CPackConfig.cmake -B build/deb

dev: deps
	cmake --preset dev
	cmake --build --preset dev

# Unit and scenario tests under ASan + UBSan (the sanitizer preset).
dev-test: dev
	ctest --preset dev -L unit

# Simulator seeds on two threads under TSan: the seeds share the process, so any state the
# product keeps per process (not per node) shows up here as a race.
tsan-sim: deps
	cmake --preset tsan
	cmake --build --preset tsan --target helios-sim
	build/tsan/bin/helios-sim --seeds 100 --first-seed 1 --nodes 3 --jobs 2

# The quick start's three nodes in the background; `make stop` stops them by PID.
cluster:
	scripts/start-cluster.sh

# The same with TLS on every port and a password (docs/security.md); prints how to connect.
cluster-secure:
	scripts/start-cluster.sh --secure

stop:
	scripts/stop-cluster.sh

sim: build
	build/bin/helios-sim --seeds 1000 --first-seed 1 --nodes 3
	build/bin/helios-sim --seeds 1000 --first-seed 1 --nodes 5

format:
	find src sim apps tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
