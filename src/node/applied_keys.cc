#include "node/applied_keys.h"

#include <type_traits>
#include <variant>

#include "atlas/objects.h"

namespace helios::node {

std::vector<std::string> keys_that_may_grow(const atlas::Command& command) {
  std::vector<std::string> keys;
  for (const atlas::Op& op : command.ops) {
    std::visit(
        [&keys](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, atlas::ObjOp>) {
            const atlas::ObjectCommand* row = atlas::find_object_command(o.code);
            if (row == nullptr || row->write == nullptr) {
              return;  // a read changes nothing (decode_command refuses unknown codes)
            }
            for (std::size_t i : atlas::object_key_positions(*row, o.args)) {
              keys.push_back(o.args[i]);
            }
          } else if constexpr (std::is_same_v<T, atlas::RenameOp>) {
            keys.push_back(o.dst);
          }
        },
        op);
  }
  return keys;
}

}  // namespace helios::node
