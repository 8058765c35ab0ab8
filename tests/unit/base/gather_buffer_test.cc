// GatherBuffer: small data copied, large data spliced, pieces in order from any start.
#include "base/gather_buffer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace helios::base {
namespace {

std::vector<std::string> pieces_of(const GatherBuffer& b, std::size_t skip = 0) {
  std::vector<std::string> out;
  b.for_each_piece([&out](std::string_view piece) { out.emplace_back(piece); }, skip);
  return out;
}

TEST(GatherBufferTest, append_copiesSmallDataAndSplicesLargeData) {
  const std::string large(GatherBuffer::kSpliceMinBytes, 'L');
  const SharedBytes shared(large);
  GatherBuffer b("head:");
  b.append(SharedBytes("small"));
  EXPECT_FALSE(b.has_splices());
  b.append(shared);
  b.bytes() += ":tail";
  EXPECT_TRUE(b.has_splices());
  EXPECT_EQ(b.bytes(), "head:small:tail");  // the large data is not in the copied bytes
  EXPECT_EQ(b.size(), 15 + large.size());
  EXPECT_EQ(pieces_of(b), (std::vector<std::string>{"head:small", large, ":tail"}));
  EXPECT_EQ(b.joined(), "head:small" + large + ":tail");
  std::vector<const char*> addresses;
  b.for_each_piece([&addresses](std::string_view piece) { addresses.push_back(piece.data()); });
  EXPECT_EQ(addresses[1], shared.data());  // written from the shared buffer itself
}

TEST(GatherBufferTest, forEachPiece_skipsLeadingBytesAndEmptyPieces) {
  const std::string a(600, 'a');
  const std::string c(700, 'c');
  GatherBuffer b("0123");
  b.append(SharedBytes(a));
  b.append(SharedBytes(c));  // two splices with no bytes between them
  EXPECT_EQ(pieces_of(b, 2), (std::vector<std::string>{"23", a, c}));
  EXPECT_EQ(pieces_of(b, 4), (std::vector<std::string>{a, c}));
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.has_splices());
  EXPECT_TRUE(pieces_of(b).empty());
}

}  // namespace
}  // namespace helios::base
