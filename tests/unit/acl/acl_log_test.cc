// AclLog: merging of similar events (Redis 7.2's addACLLogEntry), the bound, entry ids and
// timestamps, reset.
#include <gtest/gtest.h>

#include <string>

#include "acl/acl_log.h"

namespace helios::acl {
namespace {

TEST(AclLogTest, similarEventsMerge) {
  AclLog log;
  log.add(LogReason::kCommand, LogContext::kToplevel, "get", "alice", "id=1", 1000);
  log.add(LogReason::kCommand, LogContext::kToplevel, "get", "alice", "id=2", 1500);
  ASSERT_EQ(log.entries().size(), 1u);
  const LogEntry& e = log.entries().front();
  EXPECT_EQ(e.count, 2u);
  EXPECT_EQ(e.client_info, "id=2");  // the last client
  EXPECT_EQ(e.entry_id, 0);
  EXPECT_EQ(e.created_ms, 1000);
  EXPECT_EQ(e.last_updated_ms, 1500);
  // Any difference in reason, context, object or user makes a new entry.
  log.add(LogReason::kKey, LogContext::kToplevel, "get", "alice", "", 1600);
  log.add(LogReason::kCommand, LogContext::kMulti, "get", "alice", "", 1600);
  log.add(LogReason::kCommand, LogContext::kToplevel, "set", "alice", "", 1600);
  log.add(LogReason::kCommand, LogContext::kToplevel, "get", "bob", "", 1600);
  ASSERT_EQ(log.entries().size(), 5u);
  EXPECT_EQ(log.entries().front().entry_id, 4);  // newest first
  EXPECT_EQ(log.entries().front().username, "bob");
  // A merge moves the entry to the front.
  log.add(LogReason::kCommand, LogContext::kToplevel, "get", "alice", "id=3", 1700);
  EXPECT_EQ(log.entries().front().count, 3u);
  EXPECT_EQ(log.entries().front().entry_id, 0);
  EXPECT_EQ(log.entries().size(), 5u);
}

TEST(AclLogTest, onlyWithinSixtySecondsAndTheTenNewest) {
  AclLog log;
  log.add(LogReason::kAuth, LogContext::kToplevel, "AUTH", "x", "", 0);
  log.add(LogReason::kAuth, LogContext::kToplevel, "AUTH", "x", "", AclLog::kGroupingWindowMs);
  EXPECT_EQ(log.entries().size(), 1u);  // exactly 60 s apart still merges
  log.add(LogReason::kAuth, LogContext::kToplevel, "AUTH", "x", "",
          2 * AclLog::kGroupingWindowMs + 1);
  EXPECT_EQ(log.entries().size(), 2u);
  for (int i = 0; i < 10; ++i) {
    log.add(LogReason::kKey, LogContext::kToplevel, "k" + std::to_string(i), "x", "", 200'000);
  }
  // The AUTH entry is now 11th: not searched, so a new one is made.
  log.add(LogReason::kAuth, LogContext::kToplevel, "AUTH", "x", "",
          2 * AclLog::kGroupingWindowMs + 2);
  EXPECT_EQ(log.entries().size(), 13u);
  EXPECT_EQ(log.entries().front().count, 1u);
}

TEST(AclLogTest, boundedResetAndMaxLen) {
  AclLog log;
  for (int i = 0; i < 200; ++i) {
    log.add(LogReason::kCommand, LogContext::kToplevel, "c" + std::to_string(i), "u", "", i);
  }
  ASSERT_EQ(log.entries().size(), kAclLogMaxLen);
  EXPECT_EQ(log.entries().front().object, "c199");
  EXPECT_EQ(log.entries().back().object, "c72");
  log.set_max_len(3);
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries().back().object, "c197");
  log.reset();
  EXPECT_TRUE(log.entries().empty());
  log.add(LogReason::kCommand, LogContext::kToplevel, "c", "u", "", 0);
  EXPECT_EQ(log.entries().front().entry_id, 200);  // ids go on after a reset
  log.set_max_len(0);
  log.add(LogReason::kCommand, LogContext::kToplevel, "d", "u", "", 0);
  EXPECT_TRUE(log.entries().empty());
  AclLog huge;
  huge.add(LogReason::kKey, LogContext::kToplevel, std::string(1 << 20, 'k'), "u", "", 0);
  EXPECT_EQ(huge.entries().front().object.size(), kMaxLogFieldBytes);
}

TEST(AclLogTest, names) {
  EXPECT_EQ(reason_name(LogReason::kCommand), "command");
  EXPECT_EQ(reason_name(LogReason::kKey), "key");
  EXPECT_EQ(reason_name(LogReason::kChannel), "channel");
  EXPECT_EQ(reason_name(LogReason::kAuth), "auth");
  EXPECT_EQ(context_name(LogContext::kToplevel), "toplevel");
  EXPECT_EQ(context_name(LogContext::kMulti), "multi");
  EXPECT_EQ(context_name(LogContext::kLua), "lua");
  EXPECT_EQ(context_name(LogContext::kModule), "module");
}

}  // namespace
}  // namespace helios::acl
