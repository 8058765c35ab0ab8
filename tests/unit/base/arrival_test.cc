// ArrivingBytes: a reader waits for bytes a writer appends on another thread.
#include "base/arrival.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace helios::base {
namespace {

TEST(ArrivingBytesTest, reached_isTrueForWhatArrivedAndEmptyPrefixes) {
  ArrivingBytes b(10);
  EXPECT_EQ(b.whole().size(), 10u);
  EXPECT_TRUE(b.reached(b.whole().data()));  // nothing needed
  b.append("abcd");
  EXPECT_EQ(b.arrived(), 4u);
  EXPECT_TRUE(b.reached(b.whole().data() + 4));
  EXPECT_EQ(b.whole().substr(0, 4), "abcd");
  EXPECT_TRUE(await_bytes(&b, b.whole(), 3));
  EXPECT_TRUE(await_bytes(nullptr, b.whole(), 10));  // no arrival: everything is there
}

TEST(ArrivingBytesTest, abandon_wakesAWaitingReaderWithFalse) {
  ArrivingBytes b(10);
  b.append("ab");
  bool result = true;
  std::thread reader([&]() { result = b.reached(b.whole().data() + 5); });
  b.abandon();
  reader.join();
  EXPECT_FALSE(result);
  EXPECT_TRUE(b.reached(b.whole().data() + 2));   // what arrived stays readable
  EXPECT_FALSE(await_bytes(&b, b.whole(), 100));  // clamped to the whole, still missing
}

TEST(ArrivingBytesTest, aReaderSeesEveryByteAWriterAppendsInPieces) {
  const std::size_t total = 1 << 16;
  ArrivingBytes b(total);
  std::string expected(total, '\0');
  for (std::size_t i = 0; i < total; ++i) {
    expected[i] = static_cast<char>(i * 7 + 3);
  }
  std::string seen;
  std::thread reader([&]() {
    for (std::size_t i = 0; i < total; ++i) {
      ASSERT_TRUE(b.reached(b.whole().data() + i + 1));
      seen.push_back(b.whole()[i]);
    }
  });
  for (std::size_t at = 0; at < total; at += 1000) {
    b.append(std::string_view(expected).substr(at, 1000));
  }
  reader.join();
  EXPECT_EQ(seen, expected);
}

TEST(ArrivingBytesDeathTest, appendingBeyondTheTotalAsserts) {
  ArrivingBytes b(3);
  EXPECT_DEATH(b.append("abcd"), "");
}

}  // namespace
}  // namespace helios::base
