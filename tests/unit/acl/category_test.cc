// Categories: names, lookup, and categories_for() against what redis-server 7.0.15's COMMAND
// INFO reports for every command Helios answers (acl_test_catalogue.h holds the verified
// strings); the Catalogue's lookups; split_args (Redis's sdssplitargs).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/catalogue.h"
#include "acl/category.h"
#include "acl/split_args.h"
#include "tests/unit/acl/acl_test_catalogue.h"

namespace helios::acl {
namespace {

TEST(AclCategoryTest, namesInRedisOrder) {
  // verified: ACL CAT
  const std::vector<std::string_view> expected = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  const std::span<const std::string_view> names = category_names();
  EXPECT_EQ(std::vector<std::string_view>(names.begin(), names.end()), expected);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(category_by_name(expected[i]), CategoryBits{1} << i);
  }
  EXPECT_EQ(category_by_name("STRING"), kString);
  EXPECT_EQ(category_by_name("Connection"), kConnection);
  EXPECT_FALSE(category_by_name("all").has_value());
  EXPECT_FALSE(category_by_name("").has_value());
  EXPECT_FALSE(category_by_name("strings").has_value());
  EXPECT_EQ(category_tags(kRead | kString | kFast), "@read @string @fast");
  EXPECT_EQ(category_tags(0), "");
  EXPECT_EQ(unknown_category_error("nope"), "ERR Unknown category 'nope'");
  EXPECT_EQ(unknown_category_error(std::string(200, 'x')),
            "ERR Unknown category '" + std::string(128, 'x') + "'");
}

TEST(AclCategoryTest, categoriesFor_matchesRedis) {
  for (const acltest::CommandRow& row : acltest::command_rows()) {
    EXPECT_EQ(category_tags(categories_for(row.name, row.flags)), row.redis_categories) << row.name;
  }
  // Flags Helios's table does not use yet.
  EXPECT_EQ(categories_for("BLPOP", "write blocking"), kWrite | kList | kBlocking | kSlow);
  EXPECT_EQ(categories_for("PUBLISH", "pubsub loading stale fast"), kPubSub | kFast);
  EXPECT_EQ(categories_for("get", "READONLY FAST"), kRead | kString | kFast);
}

TEST(AclCatalogueTest, lookups) {
  const Catalogue& c = *acltest::test_catalogue();
  const Catalogue::Id get = c.find("GET");
  ASSERT_NE(get, Catalogue::kNone);
  EXPECT_EQ(c.name(get), "get");
  EXPECT_EQ(c.find("get"), get);
  EXPECT_EQ(c.find("gEt"), get);
  const Catalogue::Id config = c.find("config");
  const Catalogue::Id config_get = c.find("CONFIG|get");
  ASSERT_NE(config_get, Catalogue::kNone);
  EXPECT_EQ(c.name(config_get), "config|get");
  EXPECT_EQ(c.parent(config_get), config);
  EXPECT_EQ(c.find_subcommand(config, "GeT"), config_get);
  EXPECT_EQ(c.find_subcommand(config, "nosuch"), Catalogue::kNone);
  EXPECT_EQ(c.subcommands(config).size(), 3u);
  EXPECT_EQ(c.find("config|get|x"), Catalogue::kNone);
  EXPECT_EQ(c.find("get|x"), Catalogue::kNone);
  EXPECT_EQ(c.find("config|"), Catalogue::kNone);
  EXPECT_EQ(c.find(""), Catalogue::kNone);
  EXPECT_TRUE(c.no_auth(c.find("AUTH")));
  EXPECT_FALSE(c.no_auth(get));
  const std::vector<std::string_view> transaction = c.in_category(kTransaction);
  EXPECT_EQ(transaction.size(), 5u);  // multi exec discard watch unwatch
}

TEST(AclSplitArgsTest, likeSdssplitargs) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_args("  a  b\tc\n"), (V{"a", "b", "c"}));
  EXPECT_EQ(split_args(""), V{});
  EXPECT_EQ(split_args("\"a b\" 'c d'"), (V{"a b", "c d"}));
  EXPECT_EQ(split_args("\"\\x41\\n\\\"\""), (V{"A\n\""}));
  EXPECT_EQ(split_args("'it\\'s'"), (V{"it's"}));
  EXPECT_EQ(split_args("x\"y z\""), (V{"xy z"}));
  EXPECT_EQ(split_args("a\vb"), (V{"a\vb"}));                 // only space, \n, \r, \t end a word
  EXPECT_EQ(split_args(std::string("a\0b c", 5)), (V{"a"}));  // a C string
  EXPECT_FALSE(split_args("\"abc").has_value());
  EXPECT_FALSE(split_args("'abc").has_value());
  EXPECT_FALSE(split_args("\"a\"b").has_value());
  EXPECT_EQ(split_args("\"\""), (V{""}));
}

TEST(AclSplitArgsTest, mergeSelectorArgs) {
  using V = std::vector<std::string>;
  std::size_t open_at = 99;
  EXPECT_EQ(merge_selector_args(V{"on", "(~x", "+get", ")", "off"}, &open_at),
            (V{"on", "(~x +get )", "off"}));
  EXPECT_EQ(merge_selector_args(V{"(a)", "(b", "(c", "d)"}, &open_at), (V{"(a)", "(c d)"}));
  EXPECT_FALSE(merge_selector_args(V{"x", "(a", "b"}, &open_at).has_value());
  EXPECT_EQ(open_at, 1u);
  EXPECT_EQ(merge_selector_args(V{"", "(", ")"}, &open_at), (V{"", "( )"}));
}

}  // namespace
}  // namespace helios::acl
