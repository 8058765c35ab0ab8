#pragma once
// Joining a running cluster (--join HOST:ADMINPORT; docs/operations.md, "Membership"): a node
// that is not a member of its configuration asks the cluster to add it, as a learner that
// the leader promotes to voter once it caught up (unless --learner).

#include <csignal>

#include "node/runtime.h"

namespace helios::apps {

// On the main thread, after the runtime started: GET /members at the join address (the
// cluster id must be this node's; the members' peer addresses seed the transport), then
// POST /members to the leader (following 421 answers), retrying while the cluster is busy or
// unreachable. Returns 0 once this node is a member (at once if it already was), 1 when the
// cluster refuses (its message is logged), -1 when a signal in `signals` arrived meanwhile.
int join_cluster(node::Runtime& runtime, const sigset_t& signals);

}  // namespace helios::apps
