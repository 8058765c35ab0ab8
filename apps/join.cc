#include "apps/join.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "admin/admin_client.h"
#include "base/log.h"

namespace helios::apps {

namespace {

using nlohmann::json;

constexpr int kRetryMs = 500;

bool is_member_now(node::Runtime& runtime) {
  Result<node::NodeStatus> s = runtime.status();
  if (!s.is_ok()) {
    return false;
  }
  const NodeId self = runtime.config().node_id;
  for (const auto* ids : {&s.value().voters, &s.value().learners, &s.value().voters_outgoing}) {
    for (NodeId id : *ids) {
      if (id == self) {
        return true;
      }
    }
  }
  return false;
}

// Sleeps for ms unless a signal arrives first (true).
bool signalled_within(const sigset_t& signals, int ms) {
  timespec wait{ms / 1000, static_cast<long>(ms % 1000) * 1'000'000L};
  return sigtimedwait(&signals, nullptr, &wait) > 0;
}

// Fields of another node's JSON answer, read without trusting its shape (a wrong type must
// not throw): the unsigned number or string `key` of object `j`, else 0 or "".
std::uint64_t u64_field(const json& j, const char* key) {
  if (!j.is_object()) {
    return 0;
  }
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

std::string string_field(const json& j, const char* key) {
  if (!j.is_object()) {
    return "";
  }
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The members of a GET /members answer with a known peer address; whether `self` is one.
node::MemberList read_members(const json& j, NodeId self, bool& self_listed) {
  node::MemberList out;
  self_listed = false;
  for (const char* list : {"voters", "learners", "outgoing_voters"}) {
    if (!j.contains(list) || !j[list].is_array()) {
      continue;
    }
    for (const json& m : j[list]) {
      node::Member member;
      member.id = u64_field(m, "id");
      self_listed = self_listed || member.id == self;
      const std::string peer_text = string_field(m, "peer");
      if (member.id == kNoNode || peer_text.empty()) {
        continue;
      }
      Result<node::HostPort> peer = node::parse_host_port(peer_text);
      if (peer.is_ok()) {
        member.peer = peer.value();
        node::upsert_member(out, member);
      }
    }
  }
  return out;
}

// The admin address of member `id` in a GET /members answer ("" when it has none).
std::string admin_address_of(const json& j, NodeId id) {
  for (const char* list : {"voters", "learners", "outgoing_voters"}) {
    if (id == kNoNode || !j.contains(list) || !j[list].is_array()) {
      continue;
    }
    for (const json& m : j[list]) {
      if (u64_field(m, "id") == id) {
        return string_field(m, "admin");
      }
    }
  }
  return "";
}

struct Attempt {
  enum Outcome { kJoined, kRetry, kRefused } outcome = kRetry;
  std::string message;
  std::string next_target;  // the leader's admin address, when a follower named it
  raft::EntryId conf;       // kJoined: the configuration entry in force that has this node
  Term term = 0;            // kJoined: the answering member's term (the node takes it)
};

Attempt try_join(node::Runtime& runtime, const std::string& target) {
  const node::NodeConfig& c = runtime.config();
  Attempt a;
  // The join address was checked as a flag; a leader's admin address comes from a member's
  // answer, and a malformed one is skipped (the next attempt goes to the join address).
  const Result<node::HostPort> at = node::parse_host_port(target);
  if (!at.is_ok()) {
    a.message = "'" + target + "' is not an admin address: " + at.status().message();
    return a;
  }
  const std::unique_ptr<httplib::Client> owned =
      admin::make_admin_client(at.value().host, at.value().port, admin::node_admin_auth(c), 2, 30);
  httplib::Client& client = *owned;
  auto got = client.Get("/members");
  if (!got || got->status != 200) {
    a.message = target + ": GET /members: " +
                (got ? "HTTP " + std::to_string(got->status) : std::string("unreachable"));
    return a;
  }
  const json members = json::parse(got->body, nullptr, false);
  if (members.is_discarded() || !members.is_object()) {
    a.message = target + ": GET /members answered something that is not JSON";
    return a;
  }
  const std::string cluster = string_field(members, "cluster_id");
  if (cluster != c.cluster_id) {
    a.outcome = Attempt::kRefused;
    a.message = target + " belongs to cluster '" + cluster + "', not '" + c.cluster_id +
                "' (cluster_id / --cluster-id)";
    return a;
  }
  bool listed = false;
  runtime.add_seed_peers(read_members(members, c.node_id, listed));
  // Listed by a follower is not enough: one that missed the removal of an earlier member
  // under this id lists that member still. Only the leader's list says this machine was
  // added (then the node takes part in Raft; raft.h, set_joining).
  const NodeId leader = u64_field(members, "leader");
  if (listed && (leader == kNoNode || leader != u64_field(members, "node_id"))) {
    a.message = target + " lists this node, but is not the leader";
    a.next_target = admin_address_of(members, leader);
    return a;
  }
  if (listed) {
    a.outcome = Attempt::kJoined;
    a.conf = raft::EntryId{.term = u64_field(members, "conf_term"),
                           .index = u64_field(members, "conf_index")};
    a.term = u64_field(members, "term");
    return a;
  }
  json body = {{"id", c.node_id},
               {"peer", c.listen.to_string()},
               {"admin", c.admin.to_string()},
               {"learner", true},
               {"auto_promote", !c.join_as_learner}};
  if (c.client.listen.port != 0) {
    body["client"] = c.client.listen.to_string();
  }
  auto posted = client.Post("/members", body.dump(), "application/json");
  if (!posted) {
    a.message = target + ": POST /members: no answer";
    return a;
  }
  const json answer = json::parse(posted->body, nullptr, false);
  const std::string error =
      string_field(answer, "error").empty() ? posted->body : string_field(answer, "error");
  a.message = target + ": HTTP " + std::to_string(posted->status) + ": " + error;
  if (posted->status == 200) {
    a.outcome = Attempt::kJoined;
    a.conf = raft::EntryId{.term = u64_field(answer, "conf_term"),
                           .index = u64_field(answer, "conf_index")};
    a.term = u64_field(answer, "term");
  } else if (posted->status == 421) {
    a.next_target = string_field(answer, "leader_admin");
  } else if (posted->status == 400 || posted->status == 404) {
    a.outcome = Attempt::kRefused;
  }
  return a;
}

}  // namespace

int join_cluster(node::Runtime& runtime, const sigset_t& signals) {
  const node::NodeConfig& c = runtime.config();
  if (is_member_now(runtime)) {
    runtime.finish_join(raft::EntryId{}, 0);
    HELIOS_LOG_INFO("", "Node %s is a member already: not asking to join", c.name().c_str());
    return 0;
  }
  const std::string join = c.join.to_string();
  std::string target = join;
  HELIOS_LOG_INFO("", "Node %s asks %s to add it (as a %s)", c.name().c_str(), join.c_str(),
                  c.join_as_learner ? "learner" : "learner, then a voter once caught up");
  std::string last;
  while (true) {
    const Attempt a = try_join(runtime, target);
    if (a.outcome == Attempt::kJoined) {
      runtime.finish_join(a.conf, a.term);
      HELIOS_LOG_INFO("", "Node %s was added to the cluster; catching up", c.name().c_str());
      return 0;
    }
    if (a.outcome == Attempt::kRefused) {
      HELIOS_LOG_ERROR("", "Node %s cannot join: %s", c.name().c_str(), a.message.c_str());
      return 1;
    }
    if (a.message != last) {
      HELIOS_LOG_INFO("", "Joining: %s; retrying", a.message.c_str());
      last = a.message;
    }
    target = a.next_target.empty() ? join : a.next_target;
    if (signalled_within(signals, a.next_target.empty() ? kRetryMs : 0)) {
      return -1;
    }
  }
}

}  // namespace helios::apps
