#pragma once
// LogLimiter: at most one log line per key (a remote IP address) and second, for lines that
// input from outside can trigger at will (refused handshakes, garbage on a port): a client
// that opens connections in a loop must not fill the disk with logs. Lines it holds back are
// counted, and the next line allowed for the key can say how many were suppressed.
//
// Memory is bounded: at most kMaxKeys keys are remembered; when full, the table is cleared
// (at worst a few more lines get through). Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace helios::base {

class LogLimiter {
 public:
  static constexpr std::size_t kMaxKeys = 4096;

  // True if a line for `key` may be written at `now_ms` (a steady clock); `suppressed` gets
  // the number of lines held back for this key since the last allowed one.
  bool allow(const std::string& key, std::int64_t now_ms, std::uint64_t* suppressed = nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(key);
    if (it != last_.end() && now_ms - it->second.at_ms < 1000) {
      ++it->second.suppressed;
      return false;
    }
    if (it == last_.end()) {
      if (last_.size() >= kMaxKeys) {
        last_.clear();
      }
      it = last_.emplace(key, Entry{}).first;
    }
    if (suppressed != nullptr) {
      *suppressed = it->second.suppressed;
    }
    it->second = Entry{now_ms, 0};
    return true;
  }

 private:
  struct Entry {
    std::int64_t at_ms = 0;
    std::uint64_t suppressed = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> last_;
};

}  // namespace helios::base
