#pragma once
// Identifiers named after the Raft paper.
//
// Term and Index are plain unsigned 64-bit counters: the core does arithmetic on them on
// every path (index + 1, commit - applied), and a wrapper would only add casts. NodeId is
// a number too; 0 means "no node" (no vote cast, no leader known).

#include <cstdint>

namespace helios {

using Term = std::uint64_t;
using Index = std::uint64_t;
using NodeId = std::uint64_t;

inline constexpr NodeId kNoNode = 0;

}  // namespace helios
