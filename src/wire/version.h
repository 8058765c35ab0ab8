#pragma once
// The wire protocol's version: major.minor (docs/operations.md, "Upgrades").
//
//   major  kProtocolVersion (wire/frame.h), in every frame header. A frame of another major
//          version is refused with a message naming both: a layout changed incompatibly,
//          and such nodes cannot be in one cluster (upgrade with a full restart).
//   minor  wire_minor(), in the hello of every peer connection (wire/raft_codec.h). Nodes of
//          the same major and different minors talk: a minor adds only what an older node of
//          the same major can do without, and a node sends a peer only what the smaller of
//          their two minors has. Minor 0 is the first of major 2. Minor 1 adds the data
//          types and WATCH: a leader proposes log entries holding object ops
//          (atlas/objects.h), WATCH ops or the start of key versions only while no member
//          has greeted it with minor 0 (Runtime::member_below_wire_minor), and snapshots
//          leave the key versions out until they started (atlas/store.h).
//
// wire_minor() is a function in a file of its own so that a test build can link another
// definition (wire/version_next.cc, the `raft-example-next` target) and run a rolling
// upgrade between two builds of different minor versions (tests/cluster/test_upgrade.py).

#include <cstdint>

namespace helios::wire {

std::uint16_t wire_minor();

}  // namespace helios::wire
