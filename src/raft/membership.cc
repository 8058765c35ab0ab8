#include "raft/membership.h"

#include <algorithm>

#include "base/bytes.h"

namespace helios::raft {

namespace {

bool contains(const std::vector<NodeId>& sorted, NodeId id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

Status invalid(const std::string& why) {
  return Status(Code::kInvalidArgument, "configuration: " + why);
}

Status check_list(const std::vector<NodeId>& ids, const char* what) {
  if (ids.size() > kMaxMembers) {
    return invalid(std::string(what) + ": more than " + std::to_string(kMaxMembers) + " ids");
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == kNoNode) {
      return invalid(std::string(what) + ": id 0");
    }
    if (i > 0 && ids[i - 1] >= ids[i]) {
      return invalid(std::string(what) + ": not sorted or an id twice");
    }
  }
  return Status::ok();
}

void put_ids(std::string& out, const std::vector<NodeId>& ids) {
  base::put_u32(out, static_cast<std::uint32_t>(ids.size()));
  for (NodeId id : ids) {
    base::put_u64(out, id);
  }
}

bool get_ids(base::Reader& r, std::vector<NodeId>& ids) {
  const std::uint32_t count = r.u32();
  if (!r.ok() || count > kMaxMembers || count > r.remaining() / 8) {
    return false;
  }
  ids.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ids.push_back(r.u64());
  }
  return r.ok();
}

std::string describe_ids(const std::vector<NodeId>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i > 0 ? " " : "") + std::to_string(ids[i]);
  }
  return out + "]";
}

}  // namespace

bool is_voter(const ConfState& conf, NodeId id) {
  return contains(conf.voters, id) || contains(conf.voters_outgoing, id);
}

bool is_incoming_voter(const ConfState& conf, NodeId id) {
  return contains(conf.voters, id);
}

bool is_learner(const ConfState& conf, NodeId id) {
  return contains(conf.learners, id);
}

std::vector<NodeId> members(const ConfState& conf) {
  std::vector<NodeId> all = conf.voters;
  all.insert(all.end(), conf.voters_outgoing.begin(), conf.voters_outgoing.end());
  all.insert(all.end(), conf.learners.begin(), conf.learners.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

bool is_member(const ConfState& conf, NodeId id) {
  return is_voter(conf, id) || is_learner(conf, id);
}

Status validate_conf_state(const ConfState& conf) {
  for (auto [ids, what] : {std::pair{&conf.voters, "voters"}, std::pair{&conf.learners, "learners"},
                           std::pair{&conf.voters_outgoing, "outgoing voters"}}) {
    if (Status s = check_list(*ids, what); !s.is_ok()) {
      return s;
    }
  }
  for (NodeId id : conf.learners) {
    if (is_voter(conf, id)) {
      return invalid("node " + std::to_string(id) + " is both a voter and a learner");
    }
  }
  if (conf.context.size() > kMaxConfContextBytes) {
    return invalid("context of " + std::to_string(conf.context.size()) + " bytes");
  }
  if (conf.voters.empty() && (!conf.learners.empty() || conf.joint())) {
    return invalid("no voters");
  }
  return Status::ok();
}

Status check_transition(const ConfState& current, const ConfState& next) {
  if (current.joint()) {
    return Status(Code::kUnavailable,
                  "a configuration change is in progress (joint " + describe(current) + ")");
  }
  if (next.voters.empty()) {
    return invalid("the last voter cannot be removed");
  }
  if (next.joint()) {
    if (next.voters_outgoing != current.voters) {
      return invalid("the outgoing voters must be the current voters");
    }
    if (next.voters == current.voters) {
      return invalid("a joint configuration must change the voters");
    }
  } else if (next.voters != current.voters) {
    return invalid("changing voters needs a joint configuration");
  } else if (next == current) {
    return invalid("the configuration does not change");
  }
  return Status::ok();
}

ConfState leave_joint(const ConfState& conf) {
  ConfState next = conf;
  next.voters_outgoing.clear();
  return next;
}

void encode_conf_state(std::string& out, const ConfState& conf) {
  base::put_u8(out, kConfStateVersion);
  put_ids(out, conf.voters);
  put_ids(out, conf.learners);
  put_ids(out, conf.voters_outgoing);
  base::put_u32(out, static_cast<std::uint32_t>(conf.context.size()));
  out.append(conf.context);
}

std::string encode_conf_state(const ConfState& conf) {
  std::string out;
  encode_conf_state(out, conf);
  return out;
}

Result<ConfState> decode_conf_state(std::string_view bytes) {
  base::Reader r(bytes);
  const std::uint8_t version = r.u8();
  if (!r.ok()) {
    return invalid("empty");
  }
  if (version != kConfStateVersion) {
    return invalid("encoding version " + std::to_string(version) + " is not supported");
  }
  ConfState conf;
  if (!get_ids(r, conf.voters) || !get_ids(r, conf.learners) || !get_ids(r, conf.voters_outgoing)) {
    return invalid("an id list is truncated or over the limit");
  }
  const std::uint32_t context_bytes = r.u32();
  if (!r.ok() || context_bytes > kMaxConfContextBytes || context_bytes != r.remaining()) {
    return invalid("the context is truncated, over the limit or followed by other bytes");
  }
  conf.context = std::string(r.bytes(context_bytes));
  if (Status s = validate_conf_state(conf); !s.is_ok()) {
    return s;
  }
  return conf;
}

std::string describe(const ConfState& conf) {
  std::string out = "voters=" + describe_ids(conf.voters);
  if (!conf.learners.empty()) {
    out += " learners=" + describe_ids(conf.learners);
  }
  if (conf.joint()) {
    out += " outgoing=" + describe_ids(conf.voters_outgoing);
  }
  return out;
}

}  // namespace helios::raft
