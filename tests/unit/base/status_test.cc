#include "base/status.h"

#include <gtest/gtest.h>

namespace helios {
namespace {

TEST(StatusTest, defaultIsOk) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(StatusTest, errorCarriesCodeAndMessage) {
  Status s(Code::kNotLeader, "leader is 2");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), Code::kNotLeader);
  EXPECT_EQ(s.to_string(), "NOT_LEADER: leader is 2");
}

TEST(ResultTest, valueAndError) {
  Result<int> ok(5);
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok.value(), 5);
  Result<int> err(Status(Code::kCompacted, "index 3"));
  EXPECT_FALSE(err.is_ok());
  EXPECT_EQ(err.status().code(), Code::kCompacted);
}

}  // namespace
}  // namespace helios
