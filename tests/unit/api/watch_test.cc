// WATCH's guard argv (api/watch.h): what a session puts in front of an EXEC's commands and
// the Executor turns into an atlas::WatchOp, at the leader or after a forward.
#include "api/watch.h"

#include <gtest/gtest.h>

#include "api/command_table.h"
#include "api/plan.h"

namespace helios::api {
namespace {

TEST(WatchGuardTest, roundTripsKeysAndVersions) {
  const Argv argv = watch_guard_argv({{"k", 7}, {"", 0}, {std::string("b\0in", 4), 1ull << 40}});
  ASSERT_EQ(argv.size(), 7u);
  EXPECT_EQ(argv[0], kWatchGuardName);
  const std::optional<atlas::WatchOp> op = parse_watch_guard(argv);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->guarded, 0u);
  EXPECT_EQ(op->keys, (std::vector<std::string>{"k", "", std::string("b\0in", 4)}));
  EXPECT_EQ(op->versions, (std::vector<std::uint64_t>{7, 0, 1ull << 40}));
}

TEST(WatchGuardTest, anythingElseIsNotAGuard) {
  for (const Argv& argv : std::vector<Argv>{{},
                                            {"SET", "k", "v"},
                                            {"WATCH", "k", "1"},
                                            {std::string(kWatchGuardName)},
                                            {std::string(kWatchGuardName), "k"},
                                            {std::string(kWatchGuardName), "k", "x"},
                                            {std::string(kWatchGuardName), "k", "-1"},
                                            {std::string(kWatchGuardName), "k", "1", "j"}}) {
    EXPECT_FALSE(parse_watch_guard(argv).has_value()) << argv.size();
  }
  // No client can name it: it is in no command table.
  EXPECT_EQ(find_command(std::string(kWatchGuardName)), nullptr);
}

}  // namespace
}  // namespace helios::api
