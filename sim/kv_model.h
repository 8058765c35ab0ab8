#pragma once
// The state machine the simulator replicates: a tiny KV store with puts, and the encoding
// of client commands into log entries. Reads never enter the log (they use ReadIndex).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace helios::sim {

struct KvCommand {
  std::uint64_t client = 0;
  std::uint64_t op = 0;
  std::string key;
  std::string value;
  std::uint64_t ttl_ms = 0;  // 0: no TTL
};

std::string encode_command(const KvCommand& command);
// Returns nothing for data that is not a command (the core never produces such entries;
// the simulator asserts on it).
std::optional<KvCommand> decode_command(const std::string& data);

class KvStore {
 public:
  void put(const std::string& key, const std::string& value) { data_[key] = value; }
  std::optional<std::string> get(const std::string& key) const;

 private:
  std::map<std::string, std::string> data_;
};

}  // namespace helios::sim
