#pragma once
// Membership: the rules and the encoding of a configuration (ConfState, raft/types.h).
//
// Encoding of a ConfState (the data of a kConfChange entry; also inside snapshot files and
// InstallSnapshot messages), integers little-endian:
//
//     version (= kConfStateVersion)                 u8
//     voters:          count u32, ids u64 each
//     learners:        count u32, ids u64 each
//     voters_outgoing: count u32, ids u64 each
//     context:         length u32, bytes
//
// Decoding is strict and also checks validate_conf_state(): anything else is
// kInvalidArgument, never an assert (it comes from disks and peers).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "raft/types.h"

namespace helios::raft {

inline constexpr std::uint8_t kConfStateVersion = 1;
inline constexpr std::size_t kMaxMembers = 4096;                // per list
inline constexpr std::size_t kMaxConfContextBytes = 64 * 1024;  // the node's address book

// A voter of the configuration (in voters or voters_outgoing).
bool is_voter(const ConfState& conf, NodeId id);
// In voters (the incoming side): the configuration after the change completes.
bool is_incoming_voter(const ConfState& conf, NodeId id);
bool is_learner(const ConfState& conf, NodeId id);
// Every member: voters, outgoing voters and learners, sorted, each once.
std::vector<NodeId> members(const ConfState& conf);
bool is_member(const ConfState& conf, NodeId id);

// OK if every list is sorted with no id twice and no id 0, within kMaxMembers, learners
// share no id with either voter list, the context is within kMaxConfContextBytes, and there
// is at least one voter unless the whole configuration is empty (a node that joins knows no
// configuration until the leader sends it one).
Status validate_conf_state(const ConfState& conf);

// Whether a leader whose configuration is `current` may append a configuration entry for
// `next` (both valid): `current` is not joint; `next` is either
//   - simple: the same voters, no outgoing voters (learners added or removed), or
//   - joint: voters_outgoing == current.voters, voters != current.voters (any number of
//     voters added and removed at once: the cluster leaves it by itself once committed),
// and no voter becomes a learner in one step (remove it, then add it as a learner).
Status check_transition(const ConfState& current, const ConfState& next);

// The configuration that leaves the joint `conf`: its incoming side.
ConfState leave_joint(const ConfState& conf);

void encode_conf_state(std::string& out, const ConfState& conf);
std::string encode_conf_state(const ConfState& conf);
Result<ConfState> decode_conf_state(std::string_view bytes);

// "voters=[1 2 3] learners=[4] outgoing=[1 2]", for logs and errors.
std::string describe(const ConfState& conf);

}  // namespace helios::raft
