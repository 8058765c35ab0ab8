// SharedBytes: copies share the bytes, slices keep their buffer alive, a moved-from value is
// empty, and comparisons look at the bytes only.
#include "base/shared_bytes.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace helios::base {
namespace {

TEST(SharedBytesTest, copies_shareOneBuffer) {
  std::string text(1000, 'v');
  const char* const buffer = text.data();
  SharedBytes a(std::move(text));
  EXPECT_EQ(a.data(), buffer);  // the string's buffer was taken, not copied
  const SharedBytes b = a;      // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(b.data(), a.data());
  EXPECT_TRUE(b.shares_buffer_with(a));
  EXPECT_EQ(b, std::string(1000, 'v'));
}

TEST(SharedBytesTest, slice_keepsItsBufferAlive) {
  auto owner = std::make_shared<const std::string>("header|payload|trailer");
  SharedBytes slice(owner, std::string_view(*owner).substr(7, 7));
  std::weak_ptr<const std::string> watch = owner;
  owner.reset();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(slice, "payload");
  slice = SharedBytes();
  EXPECT_TRUE(watch.expired());
}

TEST(SharedBytesTest, movedFrom_isEmpty) {
  SharedBytes a("some bytes");
  SharedBytes b = std::move(a);
  EXPECT_TRUE(a.empty());   // NOLINT(bugprone-use-after-move): the contract says so
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b, "some bytes");
  SharedBytes c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.view(), "some bytes");
}

TEST(SharedBytesTest, equality_comparesBytesNotBuffers) {
  const SharedBytes a("abc");
  const SharedBytes b = SharedBytes::copy_of("abc");
  EXPECT_FALSE(a.shares_buffer_with(b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, std::string("abc"));
  EXPECT_EQ(a, std::string_view("abc"));
  EXPECT_NE(a, SharedBytes("abd"));
  EXPECT_EQ(SharedBytes(), SharedBytes(""));
  EXPECT_TRUE(SharedBytes(std::string()).empty());
  const std::string binary("a\0b", 3);
  EXPECT_EQ(SharedBytes(binary).size(), 3u);
}

}  // namespace
}  // namespace helios::base
