// ACL SETUSER rules: every rule, its error text, atomicity, the ACL LIST line and ACL GETUSER.
//
// "verified" marks strings checked against redis-server 7.0.15 on the build machine. Helios
// shows flags as 7.0 does (sanitize-payload only as skip-sanitize-payload) and command rules
// in the order given, as 7.2 does (7.0 rebuilds them from its own command table); "verified
// (7.2 form)" marks lines that differ from 7.0.15 only by that order.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/limits.h"
#include "acl/users.h"
#include "tests/unit/acl/acl_test_catalogue.h"

namespace helios::acl {
namespace {

using Rules = std::vector<std::string>;

constexpr std::string_view kPasswordHash =  // sha256("password"), verified
    "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
constexpr std::string_view kXHash =  // sha256("x"), verified
    "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

class AclRulesTest : public ::testing::Test {
 protected:
  Status set(std::string_view name, const Rules& rules) { return users_.setuser(name, rules); }
  std::string line(std::string_view name) const {
    const User* user = users_.find(name);
    return user == nullptr ? "<none>" : user->describe();
  }
  // The error text of a SETUSER that must fail and leave `name` as it was.
  std::string error(std::string_view name, const Rules& rules) {
    const std::string before = line(name);
    const Status s = set(name, rules);
    EXPECT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(line(name), before) << "not atomic";
    return s.message();
  }

