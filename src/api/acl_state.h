#pragma once
// The ACL users the client port enforces (docs/security.md, "ACL users"), on src/acl/:
//
//   - acl_catalogue(): every command and subcommand of the command table with the
//     categories Redis gives it (acl::categories_for), built once per process;
//   - apply_acl_op(): the atlas::AclApplier every node installs (install_acl_applier), so
//     that ACL SETUSER / DELUSER / LOAD and CONFIG SET requirepass, replicated as AclOps,
//     change the same table on every replica in log order;
//   - plan_acl(): the AclOp of such a command, proposed like any write (the executor forwards
//     it to the leader and answers once it is applied);
//   - AclState: one node's view. Until an ACL change has been applied, the store holds no
//     table and the node enforces its bootstrap users (requirepass and aclfile from its
//     configuration); the first change starts from the proposer's bootstrap users (the
//     AclOp's base) and from then on every node enforces the replicated table, which
//     snapshots carry. users() decodes the table again only when the store's acl_version
//     changes.
//
// Threads: AclState is used on the loop thread (sessions, the executor's apply callbacks);
// apply_acl_op is a pure function.

#include <memory>
#include <string>

#include "acl/acl_log.h"
#include "acl/catalogue.h"
#include "acl/users.h"
#include "api/plan.h"
#include "atlas/command.h"
#include "atlas/store.h"
#include "node/config.h"

namespace helios::api {

std::shared_ptr<const acl::Catalogue> acl_catalogue();
atlas::Reply apply_acl_op(std::string& table, const atlas::AclOp& op);
// Installs apply_acl_op into atlas (idempotent).
void install_acl_applier();
// ACL SETUSER / DELUSER (argv as the client sent it; the subcommand already checked) as one
// write: an AclOp whose base (the encoded bootstrap users) the executor fills in
// (Executor::set_acl_base: a planner has no node to ask). The ACL row's planner
// (command_table.h); `now_ms` is not used.
Result<Plan> plan_acl(PlanArgs& argv, std::uint64_t now_ms);

class AclState {
 public:
  // The bootstrap users from config.security: `requirepass` (the default user's password)
  // and the `aclfile` (Redis's format; an error, naming the file and line, if it cannot be
  // read or parsed).
  static Result<std::unique_ptr<AclState>> open(const node::NodeConfig& config);

  // The users in force for `store` (see the file comment).
  const acl::Users& users(const atlas::Store& store);
  // True if a client must AUTH first: the default user has a password or is off.
  bool auth_required(const atlas::Store& store);
  acl::AclLog& log() { return log_; }
  const std::string& aclfile() const { return aclfile_; }
  // The bootstrap users, encoded: the base every AclOp this node plans carries.
  const std::string& bootstrap_encoded() const { return bootstrap_encoded_; }

 private:
  explicit AclState(acl::Users bootstrap) : bootstrap_(std::move(bootstrap)) {}

  acl::Users bootstrap_;
  std::string bootstrap_encoded_;
  std::unique_ptr<acl::Users> replicated_;  // decoded from the store's table
  std::uint64_t decoded_version_ = ~std::uint64_t{0};
  acl::AclLog log_;
  std::string aclfile_;
};

}  // namespace helios::api
