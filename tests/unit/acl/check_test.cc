// Users::authenticate and Users::check: passwords, commands, categories, subcommands,
// first-args, keys with %R~ / %W~, selectors, and the texts built from a verdict.
// "verified" marks behaviours checked with ACL DRYRUN / AUTH against redis-server 7.0.15.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/acl_log.h"
#include "acl/users.h"
#include "tests/unit/acl/acl_test_catalogue.h"

namespace helios::acl {
namespace {

using Rules = std::vector<std::string>;
using Keys = std::vector<std::string_view>;

class AclCheckTest : public ::testing::Test {
 protected:
  void set(std::string_view name, const Rules& rules) {
    ASSERT_TRUE(users_.setuser(name, rules).is_ok()) << name;
  }
  Verdict check(std::string_view user, std::string_view command,
                std::optional<std::string_view> first_arg = std::nullopt, const Keys& keys = {},
                KeyAccess access = KeyAccess::kReadWrite) const {
    const User* u = users_.find(user);
    EXPECT_NE(u, nullptr);
    return users_.check(*u, command, first_arg, keys, access, &acltest::test_glob);
  }
  bool allowed(std::string_view user, std::string_view command,
               std::optional<std::string_view> first_arg = std::nullopt, const Keys& keys = {},
               KeyAccess access = KeyAccess::kReadWrite) const {
    return check(user, command, first_arg, keys, access).allowed();
  }

  Users users_{acltest::test_catalogue()};
};

TEST_F(AclCheckTest, authenticate) {
  EXPECT_TRUE(users_.authenticate("default", "anything"));  // nopass
  set("alice", {"on", ">p1", ">p2"});
  EXPECT_TRUE(users_.authenticate("alice", "p1"));
  EXPECT_TRUE(users_.authenticate("alice", "p2"));  // any of its passwords
  EXPECT_FALSE(users_.authenticate("alice", "p3"));
  EXPECT_FALSE(users_.authenticate("alice", ""));
  EXPECT_FALSE(users_.authenticate("nobody", "p1"));
  set("alice", {"off"});
  EXPECT_FALSE(users_.authenticate("alice", "p1"));  // disabled
  // #hash: sha256("password"), verified (AUTH hp password -> OK).
  set("hp", {"on", "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"});
  EXPECT_TRUE(users_.authenticate("hp", "password"));
  EXPECT_FALSE(users_.authenticate("hp", "Password"));
  set("nop", {"on", "nopass"});  // verified: any password
  EXPECT_TRUE(users_.authenticate("nop", "whatever"));
  set("none", {"on"});  // on, no password, not nopass: nobody gets in (verified)
  EXPECT_FALSE(users_.authenticate("none", ""));
  ASSERT_TRUE(users_.set_requirepass("secret").is_ok());
  EXPECT_FALSE(users_.authenticate("default", "anything"));
  EXPECT_TRUE(users_.authenticate("default", "secret"));
}

TEST_F(AclCheckTest, commandsAndCategories) {
  set("a", {"-@all", "+get", "+@keyspace"});
  EXPECT_TRUE(allowed("a", "GET", "k"));
  EXPECT_TRUE(allowed("a", "get", "k"));
  EXPECT_TRUE(allowed("a", "DEL", "k"));
  EXPECT_TRUE(allowed("a", "EXPIRE", "k"));
  EXPECT_FALSE(allowed("a", "SET", "k"));
  const Verdict v = check("a", "SET", "k");
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedCommand);
  EXPECT_EQ(v.command, "set");
  // -cmd after +@all (verified: "+@all -get").
  set("b", {"+@all", "-get"});
  EXPECT_FALSE(allowed("b", "GET", "k"));
  EXPECT_TRUE(allowed("b", "SET", "k"));
  EXPECT_TRUE(allowed("b", "CONFIG", "SET"));
  // -@category after +@all.
  set("c", {"+@all", "-@dangerous"});
  EXPECT_FALSE(allowed("c", "FLUSHALL"));
  EXPECT_FALSE(allowed("c", "KEYS", "*"));
  EXPECT_FALSE(allowed("c", "CONFIG", "GET"));  // config|get is @admin @dangerous
  EXPECT_FALSE(allowed("c", "INFO"));
  EXPECT_TRUE(allowed("c", "GET", "k"));
  EXPECT_TRUE(allowed("c", "CLIENT", "ID"));
  // Order matters: the last rule for a command wins.
  set("d", {"+@string", "-set", "+@write"});
  EXPECT_TRUE(allowed("d", "SET", "k"));
  set("e", {"+@write", "-@string"});
  EXPECT_FALSE(allowed("e", "SET", "k"));
  EXPECT_TRUE(allowed("e", "DEL", "k"));
}

TEST_F(AclCheckTest, subcommandsAndFirstArgs) {
  // verified: "-@all +get +set +config|get +client|id +select|0".
  set("lim",
      {"on", ">pw", "~k*", "-@all", "+get", "+set", "+config|get", "+client|id", "+select|0"});
  EXPECT_TRUE(allowed("lim", "CONFIG", "GET"));
  EXPECT_TRUE(allowed("lim", "config", "get"));
  const Verdict v = check("lim", "CONFIG", "SET");
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedCommand);
  EXPECT_EQ(v.command, "config|set");  // verified: ACL LOG object "config|set"
  EXPECT_TRUE(allowed("lim", "CLIENT", "ID"));
  EXPECT_FALSE(allowed("lim", "CLIENT", "LIST"));
  EXPECT_TRUE(allowed("lim", "SELECT", "0"));
  EXPECT_FALSE(allowed("lim", "SELECT", "1"));  // verified
  EXPECT_FALSE(allowed("lim", "SELECT"));
  EXPECT_EQ(check("lim", "SELECT", "1").command, "select");  // verified: object "select"
  // A container's rule covers its subcommands.
  set("cfg", {"+config", "-config|set"});
  EXPECT_TRUE(allowed("cfg", "CONFIG", "GET"));
  EXPECT_TRUE(allowed("cfg", "CONFIG", "RESETSTAT"));
  EXPECT_FALSE(allowed("cfg", "CONFIG", "SET"));
  EXPECT_TRUE(allowed("cfg", "CONFIG", "NOSUCH"));  // an unknown subcommand is the container's
  // Categories reach subcommands the container is not in (client|* are @connection).
  set("conn", {"+@connection"});
  EXPECT_TRUE(allowed("conn", "CLIENT", "SETNAME"));
  EXPECT_TRUE(allowed("conn", "PING"));
  EXPECT_FALSE(allowed("conn", "CONFIG", "GET"));
}

