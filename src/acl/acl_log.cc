#include "acl/acl_log.h"

#include <algorithm>

namespace helios::acl {

namespace {

std::string cut(std::string_view s) {
  return std::string(s.substr(0, kMaxLogFieldBytes));
}

}  // namespace

std::string_view reason_name(LogReason reason) {
  switch (reason) {
    case LogReason::kCommand:
      return "command";
    case LogReason::kKey:
      return "key";
    case LogReason::kChannel:
      return "channel";
    case LogReason::kAuth:
      return "auth";
  }
  return "unknown";
}

std::string_view context_name(LogContext context) {
  switch (context) {
    case LogContext::kToplevel:
      return "toplevel";
    case LogContext::kMulti:
      return "multi";
    case LogContext::kLua:
      return "lua";
    case LogContext::kModule:
      return "module";
  }
  return "unknown";
}

LogReason log_reason(const Verdict& verdict) {
  return verdict.kind == Verdict::Kind::kDeniedKey ? LogReason::kKey : LogReason::kCommand;
}

void AclLog::add(LogReason reason, LogContext context, std::string_view object,
                 std::string_view username, std::string_view client_info, std::int64_t now_ms) {
  if (max_len_ == 0) {
    return;
  }
  const std::string obj = cut(object);
  const std::string user = cut(username);
  const std::size_t scan = std::min(entries_.size(), kMergeScan);
  for (std::size_t i = 0; i < scan; ++i) {
    LogEntry& e = entries_[i];
    const std::int64_t delta =
        e.last_updated_ms > now_ms ? e.last_updated_ms - now_ms : now_ms - e.last_updated_ms;
    if (e.reason == reason && e.context == context && delta <= kGroupingWindowMs &&
        e.object == obj && e.username == user) {
      LogEntry merged = std::move(e);
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      ++merged.count;
      merged.client_info = cut(client_info);
      merged.last_updated_ms = now_ms;
      entries_.push_front(std::move(merged));
      return;
    }
  }
  entries_.push_front(
      LogEntry{1, reason, context, obj, user, cut(client_info), next_id_++, now_ms, now_ms});
  trim();
}

void AclLog::set_max_len(std::size_t max_len) {
  max_len_ = max_len;
  trim();
}

void AclLog::trim() {
  while (entries_.size() > max_len_) {
    entries_.pop_back();
  }
}

}  // namespace helios::acl
