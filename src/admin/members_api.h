#pragma once
// The admin API's membership endpoints (docs/operations.md, "Membership"):
//
//   GET /members               any node: {"cluster_id", "leader" (id or null), "term",
//                              "conf_index", "joint", "change_in_progress", "voters",
//                              "learners", "outgoing_voters"}; each member {"id", "name",
//                              "peer", "client", "admin" (null: unknown), "auto_promote"}
//   POST /members              {"id": N, "peer": "HOST:PORT", "client": "HOST:PORT",
//                              "admin": "HOST:PORT", "learner": bool, "auto_promote": bool}
//                              adds a learner, or a voter through a joint configuration
//   DELETE /members/ID         removes a member (a voter through a joint configuration)
//   POST /members/ID/promote   makes a learner a voter (through a joint configuration)
//
// A change answers once it is applied (and the joint configuration left): 200 with the
// members as GET shows them and "elapsed_ms"; 400 for a refused request (malformed body or
// address, an id that is a member already, an address in use, removing the last voter,
// promoting a non-member or a voter), 404 for removing a non-member, 409 while another
// change is in progress, 421 at a node that is not the leader ({"error", "leader",
// "leader_admin", "term"}: ask the leader), 503 when the loop does not answer, 504 when the
// change was proposed but not applied in time. Nothing changes on a 4xx.

#include <string>
#include <string_view>

#include "base/status.h"
#include "node/runtime.h"

namespace httplib {
class Server;
}

namespace helios::admin {

// The JSON body of POST /members as a request (kInvalidArgument with a message naming the
// field for anything else: not an object, an unknown field, a missing or malformed id or
// peer address, a non-boolean flag, auto_promote without learner).
Result<node::MemberRequest> parse_member_request(std::string_view body);

// "3" or "node-3": a positive node id.
Result<NodeId> parse_node_id(std::string_view text);

// GET /members's JSON.
std::string members_json(const node::MembersView& view);

// Registers the endpoints above.
void add_member_routes(httplib::Server& server, node::Runtime& runtime);

}  // namespace helios::admin