TEST_F(AclCheckTest, noAuthCommands_andUnknownCommands) {
  set("nothing", {"on", "nopass"});
  for (const char* command : {"AUTH", "HELLO", "QUIT", "RESET"}) {
    EXPECT_TRUE(allowed("nothing", command)) << command;
  }
  EXPECT_FALSE(allowed("nothing", "PING"));  // verified: NOPERM on ping
  // A command the catalogue does not know: only selectors started from +@all allow it.
  EXPECT_TRUE(allowed("default", "NOSUCHCOMMAND"));
  EXPECT_EQ(check("nothing", "NOSUCHCOMMAND").command, "");
  EXPECT_FALSE(allowed("nothing", "NOSUCHCOMMAND"));
  set("most", {"+@all", "-get"});
  EXPECT_TRUE(allowed("most", "NOSUCHCOMMAND"));
}

TEST_F(AclCheckTest, keys) {
  set("k", {"+@all", "~a*", "~b?"});
  EXPECT_TRUE(allowed("k", "GET", "a1", Keys{"a1"}));
  EXPECT_TRUE(allowed("k", "MGET", "a1", Keys{"a1", "b2", "a"}));
  const Verdict v = check("k", "MGET", "a1", Keys{"a1", "c", "b22"});
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedKey);
  EXPECT_EQ(v.key_index, 1u);                       // the first key refused, in one selector
  EXPECT_FALSE(allowed("k", "GET", "", Keys{""}));  // a nonempty pattern never matches ""
  EXPECT_TRUE(allowed("k", "PING"));                // no keys, nothing to refuse
  set("all", {"+@all", "allkeys"});
  EXPECT_TRUE(allowed("all", "GET", "", Keys{""}));
  set("none", {"+@all"});
  EXPECT_FALSE(allowed("none", "GET", "x", Keys{"x"}));
  EXPECT_TRUE(allowed("none", "DBSIZE"));
}

