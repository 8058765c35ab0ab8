#pragma once
// AclLog: Redis's ACL LOG, the bounded list of recent refusals (a command, a key, a channel
// or an authentication), newest first.
//
// Like Redis (7.2's addACLLogEntry), a new event is merged into a recent entry instead of
// adding one when it has the same reason, context, object and username and happened within
// kGroupingWindowMs of that entry's last update; only the 10 newest entries are searched.
// The merged entry moves to the front, counts one more, and takes the new client info and
// time. A new entry gets the next entry id; the log keeps at most max_len() entries,
// dropping the oldest (max_len 0 keeps none, as acllog-max-len 0 does).
//
// Time is the caller's (milliseconds since the epoch, passed in): the log reads no clock.
// Strings are cut at kMaxLogFieldBytes, so a huge key cannot pin memory. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "acl/limits.h"
#include "acl/verdict.h"

namespace helios::acl {

enum class LogReason : std::uint8_t { kCommand, kKey, kChannel, kAuth };
enum class LogContext : std::uint8_t { kToplevel, kMulti, kLua, kModule };

// ACL LOG's words: "command", "key", "channel", "auth"; "toplevel", "multi", "lua", "module".
std::string_view reason_name(LogReason reason);
std::string_view context_name(LogContext context);
// The reason to log for a refused verdict (kCommand or kKey).
LogReason log_reason(const Verdict& verdict);

struct LogEntry {
  std::uint64_t count = 1;
  LogReason reason = LogReason::kCommand;
  LogContext context = LogContext::kToplevel;
  std::string object;  // the command's full name, the key, or "AUTH" as the client typed it
  std::string username;
  std::string client_info;  // CLIENT INFO's line for the (last) client
  std::int64_t entry_id = 0;
  std::int64_t created_ms = 0;       // timestamp-created
  std::int64_t last_updated_ms = 0;  // timestamp-last-updated; age-seconds = (now - this) / 1000
};

class AclLog {
 public:
  static constexpr std::int64_t kGroupingWindowMs = 60'000;
  static constexpr std::size_t kMergeScan = 10;

  explicit AclLog(std::size_t max_len = kAclLogMaxLen) : max_len_(max_len) {}

  void add(LogReason reason, LogContext context, std::string_view object, std::string_view username,
           std::string_view client_info, std::int64_t now_ms);
  // ACL LOG RESET: drops every entry (entry ids keep counting, as in Redis).
  void reset() { entries_.clear(); }
  // CONFIG SET acllog-max-len: drops the oldest entries beyond the new bound.
  void set_max_len(std::size_t max_len);

  const std::deque<LogEntry>& entries() const { return entries_; }  // newest first
  std::size_t max_len() const { return max_len_; }

 private:
  void trim();

  std::deque<LogEntry> entries_;
  std::size_t max_len_;
  std::int64_t next_id_ = 0;
};

}  // namespace helios::acl
