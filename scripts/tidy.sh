#!/usr/bin/env bash
# Tidy rules that the compiler does not check (architecture.md coding habits 8, 9, 15). Run by ctest.
#   - the Raft core stays pure: no threads, clocks, global randomness, files or sockets;
#   - only src/env/posix/ includes the OS's file headers;
#   - lines of at most 100 columns; source files of at most 700 lines (the aim is 600);
#   - no FIXME left behind.
set -u
cd "$(dirname "$0")/.."
status=0
fail() { echo "tidy: $*"; status=1; }

banned='#include <(thread|mutex|chrono|random|fstream|iostream|unistd\.h|fcntl\.h|sys/socket\.h|netinet/.*|arpa/.*|ctime)>|_clock::now|random_device|std::rand\('
while IFS= read -r hit; do
  fail "impure core: $hit"
done < <(grep -rnE "$banned" src/raft src/atlas 2>/dev/null)

while IFS= read -r hit; do
  fail "OS header outside src/env/posix: $hit"
done < <(grep -rnE '#include <(unistd|fcntl|dirent)\.h>|#include <sys/(file|stat|types)\.h>' src \
         | grep -v '^src/env/posix/')

files=$(git ls-files 'src/*.h' 'src/*.cc' 'sim/*.h' 'sim/*.cc' 'apps/*.cc' 'bench/*.cc' \
        'tests/*.h' 'tests/*.cc' 2>/dev/null)
for f in $files; do
  [ -f "$f" ] || continue
  awk -v f="$f" 'length($0) > 100 { printf "tidy: %s:%d: line over 100 columns\n", f, NR; bad=1 }
                 END { exit bad }' "$f" || status=1
  lines=$(wc -l < "$f")
  case "$f" in
    tests/*) limit=1200 ;;
    bench/*) limit=1000 ;;  # one standalone program per benchmark
    *) limit=700 ;;
  esac
  [ "$lines" -le "$limit" ] || fail "$f has $lines lines (limit $limit): split it by concern"
  if grep -n 'FIXME' "$f" >/dev/null; then fail "$f: FIXME"; fi
done
[ $status -eq 0 ] && echo "tidy: ok"
exit $status