  Users users_{acltest::test_catalogue()};
};

TEST_F(AclRulesTest, defaultUser_isOnNopassWithEverything) {
  // verified (7.2 form): 7.0.15 prints "user default on nopass ~* &* +@all".
  EXPECT_EQ(users_.list(), std::vector<std::string>{"user default on nopass ~* &* +@all"});
  EXPECT_EQ(users_.usernames(), std::vector<std::string>{"default"});
}

TEST_F(AclRulesTest, newUser_isOffWithNothing) {
  ASSERT_TRUE(set("alice", {}).is_ok());
  // verified (7.2 form): "user u4 off resetchannels -@all".
  EXPECT_EQ(line("alice"), "user alice off resetchannels -@all");
  ASSERT_TRUE(set("bob", {""}).is_ok());  // an empty rule is a no-op (verified)
  EXPECT_EQ(line("bob"), "user bob off resetchannels -@all");
}

TEST_F(AclRulesTest, onOff_andSanitizeFlags_anyCase) {
  ASSERT_TRUE(set("a", {"ON"}).is_ok());
  EXPECT_EQ(line("a"), "user a on resetchannels -@all");
  ASSERT_TRUE(set("a", {"Off", "skip-sanitize-payload"}).is_ok());
  EXPECT_EQ(line("a"), "user a off skip-sanitize-payload resetchannels -@all");
  ASSERT_TRUE(set("a", {"sanitize-payload", "on"}).is_ok());
  // verified: "user s1 on sanitize-payload resetchannels -@all" (7.0 shows a flag once set).
  EXPECT_EQ(line("a"), "user a on sanitize-payload resetchannels -@all");
}

TEST_F(AclRulesTest, passwords_addRemoveHashAndNopass) {
  ASSERT_TRUE(set("a", {">password", ">password", ">x"}).is_ok());
  EXPECT_EQ(line("a"), "user a off #" + std::string(kPasswordHash) + " #" + std::string(kXHash) +
                           " resetchannels -@all");
  ASSERT_TRUE(set("a", {"<password"}).is_ok());  // verified: '>x' '<password' leaves #x
  EXPECT_EQ(line("a"), "user a off #" + std::string(kXHash) + " resetchannels -@all");
  ASSERT_TRUE(set("a", {"!" + std::string(kXHash), "#" + std::string(kPasswordHash)}).is_ok());
  EXPECT_EQ(line("a"), "user a off #" + std::string(kPasswordHash) + " resetchannels -@all");
  // nopass drops the passwords; a password drops nopass (verified: u7 '>p1 >p2 >p1 nopass').
  ASSERT_TRUE(set("a", {"nopass"}).is_ok());
  EXPECT_EQ(line("a"), "user a off nopass resetchannels -@all");
  ASSERT_TRUE(set("a", {">x"}).is_ok());
  EXPECT_EQ(line("a"), "user a off #" + std::string(kXHash) + " resetchannels -@all");
  ASSERT_TRUE(set("a", {"nopass", "resetpass"}).is_ok());
  EXPECT_EQ(line("a"), "user a off resetchannels -@all");
}

TEST_F(AclRulesTest, passwords_errorsAreRedisTexts) {
  ASSERT_TRUE(set("a", {">x"}).is_ok());
  // verified
  EXPECT_EQ(error("a", {"<nopw"}),
            "ERR Error in ACL SETUSER modifier '<nopw': The password you are trying to remove "
            "from the user does not exist");
  EXPECT_EQ(error("a", {"#abc"}),
            "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 "
            "characters and contain only lowercase hexadecimal characters");
  EXPECT_EQ(error("a", {"!abc"}),
            "ERR Error in ACL SETUSER modifier '!abc': The password hash must be exactly 64 "
            "characters and contain only lowercase hexadecimal characters");
  std::string upper(kXHash);
  upper[0] = 'A';
  EXPECT_NE(error("a", {"#" + upper}).find("must be exactly 64"), std::string::npos);
  EXPECT_NE(error("a", {"!" + std::string(kPasswordHash)}).find("does not exist"),
            std::string::npos);
}

TEST_F(AclRulesTest, keyPatterns) {
  ASSERT_TRUE(set("a", {"~k*", "%R~r*", "%W~w*", "~k*"}).is_ok());
  EXPECT_EQ(line("a"), "user a off ~k* %R~r* %W~w* resetchannels -@all");
  // Same pattern again: the permissions merge (verified: "%R~r* %W~w* %RW~b* ~r*" ->
  // "~r* %W~w* ~b*").
  ASSERT_TRUE(set("b", {"%R~r*", "%W~w*", "%RW~b*", "~r*"}).is_ok());
  EXPECT_EQ(line("b"), "user b off ~r* %W~w* ~b* resetchannels -@all");
  ASSERT_TRUE(set("b", {"%w~r2", "%wr~r3", "%R"}).is_ok());  // "%R": empty pattern (verified)
  EXPECT_EQ(line("b"), "user b off ~r* %W~w* ~b* %W~r2 ~r3 %R~ resetchannels -@all");
  ASSERT_TRUE(set("b", {"resetkeys", "allkeys"}).is_ok());
  EXPECT_EQ(line("b"), "user b off ~* resetchannels -@all");
  ASSERT_TRUE(set("b", {"resetkeys", "~*"}).is_ok());
  EXPECT_EQ(line("b"), "user b off ~* resetchannels -@all");
  ASSERT_TRUE(set("b", {"resetkeys"}).is_ok());
  EXPECT_EQ(line("b"), "user b off resetchannels -@all");
}

TEST_F(AclRulesTest, keyPatterns_errors) {
  ASSERT_TRUE(set("a", {"~x"}).is_ok());
  // verified
  EXPECT_EQ(error("a", {"allkeys", "~foo"}),
            "ERR Error in ACL SETUSER modifier '~foo': Adding a pattern after the * pattern (or "
            "the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to "
            "start with an empty list of patterns");
  for (const char* bad : {"%~foo", "%X~foo", "%RR~foo", "~a b", "%", "~a\tb"}) {
    EXPECT_EQ(error("a", {bad}),
              "ERR Error in ACL SETUSER modifier '" + std::string(bad) + "': Syntax error");
  }
  EXPECT_EQ(error("a", {std::string("~a\0b", 4)}),
            "ERR Error in ACL SETUSER modifier '" + std::string("~a\0b", 4) + "': Syntax error");
}

TEST_F(AclRulesTest, channels_acceptedAndShown) {
  ASSERT_TRUE(set("a", {"&news.*", "&x", "&x"}).is_ok());
  EXPECT_EQ(line("a"), "user a off resetchannels &news.* &x -@all");
  ASSERT_TRUE(set("a", {"allchannels"}).is_ok());
  EXPECT_EQ(line("a"), "user a off &* -@all");
  // verified
  EXPECT_EQ(error("a", {"&foo"}),
            "ERR Error in ACL SETUSER modifier '&foo': Adding a pattern after the * pattern (or "
            "the 'allchannels' flag) is not valid and does not have any effect. Try "
            "'resetchannels' to start with an empty list of channels");
  ASSERT_TRUE(set("a", {"resetchannels", "&*"}).is_ok());
  EXPECT_EQ(line("a"), "user a off &* -@all");
}

TEST_F(AclRulesTest, commandRules_keepTheirOrder) {
  ASSERT_TRUE(set("a", {"+@all", "-get"}).is_ok());
  EXPECT_EQ(line("a"), "user a off resetchannels +@all -get");  // verified
  ASSERT_TRUE(set("b", {"+GET", "+@String", "-set", "+@keyspace", "-@dangerous"}).is_ok());
  EXPECT_EQ(line("b"),
            "user b off resetchannels -@all +get +@string -set +@keyspace "
            "-@dangerous");
  // A later rule for the same command or category replaces the earlier one.
  ASSERT_TRUE(set("c", {"+get", "+@read", "-get", "-@read", "+@read"}).is_ok());
  EXPECT_EQ(line("c"), "user c off resetchannels -@all -get +@read");
  ASSERT_TRUE(set("d", {"-@all", "+get", "-get"}).is_ok());
  EXPECT_EQ(line("d"), "user d off resetchannels -@all -get");
  // +@all / -@all / allcommands / nocommands start over.
  ASSERT_TRUE(set("d", {"+set", "allcommands", "-del"}).is_ok());
  EXPECT_EQ(line("d"), "user d off resetchannels +@all -del");
  ASSERT_TRUE(set("d", {"nocommands", "+del"}).is_ok());
  EXPECT_EQ(line("d"), "user d off resetchannels -@all +del");
}

TEST_F(AclRulesTest, subcommandsAndFirstArgs) {
  // verified: "+select|0 +select|0 +SELECT|1" -> "+select|0 +select|1".
  ASSERT_TRUE(set("a", {"+select|0", "+select|0", "+SELECT|1"}).is_ok());
  EXPECT_EQ(line("a"), "user a off resetchannels -@all +select|0 +select|1");
  ASSERT_TRUE(set("b", {"+client|id", "+CONFIG|GET", "+select|0"}).is_ok());
  EXPECT_EQ(line("b"), "user b off resetchannels -@all +client|id +config|get +select|0");
  // A whole command replaces its subcommand and first-arg rules.
  ASSERT_TRUE(set("b", {"-config", "+select"}).is_ok());
  EXPECT_EQ(line("b"), "user b off resetchannels -@all +client|id -config +select");
  ASSERT_TRUE(set("c", {"+config", "-config|set"}).is_ok());
  EXPECT_EQ(line("c"), "user c off resetchannels -@all +config -config|set");
}

TEST_F(AclRulesTest, commandRules_errors) {
  ASSERT_TRUE(set("a", {"+get"}).is_ok());
  const std::string unknown = "Unknown command or category name in ACL";
  // verified
  for (const char* bad : {"+nosuchcmd", "+@nosuchcat", "-select|0", "+config|nosuch", "-get|x", "+",
                          "-", "+@", "+|get", "-config|", "+get|x|y"}) {
    EXPECT_EQ(error("a", {bad}),
              "ERR Error in ACL SETUSER modifier '" + std::string(bad) + "': " + unknown);
  }
  EXPECT_EQ(error("a", {"+config|get|x"}),  // verified
            "ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a "
            "subcommand is not supported");
  EXPECT_EQ(error("a", {"+get|"}), "ERR Error in ACL SETUSER modifier '+get|': Syntax error");
  EXPECT_EQ(error("a", {"foo"}), "ERR Error in ACL SETUSER modifier 'foo': Syntax error");
  // Helios refuses white space in a first-arg (Redis's ACL LIST would not load back).
  EXPECT_EQ(error("a", {"+select|a b"}),
            "ERR Error in ACL SETUSER modifier '+select|a b': Syntax error");
}

TEST_F(AclRulesTest, reset_returnsToANewUser) {
  ASSERT_TRUE(
      set("a", {"on", ">x", "~k*", "&c", "+@all", "skip-sanitize-payload", "(~s +get)"}).is_ok());
  ASSERT_TRUE(set("a", {"reset"}).is_ok());
  // verified: "user u3 off sanitize-payload resetchannels -@all" (7.0's reset sets it).
  EXPECT_EQ(line("a"), "user a off sanitize-payload resetchannels -@all");
}

TEST_F(AclRulesTest, selectors) {
  // verified (7.2 form): "user sel on nopass ~a* resetchannels -@all +get (~b* resetchannels
  // -@all +set) (%R~c* resetchannels -@all +set +get)".
  ASSERT_TRUE(
      set("sel", {"on", "nopass", "~a*", "+get", "(~b*", "+set)", "(%R~c* +get +set)"}).is_ok());
  EXPECT_EQ(line("sel"),
            "user sel on nopass ~a* resetchannels -@all +get (~b* resetchannels "
            "-@all +set) (%R~c* resetchannels -@all +get +set)");
  // Unbalanced quotes in a selector give an empty one (verified: '("a)').
  ASSERT_TRUE(set("q1", {"(\"a)"}).is_ok());
  EXPECT_EQ(line("q1"), "user q1 off resetchannels -@all (resetchannels -@all)");
  ASSERT_TRUE(set("q2", {"(~x", "+get", ")", "()"}).is_ok());  // verified
  EXPECT_EQ(line("q2"),
            "user q2 off resetchannels -@all (~x resetchannels -@all +get) "
            "(resetchannels -@all)");
  // The body is split like Redis's sdssplitargs: quotes and \x escapes.
  EXPECT_EQ(error("q2", {"clearselectors", "('y z')"}),
            "ERR Error in ACL SETUSER modifier '('y z')': Syntax error");
  ASSERT_TRUE(set("q2", {"clearselectors", "(  \"~\\x41*\"  '+get' )"}).is_ok());
  EXPECT_EQ(line("q2"), "user q2 off resetchannels -@all (~A* resetchannels -@all +get)");
}

TEST_F(AclRulesTest, selectors_errors) {
  // verified
  EXPECT_EQ(error("u2", {"(~x +get"}),
            "ERR Unmatched parenthesis in acl selector starting at '(~x +get'.");
  EXPECT_EQ(error("u2", {"on", "(~x", "+get"}),
            "ERR Unmatched parenthesis in acl selector starting at '(~x'.");
  EXPECT_EQ(error("u2", {"(foo)"}), "ERR Error in ACL SETUSER modifier '(foo)': Syntax error");
  EXPECT_EQ(error("u2", {"(~x", "+nosuch)"}),
            "ERR Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name "
            "in ACL");
  EXPECT_EQ(line("u2"), "<none>");
}

TEST_F(AclRulesTest, userNames) {
  // verified
  EXPECT_EQ(error("a b", {}), "ERR Usernames can't contain spaces or null characters");
  EXPECT_EQ(error(std::string("a\0b", 3), {}),
            "ERR Usernames can't contain spaces or null characters");
  EXPECT_EQ(error("a\tb", {}), "ERR Usernames can't contain spaces or null characters");
  ASSERT_TRUE(set("", {}).is_ok());  // Redis takes an empty name too
  EXPECT_EQ(line(""), "user  off resetchannels -@all");
  EXPECT_FALSE(set(std::string(kMaxUserNameBytes + 1, 'n'), {}).is_ok());
  EXPECT_TRUE(set(std::string(kMaxUserNameBytes, 'n'), {}).is_ok());
}

TEST_F(AclRulesTest, setuser_isAllOrNothing) {
  ASSERT_TRUE(set("a", {"on", ">x", "~k*", "+get"}).is_ok());
  const std::string before = line("a");
  // Good rules first, then a bad one: nothing changes (error() checks the line too).
  EXPECT_EQ(error("a", {"off", "resetpass", "resetkeys", "+@all", "+nosuch"}),
            "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in "
            "ACL");
  EXPECT_EQ(line("a"), before);
  // A new user is not created by a failed SETUSER.
  error("newbie", {"on", "bogus"});
  EXPECT_EQ(users_.find("newbie"), nullptr);
  EXPECT_EQ(users_.size(), 2u);
}

TEST_F(AclRulesTest, deluser) {
  ASSERT_TRUE(set("a", {}).is_ok());
  ASSERT_TRUE(set("b", {}).is_ok());
  Result<std::size_t> refused = users_.deluser(Rules{"a", "default"});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(), "ERR The 'default' user cannot be removed");  // verified
  EXPECT_NE(users_.find("a"), nullptr);  // nothing deleted
  Result<std::size_t> deleted = users_.deluser(Rules{"a", "nosuch", "a"});
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(deleted.value(), 1u);  // verified: "ACL DELUSER u2 nosuch" -> 1
  EXPECT_EQ(users_.usernames(), (std::vector<std::string>{"b", "default"}));
}

TEST_F(AclRulesTest, getuser) {
  EXPECT_FALSE(users_.getuser("nosuch").has_value());  // Redis: a null reply (verified)
  // verified: u6 gives flags [off], passwords [], commands "-@all", keys "~r* %W~w* ~b*",
  // channels "", selectors [] (7.2 adds the flag sanitize-payload).
  ASSERT_TRUE(set("u6", {"%R~r*", "%W~w*", "%RW~b*", "~r*"}).is_ok());
  UserInfo info = users_.getuser("u6").value();
  EXPECT_EQ(info.flags, (std::vector<std::string>{"off"}));
  EXPECT_TRUE(info.passwords.empty());
  EXPECT_EQ(info.root.commands, "-@all");
  EXPECT_EQ(info.root.keys, "~r* %W~w* ~b*");
  EXPECT_EQ(info.root.channels, "");
  EXPECT_TRUE(info.selectors.empty());

  ASSERT_TRUE(set("sel", {"on", "nopass", ">x", "~a*", "&c1", "&c2", "+get", "(~b* +set)",
                          "(allkeys allchannels +@all -del)"})
                  .is_ok());
  info = users_.getuser("sel").value();
  EXPECT_EQ(info.flags, (std::vector<std::string>{"on"}));
  EXPECT_EQ(info.passwords, std::vector<std::string>{std::string(kXHash)});
  EXPECT_EQ(info.root.commands, "-@all +get");
  EXPECT_EQ(info.root.keys, "~a*");
  EXPECT_EQ(info.root.channels, "&c1 &c2");
  ASSERT_EQ(info.selectors.size(), 2u);
  EXPECT_EQ(info.selectors[0].commands, "-@all +set");
  EXPECT_EQ(info.selectors[0].keys, "~b*");
  EXPECT_EQ(info.selectors[0].channels, "");
  EXPECT_EQ(info.selectors[1].commands, "+@all -del");
  EXPECT_EQ(info.selectors[1].keys, "~*");
  EXPECT_EQ(info.selectors[1].channels, "&*");
  info = users_.getuser("default").value();
  EXPECT_EQ(info.flags, (std::vector<std::string>{"on", "nopass"}));
}

TEST_F(AclRulesTest, list_isSortedBytewise) {
  for (const char* name : {"u3", "u10", "alice", "Zed"}) {
    ASSERT_TRUE(set(name, {}).is_ok());
  }
  // verified: Redis lists u10 before u3 (rax order).
  EXPECT_EQ(users_.usernames(), (std::vector<std::string>{"Zed", "alice", "default", "u10", "u3"}));
  const std::vector<std::string> lines = users_.list();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3], "user u10 off resetchannels -@all");
  EXPECT_EQ(users_.aclfile().size(), [&] {
    std::size_t n = 0;
    for (const std::string& l : lines) {
      n += l.size() + 1;
    }
    return n;
  }());
}

