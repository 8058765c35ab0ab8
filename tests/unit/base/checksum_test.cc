#include "base/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace helios::base {
namespace {

TEST(ChecksumTest, concat_equalsTheChecksumOfTheJoinedBytes) {
  std::string bytes;
  for (int i = 0; i < 5000; ++i) {
    bytes.push_back(static_cast<char>(i * 31 + 7));
  }
  // Splits at every interesting place: empty halves, inside XXH3's 64-byte stripes and
  // 1 KiB blocks, and past them.
  for (std::size_t split : {0, 1, 63, 64, 65, 240, 1024, 1025, 4999, 5000}) {
    const std::string_view all(bytes);
    EXPECT_EQ(checksum64_concat(all.substr(0, split), all.substr(split), 42), checksum64(all, 42))
        << "split at " << split;
  }
}

TEST(ChecksumTest, concat_dependsOnTheSeedAndTheBytes) {
  EXPECT_NE(checksum64_concat("head", "body", 1), checksum64_concat("head", "body", 2));
  EXPECT_NE(checksum64_concat("head", "body", 1), checksum64_concat("head", "bodY", 1));
  // Unlike the seeded two-part checksum64, concat does not see where the split is.
  EXPECT_EQ(checksum64_concat("hea", "dbody", 1), checksum64_concat("head", "body", 1));
  EXPECT_NE(checksum64("head", "body", 1), checksum64_concat("head", "body", 1));
}

}  // namespace
}  // namespace helios::base
