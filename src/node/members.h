#pragma once
// Members: the addresses of a cluster's members, carried in the context of every
// configuration (raft::ConfState::context, opaque to the core), so that they live in the
// log and in snapshots and every node learns a new member's address from the configuration
// that adds it (docs/formats.md, "Member addresses").
//
// Encoding (integers little-endian):
//
//     magic "HMB"                                    3 bytes
//     version (= kMembersVersion)                    u8
//     count                                          u32 (at most raft::kMaxMembers)
//     count x member, sorted by id, ids distinct and > 0:
//       id                                           u64
//       flags                                        u8 (bit 0: kAutoPromote; others 0)
//       peer, client, admin: each an address
//     address := host length u8, host bytes, port u16 (port 0 <=> empty host: unknown)
//
// The whole encoding is at most raft::kMaxConfContextBytes. The peer address is required
// (a member without one could never be reached); client and admin may be unknown. Decoding
// is strict: anything else, and trailing bytes, is kInvalidArgument with a message naming
// what is wrong.
//
// Also the pure rules of the admin API's changes (plan_add, plan_remove, plan_promote): the
// configuration to propose for a request, or why it is refused. No threads, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "node/config.h"
#include "raft/types.h"

namespace helios::node {

inline constexpr std::uint8_t kMembersVersion = 1;
inline constexpr std::size_t kMaxHostBytes = 255;
// Member flag: the leader promotes this learner to voter once it caught up (a node that
// joined with --join, unless it asked to stay a learner).
inline constexpr std::uint8_t kAutoPromote = 1;

struct Member {
  NodeId id = kNoNode;
  HostPort peer;
  HostPort client;  // port 0: unknown
  HostPort admin;   // port 0: unknown
  bool auto_promote = false;
  bool operator==(const Member&) const = default;
};

// Sorted by id, each id once.
using MemberList = std::vector<Member>;

std::string encode_members(const MemberList& members);
Result<MemberList> decode_members(std::string_view bytes);

// "node-N", as logs, errors and the admin API name a node.
std::string node_name(NodeId id);

const Member* find_member(const MemberList& members, NodeId id);
// Replaces the member with m's id, or inserts m in order.
void upsert_member(MemberList& members, const Member& m);

// The address book of a configuration: its context decoded, or, while the context is empty
// (a cluster that bootstrapped before addresses travelled with the configuration), the
// static peers of the configuration file. kInvalidArgument if the context does not decode.
Result<MemberList> members_of(const raft::ConfState& conf, const std::vector<PeerConfig>& peers);

// The book restricted to the members of `conf` (voters, outgoing voters, learners).
MemberList prune_to(const MemberList& book, const raft::ConfState& conf);

// The configuration a leader whose configuration is `current` (not joint, committed)
// proposes for each admin request, with its context (the pruned book plus the new member).
// kInvalidArgument with a message for: an id that is already a member, a peer address that
// another member uses, removing the last voter, promoting a non-member or a voter;
// kNotFound for removing a non-member; kUnavailable while `current` is joint.
//   add:      as a learner (simple), or as a voter through C(old,new)
//   remove:   a learner (simple) or a voter (C(old,new))
//   promote:  a learner becomes a voter (C(old,new)); its kAutoPromote flag is cleared
Result<raft::ConfState> plan_add(const raft::ConfState& current, const MemberList& book,
                                 const Member& m, bool as_learner);
Result<raft::ConfState> plan_remove(const raft::ConfState& current, const MemberList& book,
                                    NodeId id);
Result<raft::ConfState> plan_promote(const raft::ConfState& current, const MemberList& book,
                                     NodeId id);

// A change asked through the admin API (Runtime::change_members).
struct MemberRequest {
  enum class Kind : std::uint8_t { kAdd, kRemove, kPromote };
  Kind kind = Kind::kAdd;
  Member member;         // kAdd: the new member; otherwise only its id
  bool learner = false;  // kAdd: as a learner (else as a voter, through C(old,new))
};

// The outcome of Runtime::change_members:
//   OK                the change is applied (and, for a joint configuration, left)
//   kNotLeader        not the leader (`leader`, `leader_admin`: the one it knows)
//   kInvalidArgument  a refused request (plan_add, plan_remove, plan_promote); nothing changed
//   kNotFound         removing a non-member; nothing changed
//   kUnavailable      another change is in progress (nothing changed), or, with timed_out,
//                     the change was proposed but not applied within the wait
struct MemberChangeResult {
  Status status;
  NodeId leader = kNoNode;
  std::string leader_admin;  // HOST:PORT, or "" when unknown
  Term term = 0;
  raft::ConfState conf;  // the configuration in force at the end
  std::uint64_t elapsed_ms = 0;
  bool timed_out = false;
};

}  // namespace helios::node