TEST_F(AclRulesTest, requirepass) {
  ASSERT_TRUE(users_.set_requirepass("x").is_ok());
  EXPECT_EQ(line("default"), "user default on #" + std::string(kXHash) + " ~* &* +@all");
  ASSERT_TRUE(users_.set_requirepass("password").is_ok());  // replaces, not adds
  EXPECT_EQ(line("default"), "user default on #" + std::string(kPasswordHash) + " ~* &* +@all");
  ASSERT_TRUE(users_.set_requirepass("").is_ok());
  EXPECT_EQ(line("default"), "user default on nopass ~* &* +@all");
}

TEST_F(AclRulesTest, limits) {
  Rules many;
  for (std::size_t i = 0; i <= kMaxPasswords; ++i) {
    many.push_back(">p" + std::to_string(i));
  }
  EXPECT_EQ(error("a", many),
            "ERR Error in ACL SETUSER modifier '>p64': Too many passwords for "
            "one user (the limit is 64)");
  many.clear();
  for (std::size_t i = 0; i <= kMaxKeyPatterns; ++i) {
    many.push_back("~k" + std::to_string(i));
  }
  EXPECT_NE(error("a", many).find("Too many key patterns"), std::string::npos);
  many.assign(kMaxSelectors + 1, "(~s)");
  EXPECT_NE(error("a", many).find("Too many selectors"), std::string::npos);
  many.clear();
  for (std::size_t i = 0; i <= kMaxFirstArgs; ++i) {
    many.push_back("+select|" + std::to_string(i));
  }
  EXPECT_NE(error("a", many).find("Too many first-args"), std::string::npos);
  EXPECT_NE(error("a", {"~" + std::string(kMaxPatternBytes + 1, 'k')}).find("Pattern too long"),
            std::string::npos);
  EXPECT_NE(error("a", {">" + std::string(kMaxRuleBytes, 'p')}).find("Rule too long"),
            std::string::npos);
  EXPECT_NE(error("a", {"+select|" + std::string(kMaxFirstArgBytes + 1, '1')}).find("too long"),
            std::string::npos);
}

}  // namespace
}  // namespace helios::acl
