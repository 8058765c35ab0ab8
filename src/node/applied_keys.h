#pragma once
// The keys an applied ATLAS command may have added elements to, for the client port's
// blocked commands (api/blocking.h: BLPOP, BLMOVE, BZPOPMIN... wait on keys and retry when
// one may have gained elements).
//
// Rule: a superset is fine, a key left out is not. The listener checks what each key holds
// before it wakes anyone, so it is enough to name every key an object write names (LPUSH,
// ZADD, LMOVE's both keys, ZUNIONSTORE's destination... and the pops too) and RENAME's
// destination. String writes (SET, APPEND...) never make a list or a sorted set, and
// deletions, expiry and FLUSHALL only take elements away. Pure; no allocation beyond the
// result.

#include <string>
#include <vector>

#include "atlas/command.h"

namespace helios::node {

std::vector<std::string> keys_that_may_grow(const atlas::Command& command);

}  // namespace helios::node
