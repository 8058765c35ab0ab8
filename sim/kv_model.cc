#include "sim/kv_model.h"

namespace helios::sim {

// Layout: client '|' op '|' key '|' value (keys never contain '|'; values may).
std::string encode_command(const KvCommand& c) {
  return std::to_string(c.client) + "|" + std::to_string(c.op) + "|" + c.key + "|" + c.value;
}

std::optional<KvCommand> decode_command(const std::string& data) {
  const auto a = data.find('|');
  if (a == std::string::npos) {
    return std::nullopt;
  }
  const auto b = data.find('|', a + 1);
  if (b == std::string::npos) {
    return std::nullopt;
  }
  const auto c = data.find('|', b + 1);
  if (c == std::string::npos) {
    return std::nullopt;
  }
  KvCommand cmd;
  cmd.client = std::stoull(data.substr(0, a));
  cmd.op = std::stoull(data.substr(a + 1, b - a - 1));
  cmd.key = data.substr(b + 1, c - b - 1);
  cmd.value = data.substr(c + 1);
  return cmd;
}

std::optional<std::string> KvStore::get(const std::string& key) const {
  auto it = data_.find(key);
  if (it == data_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace helios::sim
