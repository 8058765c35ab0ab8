#include "admin/members_api.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>

#include "raft/membership.h"

namespace helios::admin {

namespace {

using nlohmann::json;

std::string node_name(NodeId id) {
  return "node-" + std::to_string(id);
}

json address_or_null(const node::HostPort& a) {
  return a.port == 0 ? json(nullptr) : json(a.to_string());
}

json member_json(const node::MembersView& v, NodeId id) {
  json m = {{"id", id}, {"name", node_name(id)}};
  const node::Member* known = node::find_member(v.book, id);
  m["peer"] = known != nullptr ? address_or_null(known->peer) : json(nullptr);
  m["client"] = known != nullptr ? address_or_null(known->client) : json(nullptr);
  m["admin"] = known != nullptr ? address_or_null(known->admin) : json(nullptr);
  m["auto_promote"] = known != nullptr && known->auto_promote;
  return m;
}

json list_json(const node::MembersView& v, const std::vector<NodeId>& ids) {
  json out = json::array();
  for (NodeId id : ids) {
    out.push_back(member_json(v, id));
  }
  return out;
}

void reply_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

Status bad(const std::string& why) {
  return Status(Code::kInvalidArgument, why);
}

Result<node::HostPort> read_address(const json& value, const char* field) {
  if (!value.is_string()) {
    return bad(std::string(field) + ": " + value.dump() + " is not a \"HOST:PORT\" string");
  }
  Result<node::HostPort> a = node::parse_host_port(value.get<std::string>());
  if (!a.is_ok()) {
    return bad(std::string(field) + ": " + a.status().message());
  }
  if (a.value().host.size() > node::kMaxHostBytes) {
    return bad(std::string(field) + ": the host is longer than 255 bytes");
  }
  return a;
}

// Waits for a change on the loop thread (admin_server.h's thread rules) and answers.
void run_change(node::Runtime& runtime, const node::MemberRequest& request,
                httplib::Response& res) {
  // A change needs one or two commits: a few round trips, unless a follower is slow.
  const std::chrono::milliseconds wait(std::max<std::uint64_t>(
      5000, 20 * static_cast<std::uint64_t>(runtime.config().election_timeout_ms)));
  struct Answer {
    node::MemberChangeResult result;
    node::MembersView view;
  };
  auto promise = std::make_shared<std::promise<Answer>>();
  std::future<Answer> future = promise->get_future();
  runtime.post([&runtime, promise, request, wait]() {
    runtime.change_members(request, wait, [&runtime, promise](const node::MemberChangeResult& r) {
      promise->set_value(Answer{r, runtime.members_view()});
    });
  });
  if (future.wait_for(wait + std::chrono::seconds(2)) != std::future_status::ready) {
    reply_json(res, 503, {{"error", "the node's loop did not answer in time"}});
    return;
  }
  const Answer a = future.get();
  const node::MemberChangeResult& r = a.result;
  if (r.status.is_ok()) {
    json body = json::parse(members_json(a.view));
    body["elapsed_ms"] = r.elapsed_ms;
    reply_json(res, 200, body);
    return;
  }
  const std::string self = node_name(runtime.config().node_id);
  switch (r.status.code()) {
    case Code::kNotLeader:
      reply_json(res, 421,
                 {{"error", self + " is not the leader: " + r.status.message()},
                  {"leader", r.leader == kNoNode ? json(nullptr) : json(r.leader)},
                  {"leader_admin", r.leader_admin.empty() ? json(nullptr) : json(r.leader_admin)},
                  {"term", r.term}});
      return;
    case Code::kInvalidArgument:
      reply_json(res, 400, {{"error", r.status.message()}});
      return;
    case Code::kNotFound:
      reply_json(res, 404, {{"error", r.status.message()}});
      return;
    default:
      reply_json(res, r.timed_out ? 504 : 409,
                 {{"error", r.status.message()}, {"configuration", raft::describe(r.conf)}});
  }
}

void with_id(const httplib::Request& req, httplib::Response& res,
             const std::function<void(NodeId)>& fn) {
  const Result<NodeId> id = parse_node_id(req.matches[1].str());
  if (!id.is_ok()) {
    reply_json(res, 400, {{"error", id.status().message()}});
    return;
  }
  fn(id.value());
}

}  // namespace

Result<NodeId> parse_node_id(std::string_view text) {
  std::string_view digits = text;
  if (digits.substr(0, 5) == "node-") {
    digits.remove_prefix(5);
  }
  NodeId id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      id == kNoNode) {
    return bad("'" + std::string(text) + "' is not a node id (a positive integer)");
  }
  return id;
}

