#pragma once
// WATCH's part of a transaction on its way to the log: the keys a connection watched and
// their versions (atlas::Store::key_version, read after a read barrier) travel with the
// EXEC as one extra command in front of the queued ones, the guard argv
//
//   kWatchGuardName key version key version ...     (versions in decimal)
//
// so that the Executor, at the leader or after a follower forwarded the transaction (the
// forward frame carries argvs as they are), turns it into the atlas::WatchOp that guards
// the transaction's ops. The name holds a NUL byte and is in no command table: a client
// cannot send it (an unknown command), and only an EXEC job (whose commands are the queued
// ones, each found in the table) starts with it.
//
// Pure functions, no state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/plan.h"
#include "atlas/command.h"

namespace helios::api {

inline constexpr std::string_view kWatchGuardName{"\0WATCH", 6};

// The guard argv of `watched` (key, version) pairs; at least one pair.
Argv watch_guard_argv(const std::vector<std::pair<std::string, std::uint64_t>>& watched);

// The WatchOp (guarded = 0: the caller sets it) of a guard argv; nullopt if `argv` is not
// one (another command, or a malformed guard).
std::optional<atlas::WatchOp> parse_watch_guard(const Argv& argv);

}  // namespace helios::api
