// The set commands (atlas/objects.h). Rows are added as the family is implemented.

#include "atlas/obj_common.h"

namespace helios::atlas {

std::span<const ObjectCommand> set_commands() {
  return {};
}

}  // namespace helios::atlas
