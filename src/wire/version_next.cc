// The next minor version of the wire, for tests only: linked into `raft-example-next`
// ahead of the helios_wire library, whose version.cc it replaces (wire/version.h).
#include "wire/version.h"

namespace helios::wire {

std::uint16_t wire_minor() {
  return 2;
}

}  // namespace helios::wire
