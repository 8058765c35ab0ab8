// Writer: the exact bytes of every method in RESP2 and RESP3, and format_double against
// printf's "%.17g".
#include "resp/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>

#include "base/prng.h"

namespace helios::resp {
namespace {

// What `write` appends in protocol `protocol`.
std::string encode(int protocol, const std::function<void(Writer&)>& write) {
  std::string out = "prefix|";
  Writer writer(out, protocol);
  EXPECT_EQ(writer.protocol(), protocol);
  write(writer);
  EXPECT_EQ(out.substr(0, 7), "prefix|") << "the writer appends";
  return out.substr(7);
}

// The bytes in RESP2 and in RESP3.
void expect_bytes(const std::function<void(Writer&)>& write, const std::string& resp2,
                  const std::string& resp3) {
  EXPECT_EQ(encode(2, write), resp2);
  EXPECT_EQ(encode(3, write), resp3);
}

TEST(WriterTest, simple) {
  expect_bytes([](Writer& w) { w.simple("OK"); }, "+OK\r\n", "+OK\r\n");
  expect_bytes([](Writer& w) { w.simple("a\r\nb\rc\n"); }, "+a  b c \r\n", "+a  b c \r\n");
  expect_bytes([](Writer& w) { w.simple(""); }, "+\r\n", "+\r\n");
}

TEST(WriterTest, error) {
  expect_bytes([](Writer& w) { w.error("ERR wrong number of arguments for 'get' command"); },
               "-ERR wrong number of arguments for 'get' command\r\n",
               "-ERR wrong number of arguments for 'get' command\r\n");
  expect_bytes([](Writer& w) { w.error("ERR bad\r\nline"); }, "-ERR bad  line\r\n",
               "-ERR bad  line\r\n");
}

TEST(WriterTest, integer) {
  expect_bytes([](Writer& w) { w.integer(0); }, ":0\r\n", ":0\r\n");
  expect_bytes([](Writer& w) { w.integer(-42); }, ":-42\r\n", ":-42\r\n");
  expect_bytes([](Writer& w) { w.integer(std::numeric_limits<std::int64_t>::min()); },
               ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
  expect_bytes([](Writer& w) { w.integer(std::numeric_limits<std::int64_t>::max()); },
               ":9223372036854775807\r\n", ":9223372036854775807\r\n");
}

TEST(WriterTest, bulk) {
  expect_bytes([](Writer& w) { w.bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
  expect_bytes([](Writer& w) { w.bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  const std::string binary("a\r\n\0b", 5);
  expect_bytes([&](Writer& w) { w.bulk(binary); }, "$5\r\n" + binary + "\r\n",
               "$5\r\n" + binary + "\r\n");
}

TEST(WriterTest, nulls) {
  expect_bytes([](Writer& w) { w.null(); }, "$-1\r\n", "_\r\n");
  expect_bytes([](Writer& w) { w.null_array(); }, "*-1\r\n", "_\r\n");
}

TEST(WriterTest, aggregates) {
  expect_bytes([](Writer& w) { w.array(0); }, "*0\r\n", "*0\r\n");
  expect_bytes(
      [](Writer& w) {
        w.array(2);
        w.bulk("a");
        w.integer(1);
      },
      "*2\r\n$1\r\na\r\n:1\r\n", "*2\r\n$1\r\na\r\n:1\r\n");
  expect_bytes(
      [](Writer& w) {
        w.map(1);
        w.bulk("k");
        w.bulk("v");
      },
      "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n");
  expect_bytes([](Writer& w) { w.map(0); }, "*0\r\n", "%0\r\n");
  expect_bytes([](Writer& w) { w.set(3); }, "*3\r\n", "~3\r\n");
  expect_bytes([](Writer& w) { w.push(2); }, "*2\r\n", ">2\r\n");
  expect_bytes([](Writer& w) { w.array(1234567); }, "*1234567\r\n", "*1234567\r\n");
}

TEST(WriterTest, boolean) {
  expect_bytes([](Writer& w) { w.boolean(true); }, ":1\r\n", "#t\r\n");
  expect_bytes([](Writer& w) { w.boolean(false); }, ":0\r\n", "#f\r\n");
}

TEST(WriterTest, dbl) {
  expect_bytes([](Writer& w) { w.dbl(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
  expect_bytes([](Writer& w) { w.dbl(3.0); }, "$1\r\n3\r\n", ",3\r\n");
  expect_bytes([](Writer& w) { w.dbl(0.1); }, "$19\r\n0.10000000000000001\r\n",
               ",0.10000000000000001\r\n");
  expect_bytes([](Writer& w) { w.dbl(-0.0); }, "$2\r\n-0\r\n", ",-0\r\n");
  expect_bytes([](Writer& w) { w.dbl(0.0); }, "$1\r\n0\r\n", ",0\r\n");
  const double inf = std::numeric_limits<double>::infinity();
  expect_bytes([&](Writer& w) { w.dbl(inf); }, "$3\r\ninf\r\n", ",inf\r\n");
  expect_bytes([&](Writer& w) { w.dbl(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n");
  expect_bytes([](Writer& w) { w.dbl(std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n");
  expect_bytes([](Writer& w) { w.dbl(-std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n");
  expect_bytes([](Writer& w) { w.dbl(1e300); }, "$23\r\n1.0000000000000001e+300\r\n",
               ",1.0000000000000001e+300\r\n");
}

TEST(WriterTest, verbatim) {
  expect_bytes([](Writer& w) { w.verbatim("a\r\nb"); }, "$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n");
  expect_bytes([](Writer& w) { w.verbatim(""); }, "$0\r\n\r\n", "=4\r\ntxt:\r\n");
}

TEST(WriterTest, bigNumber) {
  expect_bytes([](Writer& w) { w.big_number("-123456789012345678901234567890"); },
               "$31\r\n-123456789012345678901234567890\r\n",
               "(-123456789012345678901234567890\r\n");
}

TEST(WriterTest, formatDouble_isPrintf17g) {
  base::Prng prng(20240607);
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t bits = prng.next();
    double d = 0;
    static_assert(sizeof(d) == sizeof(bits));
    std::memcpy(&d, &bits, sizeof(d));
    if (i % 2 == 1) {
      d = static_cast<double>(static_cast<std::int64_t>(prng.uniform(1u << 30)) - (1 << 29)) /
          static_cast<double>(prng.range(1, 1000));
    }
    if (std::isnan(d) || std::isinf(d) || d == 0) {
      continue;
    }
    char expected[64];
    std::snprintf(expected, sizeof(expected), "%.17g", d);
    ASSERT_EQ(format_double(d), expected) << bits;
    EXPECT_EQ(std::strtod(format_double(d).c_str(), nullptr), d) << "17 digits round trip";
  }
}

}  // namespace
}  // namespace helios::resp
