// The previous minor version of the wire, for tests only: linked into `raft-example-prev`
// ahead of the helios_wire library, whose version.cc it replaces (wire/version.h). The code is
// today's; only the minor it announces is older, so a test can check what a node does beside
// a peer of the previous minor (tests/cluster/test_upgrade.py).
#include "wire/version.h"

namespace helios::wire {

std::uint16_t wire_minor() {
  return 0;
}

}  // namespace helios::wire