TEST_F(AclCheckTest, keyPermissions) {
  set("rw", {"+@all", "%R~r*", "%W~w*", "~b*"});
  EXPECT_TRUE(allowed("rw", "GET", "r1", Keys{"r1"}, KeyAccess::kRead));
  EXPECT_FALSE(allowed("rw", "SET", "r1", Keys{"r1"}, KeyAccess::kReadWrite));
  EXPECT_FALSE(allowed("rw", "DEL", "r1", Keys{"r1"}, KeyAccess::kWrite));
  EXPECT_TRUE(allowed("rw", "DEL", "w1", Keys{"w1"}, KeyAccess::kWrite));
  EXPECT_FALSE(allowed("rw", "GET", "w1", Keys{"w1"}, KeyAccess::kRead));
  EXPECT_TRUE(allowed("rw", "SET", "b1", Keys{"b1"}, KeyAccess::kReadWrite));
  EXPECT_TRUE(allowed("rw", "EXISTS", "w1", Keys{"w1"}, KeyAccess::kNone));
  EXPECT_TRUE(allowed("rw", "EXISTS", "r1", Keys{"r1"}, KeyAccess::kNone));
}

TEST_F(AclCheckTest, selectors_anyMayAllow_mostRelevantRefusal) {
  // verified with ACL DRYRUN: "on nopass ~a* +get (~b* +set) (%R~c* +get +set)".
  set("sel", {"on", "nopass", "~a*", "+get", "(~b* +set)", "(%R~c* +get +set)"});
  const auto rw = KeyAccess::kReadWrite;
  const auto r = KeyAccess::kRead;
  EXPECT_TRUE(allowed("sel", "GET", "a1", Keys{"a1"}, r));
  EXPECT_TRUE(allowed("sel", "SET", "b1", Keys{"b1"}, rw));
  EXPECT_TRUE(allowed("sel", "GET", "c1", Keys{"c1"}, r));
  Verdict v = check("sel", "GET", "b1", Keys{"b1"}, r);  // verified: the 'b1' key
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedKey);
  v = check("sel", "SET", "a1", Keys{"a1"}, rw);  // verified: the 'a1' key
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedKey);
  v = check("sel", "SET", "c1", Keys{"c1"}, rw);  // verified: the 'c1' key (%R~ only)
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedKey);
  v = check("sel", "MGET", "a1", Keys{"a1", "b1"}, r);  // verified: the 'mget' command
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedCommand);
  // Among key refusals, the last key refused by any selector is reported.
  set("two", {"+@all", "~a*", "(+@all ~b*)"});
  v = check("two", "MGET", "a1", Keys{"a1", "b1", "c1"}, r);
  EXPECT_EQ(v.kind, Verdict::Kind::kDeniedKey);
  EXPECT_EQ(v.key_index, 1u);
  v = check("two", "MGET", "b1", Keys{"b1", "a1", "c1"}, r);
  EXPECT_EQ(v.key_index, 1u);
  v = check("two", "MGET", "c1", Keys{"c1", "a1"}, r);
  EXPECT_EQ(v.key_index, 0u);
}

TEST_F(AclCheckTest, verdictTexts) {
  set("lim", {"on", "nopass", "~k*", "+get"});
  const Verdict command = check("lim", "DEL", "k1", Keys{"k1"});
  EXPECT_EQ(noperm_error(command, "lim"),
            "NOPERM this user has no permissions to run the 'del' command");
  EXPECT_EQ(dryrun_denial(command, "lim", ""),
            "This user has no permissions to run the 'del' command");
  const Verdict key = check("lim", "GET", "x", Keys{"x"}, KeyAccess::kRead);
  EXPECT_EQ(noperm_error(key, "lim"),
            "NOPERM this user has no permissions to access one of the keys used as arguments");
  EXPECT_EQ(dryrun_denial(key, "lim", "x"), "This user has no permissions to access the 'x' key");
  EXPECT_EQ(log_reason(command), LogReason::kCommand);
  EXPECT_EQ(log_reason(key), LogReason::kKey);
}

}  // namespace
}  // namespace helios::acl
