#include "api/watch.h"

#include "atlas/integer.h"

namespace helios::api {

Argv watch_guard_argv(const std::vector<std::pair<std::string, std::uint64_t>>& watched) {
  Argv argv;
  argv.reserve(1 + 2 * watched.size());
  argv.emplace_back(kWatchGuardName);
  for (const auto& [key, version] : watched) {
    argv.push_back(key);
    argv.push_back(std::to_string(version));
  }
  return argv;
}

std::optional<atlas::WatchOp> parse_watch_guard(const Argv& argv) {
  if (argv.empty() || argv[0] != kWatchGuardName || argv.size() < 3 || argv.size() % 2 == 0) {
    return std::nullopt;
  }
  atlas::WatchOp op;
  for (std::size_t i = 1; i + 1 < argv.size(); i += 2) {
    const std::optional<std::int64_t> version = atlas::parse_int64(argv[i + 1]);
    if (!version || *version < 0) {
      return std::nullopt;
    }
    op.keys.push_back(argv[i]);
    op.versions.push_back(static_cast<std::uint64_t>(*version));
  }
  return op;
}

}  // namespace helios::api