Result<node::MemberRequest> parse_member_request(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad(
        "the body is not a JSON object (expected {\"id\": N, \"peer\": \"HOST:PORT\", "
        "\"client\": \"HOST:PORT\", \"learner\": false})");
  }
  node::MemberRequest r;
  r.kind = node::MemberRequest::Kind::kAdd;
  bool has_id = false;
  bool auto_promote = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "id") {
      if (!value.is_number_unsigned() || value.get<NodeId>() == kNoNode) {
        return bad("id: " + value.dump() + " is not a node id (a positive integer)");
      }
      r.member.id = value.get<NodeId>();
      has_id = true;
    } else if (key == "peer" || key == "client" || key == "admin") {
      Result<node::HostPort> a = read_address(value, key.c_str());
      if (!a.is_ok()) {
        return a.status();
      }
      (key == "peer"     ? r.member.peer
       : key == "client" ? r.member.client
                         : r.member.admin) = a.value();
    } else if (key == "learner" || key == "auto_promote") {
      if (!value.is_boolean()) {
        return bad(key + ": " + value.dump() + " is not true or false");
      }
      (key == "learner" ? r.learner : auto_promote) = value.get<bool>();
    } else {
      return bad("unknown field '" + key + "'");
    }
  }
  if (!has_id) {
    return bad("id: missing");
  }
  if (r.member.peer.port == 0) {
    return bad("peer: missing (the new member's peer address, HOST:PORT)");
  }
  if (auto_promote && !r.learner) {
    return bad("auto_promote: only for a learner");
  }
  r.member.auto_promote = auto_promote;
  return r;
}

std::string members_json(const node::MembersView& v) {
  json j;
  j["cluster_id"] = v.cluster_id;
  j["node_id"] = v.self;
  j["leader"] = v.leader == kNoNode ? json(nullptr) : json(v.leader);
  j["leader_name"] = v.leader == kNoNode ? json(nullptr) : json(node_name(v.leader));
  j["term"] = v.term;
  j["conf_index"] = v.conf_index;
  j["conf_term"] = v.conf_term;
  j["joint"] = v.conf.joint();
  j["change_in_progress"] = v.change_in_progress;
  j["voters"] = list_json(v, v.conf.voters);
  j["learners"] = list_json(v, v.conf.learners);
  j["outgoing_voters"] = list_json(v, v.conf.voters_outgoing);
  return j.dump();
}

void add_member_routes(httplib::Server& server, node::Runtime& runtime) {
  server.Get("/members", [&runtime](const httplib::Request&, httplib::Response& res) {
    auto promise = std::make_shared<std::promise<node::MembersView>>();
    std::future<node::MembersView> future = promise->get_future();
    runtime.post([&runtime, promise]() { promise->set_value(runtime.members_view()); });
    if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      reply_json(res, 503, {{"error", "the node's loop did not answer in time"}});
      return;
    }
    res.set_content(members_json(future.get()), "application/json");
  });
  server.Post("/members", [&runtime](const httplib::Request& req, httplib::Response& res) {
    const Result<node::MemberRequest> request = parse_member_request(req.body);
    if (!request.is_ok()) {
      reply_json(res, 400, {{"error", request.status().message()}});
      return;
    }
    run_change(runtime, request.value(), res);
  });
  // DELETE /members/ID and POST /members/ID/promote: the id from the path.
  const auto by_id = [&runtime](node::MemberRequest::Kind kind) {
    return [&runtime, kind](const httplib::Request& req, httplib::Response& res) {
      with_id(req, res, [&](NodeId id) {
        node::MemberRequest r;
        r.kind = kind;
        r.member.id = id;
        run_change(runtime, r, res);
      });
    };
  };
  server.Delete(R"(/members/([^/]+))", by_id(node::MemberRequest::Kind::kRemove));
  server.Post(R"(/members/([^/]+)/promote)", by_id(node::MemberRequest::Kind::kPromote));
}

}  // namespace helios::admin
