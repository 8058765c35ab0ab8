#include "node/members.h"

#include <algorithm>

#include "base/bytes.h"
#include "raft/membership.h"

namespace helios::node {

namespace {

constexpr std::string_view kMagic = "HMB";

Status invalid(const std::string& why) {
  return Status(Code::kInvalidArgument, "member addresses: " + why);
}

void put_address(std::string& out, const HostPort& a) {
  base::put_u8(out, static_cast<std::uint8_t>(a.host.size()));
  out += a.host;
  base::put_u8(out, static_cast<std::uint8_t>(a.port & 0xff));
  base::put_u8(out, static_cast<std::uint8_t>(a.port >> 8));
}

bool get_address(base::Reader& in, HostPort& a) {
  const std::size_t n = in.u8();
  a.host = std::string(in.bytes(n));
  const std::uint16_t lo = in.u8();
  const std::uint16_t hi = in.u8();
  a.port = static_cast<std::uint16_t>(lo | (hi << 8));
  return in.ok() && (a.port == 0) == a.host.empty();
}

std::vector<NodeId> with(std::vector<NodeId> ids, NodeId id) {
  ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<NodeId> without(std::vector<NodeId> ids, NodeId id) {
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  return ids;
}

Status not_joint(const raft::ConfState& current) {
  if (current.joint()) {
    return Status(Code::kUnavailable,
                  "a configuration change is in progress (" + raft::describe(current) + ")");
  }
  return Status::ok();
}

// A joint configuration from `current` to `voters`, keeping the learners.
raft::ConfState joint_to(const raft::ConfState& current, std::vector<NodeId> voters,
                         std::vector<NodeId> learners) {
  raft::ConfState next;
  next.voters = std::move(voters);
  next.learners = std::move(learners);
  next.voters_outgoing = current.voters;
  return next;
}

}  // namespace

std::string encode_members(const MemberList& members) {
  std::string out(kMagic);
  base::put_u8(out, kMembersVersion);
  base::put_u32(out, static_cast<std::uint32_t>(members.size()));
  for (const Member& m : members) {
    base::put_u64(out, m.id);
    base::put_u8(out, m.auto_promote ? kAutoPromote : 0);
    put_address(out, m.peer);
    put_address(out, m.client);
    put_address(out, m.admin);
  }
  return out;
}

Result<MemberList> decode_members(std::string_view bytes) {
  if (bytes.size() > raft::kMaxConfContextBytes) {
    return invalid(std::to_string(bytes.size()) + " bytes, over the limit of " +
                   std::to_string(raft::kMaxConfContextBytes));
  }
  base::Reader in(bytes);
  if (in.bytes(kMagic.size()) != kMagic) {
    return invalid("no magic (not a member list)");
  }
  const std::uint8_t version = in.u8();
  if (!in.ok() || version != kMembersVersion) {
    return invalid("unknown version " + std::to_string(version));
  }
  const std::uint32_t count = in.u32();
  if (!in.ok()) {
    return invalid("truncated before the member count");
  }
  if (count > raft::kMaxMembers) {
    return invalid(std::to_string(count) + " members, over the limit of " +
                   std::to_string(raft::kMaxMembers));
  }
  MemberList out;
  for (std::uint32_t i = 0; i < count; ++i) {
    Member m;
    m.id = in.u64();
    const std::uint8_t flags = in.u8();
    const bool addresses =
        get_address(in, m.peer) && get_address(in, m.client) && get_address(in, m.admin);
    if (!in.ok()) {
      return invalid("truncated in member " + std::to_string(i));
    }
    if (!addresses) {
      return invalid("member " + std::to_string(i) +
                     ": an address has a host but no port "
                     "or a port but no host");
    }
    if (m.id == kNoNode || (!out.empty() && m.id <= out.back().id)) {
      return invalid("member " + std::to_string(i) + ": id " + std::to_string(m.id) +
                     " is 0 or not above the previous one");
    }
    if ((flags & ~kAutoPromote) != 0) {
      return invalid(node_name(m.id) + ": unknown flags " + std::to_string(flags));
    }
    if (m.peer.port == 0) {
      return invalid(node_name(m.id) + " has no peer address");
    }
    m.auto_promote = (flags & kAutoPromote) != 0;
    out.push_back(std::move(m));
  }
  if (in.remaining() != 0) {
    return invalid(std::to_string(in.remaining()) + " trailing bytes");
  }
  return out;
}

std::string node_name(NodeId id) {
  return "node-" + std::to_string(id);
}

const Member* find_member(const MemberList& members, NodeId id) {
  for (const Member& m : members) {
    if (m.id == id) {
      return &m;
    }
  }
  return nullptr;
}

void upsert_member(MemberList& members, const Member& m) {
  auto it = std::lower_bound(members.begin(), members.end(), m.id,
                             [](const Member& a, NodeId id) { return a.id < id; });
  if (it != members.end() && it->id == m.id) {
    *it = m;
  } else {
    members.insert(it, m);
  }
}

Result<MemberList> members_of(const raft::ConfState& conf, const std::vector<PeerConfig>& peers) {
  if (!conf.context.empty()) {
    return decode_members(conf.context);
  }
  MemberList out;
  for (const PeerConfig& p : peers) {
    upsert_member(out, Member{p.id, p.address, p.client, p.admin, false});
  }
  return out;
}

MemberList prune_to(const MemberList& book, const raft::ConfState& conf) {
  MemberList out;
  for (const Member& m : book) {
    if (raft::is_member(conf, m.id)) {
      out.push_back(m);
    }
  }
  return out;
}

Result<raft::ConfState> plan_add(const raft::ConfState& current, const MemberList& book,
                                 const Member& m, bool as_learner) {
  if (Status s = not_joint(current); !s.is_ok()) {
    return s;
  }
  if (m.id == kNoNode) {
    return Status(Code::kInvalidArgument, "id: must be a positive integer");
  }
  if (m.peer.port == 0 || m.peer.host.empty() || m.peer.host.size() > kMaxHostBytes ||
      m.client.host.size() > kMaxHostBytes || m.admin.host.size() > kMaxHostBytes) {
    return Status(Code::kInvalidArgument, "peer: a HOST:PORT address is required");
  }
  if (raft::is_member(current, m.id)) {
    return Status(Code::kInvalidArgument,
                  node_name(m.id) + " is already a member (" + raft::describe(current) + ")");
  }
  MemberList next_book = prune_to(book, current);
  for (const Member& other : next_book) {
    if (other.peer == m.peer) {
      return Status(Code::kInvalidArgument, "peer address " + m.peer.to_string() +
                                                " is already used by " + node_name(other.id));
    }
  }
  upsert_member(next_book, m);
  raft::ConfState next;
  if (as_learner) {
    next = current;
    next.learners = with(current.learners, m.id);
  } else {
    next = joint_to(current, with(current.voters, m.id), current.learners);
  }
  next.context = encode_members(next_book);
  if (next.context.size() > raft::kMaxConfContextBytes) {
    return Status(Code::kInvalidArgument, "too many members for the address book");
  }
  return next;
}

Result<raft::ConfState> plan_remove(const raft::ConfState& current, const MemberList& book,
                                    NodeId id) {
  if (Status s = not_joint(current); !s.is_ok()) {
    return s;
  }
  if (!raft::is_member(current, id)) {
    return Status(Code::kNotFound,
                  node_name(id) + " is not a member (" + raft::describe(current) + ")");
  }
  raft::ConfState next;
  if (raft::is_learner(current, id)) {
    next = current;
    next.learners = without(current.learners, id);
  } else {
    if (current.voters.size() == 1) {
      return Status(Code::kInvalidArgument,
                    node_name(id) + " is the last voter: it cannot be removed");
    }
    next = joint_to(current, without(current.voters, id), current.learners);
  }
  // The outgoing member keeps its addresses while the joint configuration lasts.
  next.context = encode_members(prune_to(book, next));
  return next;
}

Result<raft::ConfState> plan_promote(const raft::ConfState& current, const MemberList& book,
                                     NodeId id) {
  if (Status s = not_joint(current); !s.is_ok()) {
    return s;
  }
  if (raft::is_voter(current, id)) {
    return Status(Code::kInvalidArgument, node_name(id) + " is already a voter");
  }
  if (!raft::is_learner(current, id)) {
    return Status(Code::kInvalidArgument,
                  node_name(id) + " is not a member (" + raft::describe(current) + ")");
  }
  MemberList next_book = prune_to(book, current);
  if (const Member* m = find_member(next_book, id); m != nullptr && m->auto_promote) {
    Member cleared = *m;
    cleared.auto_promote = false;
    upsert_member(next_book, cleared);
  }
  raft::ConfState next = joint_to(current, with(current.voters, id), without(current.learners, id));
  next.context = encode_members(next_book);
  return next;
}

}  // namespace helios::node
