#pragma once
// Status and Result<T>: expected failures (bad input, not leader, compacted entry), as
// opposed to programmer bugs (HELIOS_ASSERT) or an untrustworthy environment (PANIC).

#include <string>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace helios {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // the request is malformed; retrying it unchanged will fail again
  kNotFound,
  kNotLeader,    // this node is not the leader; retry at the leader (certainly not applied)
  kCompacted,    // the requested log entry was removed by compaction
  kUnavailable,  // the requested entry or service is not available yet; retry later
  kAborted,      // the operation was dropped (for example, leadership changed before it ran)
  kUncertain,    // the outcome is unknown: it may or may not have been applied
  kCorruption,   // stored data failed a check
  kIoError,
  kInternal,
};

const char* code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design
    HELIOS_ASSERT(!std::get<Status>(value_).is_ok());
  }

  bool is_ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const& {
    HELIOS_ASSERT(is_ok());
    return std::get<T>(value_);
  }
  T& value() & {
    HELIOS_ASSERT(is_ok());
    return std::get<T>(value_);
  }
  T&& value() && {
    HELIOS_ASSERT(is_ok());
    return std::get<T>(std::move(value_));
  }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(value_);
  }

 private:
  std::variant<T, Status> value_;
};

}  // namespace helios
