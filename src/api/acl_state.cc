#include "api/acl_state.h"

#include <fstream>
#include <sstream>

#include "acl/password.h"
#include "api/args.h"
#include "api/command_table.h"
#include "base/log.h"

namespace helios::api {

namespace {

acl::CommandRef ref_of(const CommandSpec& spec) {
  return acl::CommandRef{spec.name, acl::categories_for(spec.name, spec.flags),
                         spec.flags.find("no_auth") != std::string_view::npos};
}

Status read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(Code::kIoError, "cannot read the aclfile " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return Status::ok();
}

}  // namespace

std::shared_ptr<const acl::Catalogue> acl_catalogue() {
  static const std::shared_ptr<const acl::Catalogue> catalogue = [] {
    std::vector<acl::CommandRef> refs;
    for (const CommandSpec& spec : all_commands()) {
      refs.push_back(ref_of(spec));
    }
    for (const CommandSpec& spec : all_commands()) {
      for (const CommandSpec& sub : spec.subcommands) {
        refs.push_back(ref_of(sub));
      }
    }
    return std::make_shared<const acl::Catalogue>(refs);
  }();
  return catalogue;
}

atlas::Reply apply_acl_op(std::string& table, const atlas::AclOp& op) {
  const std::shared_ptr<const acl::Catalogue> catalogue = acl_catalogue();
  const std::string& start = table.empty() ? op.base : table;
  Result<acl::Users> decoded = start.empty() ? Result<acl::Users>(acl::Users(catalogue))
                                             : acl::Users::decode(start, catalogue);
  if (!decoded.is_ok()) {
    return atlas::Reply::error("ERR the replicated ACL table does not decode: " +
                               decoded.status().message());
  }
  acl::Users users = std::move(decoded).value();
  const std::string what = upper(op.args[0]);
  const std::span<const std::string> rest(op.args.data() + 1, op.args.size() - 1);
  atlas::Reply reply = atlas::Reply::ok();
  if (what == "SETUSER" && !rest.empty()) {
    const Status s = users.setuser(rest[0], rest.subspan(1));
    if (!s.is_ok()) {
      return atlas::Reply::error(s.message());
    }
  } else if (what == "DELUSER" && !rest.empty()) {
    Result<std::size_t> n = users.deluser(rest);
    if (!n.is_ok()) {
      return atlas::Reply::error(n.status().message());
    }
    reply = atlas::Reply::of_integer(static_cast<std::int64_t>(n.value()));
  } else if (what == "LOAD" && rest.size() == 2) {  // file name, its text
    Result<acl::Users> loaded = acl::Users::parse_aclfile(rest[1], catalogue, rest[0]);
    if (!loaded.is_ok()) {
      return atlas::Reply::error(loaded.status().message());
    }
    users = std::move(loaded).value();
  } else if (what == "REQUIREPASS" && rest.size() == 1) {
    const Status s = users.set_requirepass(rest[0]);
    if (!s.is_ok()) {
      return atlas::Reply::error(s.message());
    }
  } else {
    return atlas::Reply::error("ERR unknown ACL change '" + what + "'");
  }
  table = users.encode();
  return reply;
}

void install_acl_applier() {
  atlas::set_acl_applier(&apply_acl_op);
}

Result<Plan> plan_acl(PlanArgs& argv, std::uint64_t) {
  if (argv.size() < 2) {
    return Status(Code::kInvalidArgument, "ERR wrong number of arguments for 'acl' command");
  }
  atlas::AclOp op;  // its base: the executor's (Executor::set_acl_base)
  op.args.assign(argv.begin() + 1, argv.end());
  op.args[0] = upper(op.args[0]);
  if (op.args[0] != "SETUSER" && op.args[0] != "DELUSER" && op.args[0] != "LOAD" &&
      op.args[0] != "REQUIREPASS") {
    return Status(Code::kInvalidArgument, "ERR not a replicated ACL change");
  }
  // Passwords never enter the log in clear: >pw and <pw become #sha256 and !sha256 (the
  // same change), and CONFIG SET requirepass becomes the default user's password hash.
  if (op.args[0] == "SETUSER") {
    for (std::size_t i = 2; i < op.args.size(); ++i) {
      std::string& rule = op.args[i];
      if (!rule.empty() && (rule[0] == '>' || rule[0] == '<')) {
        const char mark = rule[0] == '>' ? '#' : '!';
        rule = mark + acl::to_hex(acl::hash_password(std::string_view(rule).substr(1)));
      }
    }
  } else if (op.args[0] == "REQUIREPASS" && op.args.size() == 2) {
    const std::string& password = op.args[1];
    op.args = {"SETUSER", "default", "resetpass",
               password.empty() ? "nopass" : "#" + acl::to_hex(acl::hash_password(password))};
  }
  Plan plan;
  plan.ops.push_back(std::move(op));
  plan.write = true;
  return plan;
}

Result<std::unique_ptr<AclState>> AclState::open(const node::NodeConfig& config) {
  install_acl_applier();
  const std::shared_ptr<const acl::Catalogue> catalogue = acl_catalogue();
  acl::Users users(catalogue);
  std::string aclfile;
  if (!config.security.aclfile.empty()) {
    if (Status s = read_file(config.security.aclfile, aclfile); !s.is_ok()) {
      return s;
    }
    Result<acl::Users> parsed =
        acl::Users::parse_aclfile(aclfile, catalogue, config.security.aclfile);
    if (!parsed.is_ok()) {
      return Status(Code::kInvalidArgument, parsed.status().message());
    }
    users = std::move(parsed).value();
  }
  if (!config.security.requirepass.empty()) {
    if (Status s = users.set_requirepass(config.security.requirepass); !s.is_ok()) {
      return Status(Code::kInvalidArgument, "requirepass: " + s.message());
    }
  }
  std::string encoded = users.encode();
  std::unique_ptr<AclState> state(new AclState(std::move(users)));
  state->bootstrap_encoded_ = std::move(encoded);
  state->aclfile_ = config.security.aclfile;
  return state;
}

const acl::Users& AclState::users(const atlas::Store& store) {
  if (store.acl_table().empty()) {
    return bootstrap_;
  }
  if (replicated_ == nullptr || decoded_version_ != store.acl_version()) {
    Result<acl::Users> decoded = acl::Users::decode(store.acl_table(), acl_catalogue());
    if (!decoded.is_ok()) {
      // apply_acl_op only stores what encode() made: a table that does not decode is a bug
      // or corruption that passed every checksum. Enforce the bootstrap users, loudly.
      HELIOS_LOG_ERROR("acl",
                       "the replicated ACL table does not decode (%s): using the "
                       "bootstrap users",
                       decoded.status().message().c_str());
      return bootstrap_;
    }
    replicated_ = std::make_unique<acl::Users>(std::move(decoded).value());
    decoded_version_ = store.acl_version();
  }
  return *replicated_;
}

bool AclState::auth_required(const atlas::Store& store) {
  const acl::User* def = users(store).find("default");
  return def == nullptr || !def->nopass() || !def->enabled();
}

}  // namespace helios::api
