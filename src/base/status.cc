#include "base/status.h"

namespace helios {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kNotLeader:
      return "NOT_LEADER";
    case Code::kCompacted:
      return "COMPACTED";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kAborted:
      return "ABORTED";
    case Code::kUncertain:
      return "UNCERTAIN";
    case Code::kCorruption:
      return "CORRUPTION";
    case Code::kIoError:
      return "IO_ERROR";
    case Code::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::to_string() const {
  if (is_ok()) {
    return "OK";
  }
  return std::string(code_name(code_)) + ": " + message_;
}

}  // namespace helios
