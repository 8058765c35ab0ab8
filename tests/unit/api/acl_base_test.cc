// Two nodes in one process, as the simulator runs them (and its seeds on threads): each node's
// ACL changes carry its own bootstrap users as their base (AclState::bootstrap_encoded), not
// those of whichever node opened last. A process-wide base once made a node's first ACL
// change replace its default user's password with another node's, and two seeds racing on it
// corrupted the simulator's heap.
#include <gtest/gtest.h>

#include <string>

#include "node/config.h"
#include "server_harness.h"

namespace helios::api {
namespace {

using namespace test_support;

TEST(AclBaseTest, anAclChangeCarriesItsOwnNodesBootstrapUsers) {
  base::set_log_level(base::LogLevel::kWarn);
  const std::uint64_t output = node::ClientConfig{}.max_output_bytes;
  TestNode a(10000, output, "password-a");
  ASSERT_TRUE(a.ok());
  TestNode b(10000, output, "password-b");  // opened after a
  ASSERT_TRUE(b.ok());

  Client at_a(a.port());
  ASSERT_EQ(at_a.cmd({"AUTH", "password-a"}), "OK");
  ASSERT_EQ(at_a.cmd({"ACL", "SETUSER", "alice", "on", ">alice-pw", "~*", "+@all"}), "OK");

  // The replicated users now rule a: its own default user, with alice beside it.
  Client again(a.port());
  EXPECT_EQ(again.cmd({"AUTH", "password-a"}), "OK");
  Client wrong(a.port());
  EXPECT_NE(wrong.cmd({"AUTH", "password-b"}), "OK");
  Client alice(a.port());
  EXPECT_EQ(alice.cmd({"AUTH", "alice", "alice-pw"}), "OK");

  // And b is untouched by a's change.
  Client at_b(b.port());
  EXPECT_EQ(at_b.cmd({"AUTH", "password-b"}), "OK");
  Client alice_at_b(b.port());
  EXPECT_NE(alice_at_b.cmd({"AUTH", "alice", "alice-pw"}), "OK");
}

}  // namespace
}  // namespace helios::api
