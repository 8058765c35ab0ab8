// The client port through a real socket: a one-node cluster (a Runtime and an api::ClientPort
// wired as apps/node_main.cc wires them) on 127.0.0.1, and a tiny blocking RESP client
// (POSIX sockets; requests written with resp::Writer, replies read with resp::ReplyParser).
// Every data command with Redis's replies, pipelining, MULTI/EXEC, inline commands, protocol
// errors, RESP3, the connection commands, the JSON-lines protocol and the connection limit
// (the node and the client: server_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "api/command_table.h"
#include "server_harness.h"

namespace helios::api {
namespace {

using namespace test_support;

// ---- The fixture: one node per test process, a fresh client and an empty store per test ----

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base::set_log_level(base::LogLevel::kWarn);
    node_ = new TestNode();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(node_->ok());
    c_ = std::make_unique<Client>(node_->port());
    ASSERT_EQ(c_->cmd({"FLUSHDB"}), "OK");
  }
  std::unique_ptr<Client> connect() const { return std::make_unique<Client>(node_->port()); }

  static TestNode* node_;
  std::unique_ptr<Client> c_;
};

TestNode* ServerTest::node_ = nullptr;

// ---- Strings ------------------------------------------------------------------------------

TEST_F(ServerTest, SetAndGet) {
  EXPECT_EQ(c_->cmd({"GET", "k"}), "(nil)");
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "k"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"set", "k", "v2", "GET"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"SET", "k", "v3", "NX"}), "(nil)");
  EXPECT_EQ(c_->cmd({"SET", "other", "x", "XX"}), "(nil)");
  EXPECT_EQ(c_->cmd({"GET", "other"}), "(nil)");
  EXPECT_EQ(c_->cmd({"SET", "k", "v4", "XX"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "n", "1", "NX", "GET"}), "(nil)");
  EXPECT_EQ(c_->cmd({"GET", "n"}), "\"1\"");
  EXPECT_EQ(c_->cmd({"GET", "k"}), "\"v4\"");
  EXPECT_EQ(c_->cmd({"SET", "k", "v", "EX", "0"}),
            "(error) ERR invalid expire time in 'set' command");
  EXPECT_EQ(c_->cmd({"SET", "k", "v", "EX", "ten"}),
            "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"SET", "k", "v", "FOO"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"SET", "k", "v", "NX", "XX"}), "(error) ERR syntax error");
  const std::string binary("a\0b\r\n\xff", 6);
  EXPECT_EQ(c_->cmd({"SET", binary, binary}), "OK");
  const Value got = c_->call({"GET", binary});
  EXPECT_EQ(got.type, Type::kBulk);
  EXPECT_EQ(got.str, binary);
  EXPECT_EQ(c_->cmd({"SET", "empty", ""}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "empty"}), "\"\"");
  EXPECT_EQ(c_->cmd({"SET", "k", "v", "EX", "100"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "k", "v2", "KEEPTTL"}), "OK");
  EXPECT_GE(integer_of(c_->call({"TTL", "k"})), 99);
  EXPECT_EQ(c_->cmd({"SET", "k", "v3"}), "OK");
  EXPECT_EQ(c_->cmd({"TTL", "k"}), "(integer) -1");
}

TEST_F(ServerTest, LargeValue) {
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) {
    big[i] = static_cast<char>('a' + (i / 4096) % 26);
  }
  EXPECT_EQ(c_->cmd({"SET", "big", big}), "OK");
  const Value got = c_->call({"GET", "big"});
  EXPECT_EQ(got.str, big);
  EXPECT_EQ(c_->cmd({"STRLEN", "big"}), "(integer) 1048576");
}

TEST_F(ServerTest, DelExistsUnlink) {
  EXPECT_EQ(c_->cmd({"MSET", "a", "1", "b", "2"}), "OK");
  EXPECT_EQ(c_->cmd({"EXISTS", "a", "b", "c", "a"}), "(integer) 3");
  EXPECT_EQ(c_->cmd({"DEL", "a", "c", "a"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"EXISTS", "a"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"UNLINK", "b"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"DEL", "none"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 0");
}

TEST_F(ServerTest, IncrementsAndDecrements) {
  EXPECT_EQ(c_->cmd({"INCR", "n"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"INCRBY", "n", "10"}), "(integer) 11");
  EXPECT_EQ(c_->cmd({"DECRBY", "n", "3"}), "(integer) 8");
  EXPECT_EQ(c_->cmd({"DECR", "n"}), "(integer) 7");
  EXPECT_EQ(c_->cmd({"INCRBY", "n", "-7"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"DECR", "fresh"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"GET", "n"}), "\"0\"");
  EXPECT_EQ(c_->cmd({"SET", "s", "abc"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "s"}), "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"SET", "m", "9223372036854775807"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "m"}), "(error) ERR increment or decrement would overflow");
  EXPECT_EQ(c_->cmd({"GET", "m"}), "\"9223372036854775807\"");
  EXPECT_EQ(c_->cmd({"DECRBY", "n", "-9223372036854775808"}),
            "(error) ERR decrement would overflow");
  EXPECT_EQ(c_->cmd({"INCRBY", "n", "x"}), "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"GET", "n"}), "\"0\"");
}

TEST_F(ServerTest, IncrByFloat) {
  EXPECT_EQ(c_->cmd({"INCRBYFLOAT", "f", "10.5"}), "\"10.5\"");
  EXPECT_EQ(c_->cmd({"INCRBYFLOAT", "f", "0.1"}), "\"10.6\"");
  EXPECT_EQ(c_->cmd({"SET", "g", "5.0e3"}), "OK");
  EXPECT_EQ(c_->cmd({"INCRBYFLOAT", "g", "200"}), "\"5200\"");
  EXPECT_EQ(c_->cmd({"INCRBYFLOAT", "f", "abc"}), "(error) ERR value is not a valid float");
  EXPECT_EQ(c_->cmd({"SET", "s", "abc"}), "OK");
  EXPECT_EQ(c_->cmd({"INCRBYFLOAT", "s", "1"}), "(error) ERR value is not a valid float");
  EXPECT_EQ(c_->cmd({"GET", "f"}), "\"10.6\"");
}

TEST_F(ServerTest, AppendStrlenGetrangeSetrange) {
  EXPECT_EQ(c_->cmd({"APPEND", "s", "Hello"}), "(integer) 5");
  EXPECT_EQ(c_->cmd({"APPEND", "s", " World"}), "(integer) 11");
  EXPECT_EQ(c_->cmd({"STRLEN", "s"}), "(integer) 11");
  EXPECT_EQ(c_->cmd({"STRLEN", "missing"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "0", "4"}), "\"Hello\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "-5", "-1"}), "\"World\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "0", "-1"}), "\"Hello World\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "20", "30"}), "\"\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "5", "2"}), "\"\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "missing", "0", "-1"}), "\"\"");
  EXPECT_EQ(c_->cmd({"SUBSTR", "s", "6", "100"}), "\"World\"");
  EXPECT_EQ(c_->cmd({"GETRANGE", "s", "a", "1"}),
            "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"SETRANGE", "s", "6", "Redis"}), "(integer) 11");
  EXPECT_EQ(c_->cmd({"GET", "s"}), "\"Hello Redis\"");
  EXPECT_EQ(c_->cmd({"SETRANGE", "z", "3", "ab"}), "(integer) 5");
  EXPECT_EQ(c_->cmd({"GET", "z"}), "\"\\x00\\x00\\x00ab\"");
  EXPECT_EQ(c_->cmd({"SETRANGE", "s", "-1", "x"}), "(error) ERR offset is out of range");
  EXPECT_EQ(c_->cmd({"SETRANGE", "missing", "0", ""}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"SETRANGE", "s", "3", ""}), "(integer) 11");
  EXPECT_EQ(c_->cmd({"EXISTS", "missing"}), "(integer) 0");
}

TEST_F(ServerTest, MsetMgetMsetnx) {
  EXPECT_EQ(c_->cmd({"MSET", "a", "1", "b", "2"}), "OK");
  EXPECT_EQ(c_->cmd({"MGET", "a", "b", "c"}), array_text({"\"1\"", "\"2\"", "(nil)"}));
  EXPECT_EQ(c_->cmd({"MSETNX", "c", "3", "d", "4"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"MSETNX", "d", "5", "e", "6"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"MGET", "c", "d", "e"}), array_text({"\"3\"", "\"4\"", "(nil)"}));
  EXPECT_EQ(c_->cmd({"MSET", "a"}), "(error) ERR wrong number of arguments for 'mset' command");
  EXPECT_EQ(c_->cmd({"MSET", "a", "1", "b"}),
            "(error) ERR wrong number of arguments for 'mset' command");
  EXPECT_EQ(c_->cmd({"MSETNX", "x", "1", "y"}),
            "(error) ERR wrong number of arguments for 'msetnx' command");
  EXPECT_EQ(c_->cmd({"MGET"}), "(error) ERR wrong number of arguments for 'mget' command");
}

TEST_F(ServerTest, GetsetGetdelGetex) {
  EXPECT_EQ(c_->cmd({"GETSET", "g", "v1"}), "(nil)");
  EXPECT_EQ(c_->cmd({"GETSET", "g", "v2"}), "\"v1\"");
  EXPECT_EQ(c_->cmd({"GETDEL", "g"}), "\"v2\"");
  EXPECT_EQ(c_->cmd({"GETDEL", "g"}), "(nil)");
  EXPECT_EQ(c_->cmd({"EXISTS", "g"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"SET", "x", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"GETEX", "x"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"GETEX", "x", "EX", "100"}), "\"v\"");
  const std::int64_t ttl = integer_of(c_->call({"TTL", "x"}));
  EXPECT_TRUE(ttl == 99 || ttl == 100) << ttl;
  EXPECT_EQ(c_->cmd({"GETEX", "x", "PERSIST"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"TTL", "x"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"GETEX", "x", "PX", "50000"}), "\"v\"");
  const std::int64_t pttl = integer_of(c_->call({"PTTL", "x"}));
  EXPECT_GT(pttl, 40'000);
  EXPECT_LE(pttl, 50'000);
  EXPECT_EQ(c_->cmd({"GETEX", "missing", "EX", "10"}), "(nil)");
  EXPECT_EQ(c_->cmd({"EXISTS", "missing"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"GETEX", "x", "EX", "0"}),
            "(error) ERR invalid expire time in 'getex' command");
  EXPECT_EQ(c_->cmd({"GETEX", "x", "FOO"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"GETEX", "x", "PXAT", "1"}), "\"v\"");  // in the past: deleted
  EXPECT_EQ(c_->cmd({"GET", "x"}), "(nil)");
}

TEST_F(ServerTest, SetnxSetexPsetex) {
  EXPECT_EQ(c_->cmd({"SETNX", "n", "v"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"SETNX", "n", "w"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"GET", "n"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"SETEX", "e", "100", "v"}), "OK");
  const std::int64_t ttl = integer_of(c_->call({"TTL", "e"}));
  EXPECT_TRUE(ttl == 99 || ttl == 100) << ttl;
  EXPECT_EQ(c_->cmd({"PSETEX", "p", "100000", "v"}), "OK");
  const std::int64_t pttl = integer_of(c_->call({"PTTL", "p"}));
  EXPECT_GT(pttl, 90'000);
  EXPECT_LE(pttl, 100'000);
  EXPECT_EQ(c_->cmd({"GET", "p"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"SETEX", "e", "0", "v"}),
            "(error) ERR invalid expire time in 'setex' command");
  EXPECT_EQ(c_->cmd({"PSETEX", "e", "-5", "v"}),
            "(error) ERR invalid expire time in 'psetex' command");
  EXPECT_EQ(c_->cmd({"SETEX", "e", "x", "v"}),
            "(error) ERR value is not an integer or out of range");
}

TEST_F(ServerTest, RenameAndRenamenx) {
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "OK");
  EXPECT_EQ(c_->cmd({"EXPIRE", "a", "100"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"RENAME", "a", "b"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "b"}), "\"1\"");
  EXPECT_GE(integer_of(c_->call({"TTL", "b"})), 99);
  EXPECT_EQ(c_->cmd({"EXISTS", "a"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"RENAME", "missing", "x"}), "(error) ERR no such key");
  EXPECT_EQ(c_->cmd({"RENAMENX", "missing", "x"}), "(error) ERR no such key");
  EXPECT_EQ(c_->cmd({"SET", "c", "3"}), "OK");
  EXPECT_EQ(c_->cmd({"RENAMENX", "b", "c"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"RENAMENX", "b", "d"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"MGET", "b", "c", "d"}), array_text({"(nil)", "\"3\"", "\"1\""}));
  EXPECT_EQ(c_->cmd({"RENAME", "c", "d"}), "OK");  // replaces d
  EXPECT_EQ(c_->cmd({"GET", "d"}), "\"3\"");
  EXPECT_EQ(c_->cmd({"TTL", "d"}), "(integer) -1");
}

TEST_F(ServerTest, ExpireTtlPersist) {
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"TTL", "k"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"PTTL", "k"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"EXPIRETIME", "k"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"TTL", "missing"}), "(integer) -2");
  EXPECT_EQ(c_->cmd({"PTTL", "missing"}), "(integer) -2");
  EXPECT_EQ(c_->cmd({"EXPIRETIME", "missing"}), "(integer) -2");
  EXPECT_EQ(c_->cmd({"PEXPIRETIME", "missing"}), "(integer) -2");
  EXPECT_EQ(c_->cmd({"EXPIRE", "missing", "10"}), "(integer) 0");
  const std::int64_t before = unix_s();
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "100"}), "(integer) 1");
  const std::int64_t ttl = integer_of(c_->call({"TTL", "k"}));
  EXPECT_TRUE(ttl == 99 || ttl == 100) << ttl;
  const std::int64_t pttl = integer_of(c_->call({"PTTL", "k"}));
  EXPECT_GT(pttl, 90'000);
  EXPECT_LE(pttl, 100'000);
  const std::int64_t at = integer_of(c_->call({"EXPIRETIME", "k"}));
  EXPECT_GE(at, before + 99);
  EXPECT_LE(at, unix_s() + 101);
  const std::int64_t pat = integer_of(c_->call({"PEXPIRETIME", "k"}));
  EXPECT_GE(pat, (before + 99) * 1000);
  EXPECT_LE(pat, (unix_s() + 101) * 1000);
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "200", "NX"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "200", "XX"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "100", "GT"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "100", "LT"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "10", "NX", "XX"}),
            "(error) ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "10", "GT", "LT"}),
            "(error) ERR GT and LT options at the same time are not compatible");
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "ten"}), "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"PERSIST", "k"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"PERSIST", "k"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"PERSIST", "missing"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"TTL", "k"}), "(integer) -1");
  EXPECT_EQ(c_->cmd({"EXPIREAT", "k", std::to_string(before + 1000)}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"EXPIRETIME", "k"}), "(integer) " + std::to_string(before + 1000));
  EXPECT_EQ(c_->cmd({"PEXPIREAT", "k", std::to_string((before + 2000) * 1000 + 7)}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"PEXPIRETIME", "k"}),
            "(integer) " + std::to_string((before + 2000) * 1000 + 7));
  EXPECT_EQ(c_->cmd({"EXPIRE", "k", "-1"}), "(integer) 1");  // in the past: deleted
  EXPECT_EQ(c_->cmd({"EXISTS", "k"}), "(integer) 0");
}

TEST_F(ServerTest, KeysExpireOnTime) {
  EXPECT_EQ(c_->cmd({"SET", "short", "v", "PX", "100"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "long", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"PEXPIRE", "long", "150"}), "(integer) 1");
  const Clock::time_point deadline = Clock::now() + kWait;
  while (c_->cmd({"EXISTS", "short", "long"}) != "(integer) 0" && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(c_->cmd({"MGET", "short", "long"}), array_text({"(nil)", "(nil)"}));
  EXPECT_EQ(c_->cmd({"TTL", "short"}), "(integer) -2");
  // Active expiry removes them from the store too (through the log).
  while (c_->cmd({"DBSIZE"}) != "(integer) 0" && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 0");
}

TEST_F(ServerTest, TypeDbsizeKeysScanFlush) {
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"MSET", "a", "1", "b", "2", "c", "3", "user:1", "x"}), "OK");
  EXPECT_EQ(c_->cmd({"TYPE", "a"}), "string");
  EXPECT_EQ(c_->call({"TYPE", "a"}).type, Type::kSimple);
  EXPECT_EQ(c_->cmd({"TYPE", "missing"}), "none");
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 4");
  const std::vector<std::string> all = {"a", "b", "c", "user:1"};
  EXPECT_EQ(sorted_strings(c_->call({"KEYS", "*"})), all);
  EXPECT_EQ(sorted_strings(c_->call({"KEYS", "user:*"})), std::vector<std::string>{"user:1"});
  EXPECT_EQ(sorted_strings(c_->call({"KEYS", "[ab]"})), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c_->cmd({"KEYS", "nomatch*"}), "(empty array)");
  // A full SCAN iteration returns every key (at least once), however small the pages.
  std::set<std::string> seen;
  std::string cursor = "0";
  for (int pages = 0; pages < 100; ++pages) {
    const Value page = c_->call({"SCAN", cursor, "COUNT", "1"});
    ASSERT_EQ(page.type, Type::kArray) << page.to_string();
    ASSERT_EQ(page.elements.size(), 2u);
    for (const Value& k : page.elements[1].elements) {
      seen.insert(k.str);
    }
    cursor = page.elements[0].str;
    if (cursor == "0") {
      break;
    }
  }
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), all);
  seen.clear();
  cursor = "0";
  for (int pages = 0; pages < 100; ++pages) {
    const Value page = c_->call({"SCAN", cursor, "MATCH", "user:*", "COUNT", "100"});
    ASSERT_EQ(page.elements.size(), 2u);
    for (const Value& k : page.elements[1].elements) {
      seen.insert(k.str);
    }
    cursor = page.elements[0].str;
    if (cursor == "0") {
      break;
    }
  }
  EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), std::vector<std::string>{"user:1"});
  const Value hashes = c_->call({"SCAN", "0", "TYPE", "hash", "COUNT", "100"});
  ASSERT_EQ(hashes.elements.size(), 2u);
  EXPECT_TRUE(hashes.elements[1].elements.empty());
  EXPECT_EQ(c_->cmd({"SCAN", "x"}), "(error) ERR invalid cursor");
  EXPECT_EQ(c_->cmd({"SCAN", "0", "COUNT", "0"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"SCAN", "0", "COUNT"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"SCAN", "0", "FOO", "1"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"FLUSHDB"}), "OK");
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"KEYS", "*"}), "(empty array)");
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "OK");
  EXPECT_EQ(c_->cmd({"FLUSHALL", "ASYNC"}), "OK");
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"FLUSHDB", "LATER"}), "(error) ERR syntax error");
}

// ---- DEBUG DIGEST ---------------------------------------------------------------------------

// The digests of the node's store, checked against a local atlas::Store holding the same
// items (without deadlines, so that the stamps do not matter).
TEST_F(ServerTest, DebugDigestAndDigestValue) {
  const std::string zeros(40, '0');
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST"}), zeros);  // Redis's answer for an empty dataset
  EXPECT_EQ(c_->call({"DEBUG", "DIGEST"}).type, Type::kSimple);  // a status reply, as Redis
  EXPECT_EQ(c_->cmd({"MSET", "a", "1", "b", "two"}), "OK");
  atlas::Store want;
  want.apply(atlas::Command{1, {atlas::SetOp{"a", "1"}, atlas::SetOp{"b", "two"}}});
  const std::string digest = want.digest_hex();
  EXPECT_EQ(c_->cmd({"debug", "digest"}), digest);
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST-VALUE", "a", "missing", "b"}),
            array_text({want.item_digest_hex("a"), zeros, want.item_digest_hex("b")}));
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST-VALUE"}), "(empty array)");
  // Changing a value or a deadline changes it; undoing the change restores it.
  EXPECT_EQ(c_->cmd({"SET", "a", "2"}), "OK");
  EXPECT_NE(c_->cmd({"DEBUG", "DIGEST"}), digest);
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "OK");
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST"}), digest);
  EXPECT_EQ(c_->cmd({"EXPIRE", "b", "100"}), "(integer) 1");
  EXPECT_NE(c_->cmd({"DEBUG", "DIGEST"}), digest);
  EXPECT_NE(c_->cmd({"DEBUG", "DIGEST-VALUE", "b"}), array_text({want.item_digest_hex("b")}));
  EXPECT_EQ(c_->cmd({"PERSIST", "b"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST"}), digest);
  // A read like GET: it sees the writes sent before it on its connection, not those after.
  c_->send_raw(Client::encode({"DEBUG", "DIGEST"}) + Client::encode({"DEL", "a", "b"}) +
               Client::encode({"DEBUG", "DIGEST"}));
  EXPECT_EQ(c_->next_text(), digest);
  EXPECT_EQ(c_->next_text(), "(integer) 2");
  EXPECT_EQ(c_->next_text(), zeros);
  // Stale local reads with READONLY; other connections see the same digest.
  EXPECT_EQ(c_->cmd({"SET", "c", "3"}), "OK");
  const std::string with_c = c_->cmd({"DEBUG", "DIGEST"});
  EXPECT_NE(with_c, zeros);
  EXPECT_EQ(c_->cmd({"READONLY"}), "OK");
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST"}), with_c);
  EXPECT_EQ(connect()->cmd({"DEBUG", "DIGEST"}), with_c);
}

TEST_F(ServerTest, DebugErrorsHelpCommandInfoMultiAndJsonLines) {
  EXPECT_EQ(c_->cmd({"DEBUG"}), "(error) ERR wrong number of arguments for 'debug' command");
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST", "x"}),
            "(error) ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try "
            "DEBUG HELP.");
  EXPECT_EQ(c_->cmd({"DEBUG", "sleep", "0"}),
            "(error) ERR unknown subcommand or wrong number of arguments for 'sleep'. Try "
            "DEBUG HELP.");
  const Value help = c_->call({"DEBUG", "HELP"});
  ASSERT_EQ(help.type, Type::kArray) << help.to_string();
  ASSERT_EQ(help.elements.size(), 8u);
  EXPECT_EQ(help.elements[1].str, "DIGEST");
  EXPECT_EQ(c_->cmd({"DEBUG", "HELP", "x"}),
            "(error) ERR unknown subcommand or wrong number of arguments for 'HELP'. Try "
            "DEBUG HELP.");
  // COMMAND knows it: Redis's arity and flags.
  const Value info = c_->call({"COMMAND", "INFO", "debug"});
  ASSERT_EQ(info.elements.size(), 1u) << info.to_string();
  ASSERT_GE(info.elements[0].elements.size(), 3u) << info.to_string();
  EXPECT_EQ(info.elements[0].elements[0].str, "debug");
  EXPECT_EQ(info.elements[0].elements[1].integer, -2);
  EXPECT_EQ(info.elements[0].elements[2].elements[0].str, "admin");
  const std::vector<std::string> names = sorted_strings(c_->call({"COMMAND", "LIST"}));
  EXPECT_TRUE(std::binary_search(names.begin(), names.end(), "debug"));
  // Not in MULTI (only data commands are), as KEYS.
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"DEBUG", "DIGEST"}).rfind("(error) ERR Command not allowed inside a", 0), 0u);
  EXPECT_EQ(c_->cmd({"DISCARD"}), "OK");
  // The JSON-lines protocol: the subcommand and the keys in "args".
  EXPECT_EQ(c_->cmd({"SET", "j", "v"}), "OK");
  atlas::Store want;
  want.apply(atlas::Command{1, {atlas::SetOp{"j", "v"}}});
  std::unique_ptr<Client> j = connect();
  j->send_raw("{\"cmd\":\"DEBUG\",\"args\":[\"DIGEST\"]}\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"result\":\"" + want.digest_hex() + "\"}\n");
  j->send_raw("{\"cmd\":\"debug\",\"args\":[\"DIGEST-VALUE\",\"j\",\"nope\"]}\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"result\":[\"" + want.item_digest_hex("j") + "\",\"" +
                               std::string(40, '0') + "\"]}\n");
  j->send_raw("{\"cmd\":\"DEBUG\",\"args\":[\"NOPE\"]}\n");
  EXPECT_EQ(j->raw_line(),
            "{\"ok\":false,\"error\":\"ERR unknown subcommand or wrong number of arguments "
            "for 'NOPE'. Try DEBUG HELP.\"}\n");
}

// ---- Pipelining and transactions ----------------------------------------------------------

TEST_F(ServerTest, PipelineOfAThousandCommandsInOneWrite) {
  std::string batch = Client::encode({"PING"});
  constexpr int kTriples = 333;
  for (int i = 0; i < kTriples; ++i) {
    const std::string key = "p:" + std::to_string(i);
    batch += Client::encode({"SET", key, std::to_string(i)});
    batch += Client::encode({"INCR", key});
    batch += Client::encode({"GET", key});
  }
  c_->send_raw(batch);
  EXPECT_EQ(c_->next_text(), "PONG");
  for (int i = 0; i < kTriples; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(c_->next_text(), "OK");
    ASSERT_EQ(c_->next_text(), "(integer) " + std::to_string(i + 1));
    ASSERT_EQ(c_->next_text(), "\"" + std::to_string(i + 1) + "\"");
  }
  EXPECT_EQ(c_->cmd({"DBSIZE"}), "(integer) " + std::to_string(kTriples));
}

// A read sees the writes sent before it on its connection and none sent after it, as in
// Redis: a pipelined "GET k; SET k new" answers the old value, "GET k; DEL k" does not lose
// it. The session issues the GET's read barrier at once and evaluates the read when the
// barrier completes, by which time the writes behind it in the pipeline (proposed in the
// same turn of the loop) may have been applied: the GET then answers the later value.
TEST_F(ServerTest, PipelinedReadDoesNotSeeLaterWritesOfThePipeline) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(c_->cmd({"SET", "k", "old"}), "OK");
    c_->send_raw(Client::encode({"GET", "k"}) + Client::encode({"SET", "k", "new"}));
    EXPECT_EQ(c_->next_text(), "\"old\"");
    EXPECT_EQ(c_->next_text(), "OK");
    c_->send_raw(Client::encode({"GET", "k"}) + Client::encode({"DEL", "k"}) +
                 Client::encode({"EXISTS", "k"}));
    EXPECT_EQ(c_->next_text(), "\"new\"");
    EXPECT_EQ(c_->next_text(), "(integer) 1");
    EXPECT_EQ(c_->next_text(), "(integer) 0");
  }
}

TEST_F(ServerTest, RequestsSplitAcrossWritesByteByByte) {
  const std::string request = Client::encode({"SET", "split", "value"}) + "GET split\r\n";
  for (char ch : request) {
    c_->send_raw(std::string_view(&ch, 1));
  }
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(c_->next_text(), "\"value\"");
}

TEST_F(ServerTest, MultiExecIsAtomicAndRepliesAnArray) {
  std::unique_ptr<Client> other = connect();
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "t", "1"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"INCR", "t"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"GET", "t"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"SET", "s", "abc"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"INCR", "s"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"SET", "bad", "v", "EX", "0"}), "QUEUED");  // refused when it runs
  EXPECT_EQ(c_->cmd({"MULTI"}), "(error) ERR MULTI calls can not be nested");
  EXPECT_EQ(other->cmd({"GET", "t"}), "(nil)");  // nothing applied before EXEC
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"OK", "(integer) 2", "\"2\"", "OK",
                                           "(error) ERR value is not an integer or out of range",
                                           "(error) ERR invalid expire time in 'set' command"}));
  EXPECT_EQ(other->cmd({"MGET", "t", "s", "bad"}), array_text({"\"2\"", "\"abc\"", "(nil)"}));
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"EXEC"}), "(empty array)");
}

// WATCH (session_watch.cc, atlas::WatchOp): an EXEC whose watched key another connection
// changed answers nil and changes nothing; UNWATCH, DISCARD and EXEC forget the keys, in
// request order even when pipelined behind the WATCH's read barrier.
TEST_F(ServerTest, WatchAbortsExecWhenAWatchedKeyChanged) {
  std::unique_ptr<Client> other = connect();
  EXPECT_EQ(c_->cmd({"SET", "w", "1"}), "OK");
  EXPECT_EQ(c_->cmd({"WATCH", "w", "absent"}), "OK");
  EXPECT_EQ(other->cmd({"SET", "w", "2"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"WATCH", "w"}), "(error) ERR WATCH inside MULTI is not allowed");
  EXPECT_EQ(c_->cmd({"SET", "w", "3"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), "(nil)");
  EXPECT_EQ(c_->cmd({"GET", "w"}), "\"2\"");
  // EXEC forgot the key: the next transaction runs.
  EXPECT_EQ(other->cmd({"SET", "w", "4"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "w"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"(integer) 5"}));
  // Untouched (a no-op write to it does not count): runs.
  EXPECT_EQ(c_->cmd({"WATCH", "w", "gone"}), "OK");
  EXPECT_EQ(other->cmd({"DEL", "gone"}), "(integer) 0");
  EXPECT_EQ(other->cmd({"SET", "w", "9", "NX"}), "(nil)");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "w"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"(integer) 6"}));
  // An empty transaction checks its keys too.
  EXPECT_EQ(c_->cmd({"WATCH", "w"}), "OK");
  EXPECT_EQ(other->cmd({"DEL", "w"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"EXEC"}), "(nil)");
}

TEST_F(ServerTest, UnwatchAndDiscardForgetInRequestOrderWhenPipelined) {
  std::unique_ptr<Client> other = connect();
  EXPECT_EQ(c_->cmd({"SET", "p", "1"}), "OK");
  // WATCH and UNWATCH pipelined: the WATCH's read completes after UNWATCH arrived, and
  // must still count as forgotten.
  c_->send_raw("WATCH p\r\nUNWATCH\r\n");
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(other->cmd({"SET", "p", "2"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "p"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"(integer) 3"}));
  // WATCH, MULTI ... EXEC pipelined: the EXEC carries the version the WATCH read.
  c_->send_raw("WATCH p\r\nMULTI\r\nINCR p\r\nEXEC\r\n");
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(c_->next_text(), "QUEUED");
  EXPECT_EQ(c_->next_text(), array_text({"(integer) 4"}));
  // DISCARD forgets.
  EXPECT_EQ(c_->cmd({"WATCH", "p"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"DISCARD"}), "OK");
  EXPECT_EQ(other->cmd({"SET", "p", "10"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "p"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"(integer) 11"}));
  // RESET forgets.
  EXPECT_EQ(c_->cmd({"WATCH", "p"}), "OK");
  EXPECT_EQ(c_->cmd({"RESET"}), "RESET");
  EXPECT_EQ(other->cmd({"SET", "p", "20"}), "OK");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"INCR", "p"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"(integer) 21"}));
}

TEST_F(ServerTest, MultiWithARefusedCommandAborts) {
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"NOSUCH", "x"}),
            "(error) ERR unknown command 'NOSUCH', with args beginning with: 'x' ");
  EXPECT_EQ(c_->cmd({"SET", "b", "2"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}),
            "(error) EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(c_->cmd({"MGET", "a", "b"}), array_text({"(nil)", "(nil)"}));
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"GET"}), "(error) ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(c_->cmd({"EXEC"}),
            "(error) EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(c_->cmd({"GET", "a"}), "(nil)");  // out of MULTI again
}

TEST_F(ServerTest, DiscardAndExecWithoutMulti) {
  EXPECT_EQ(c_->cmd({"EXEC"}), "(error) ERR EXEC without MULTI");
  EXPECT_EQ(c_->cmd({"DISCARD"}), "(error) ERR DISCARD without MULTI");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "d", "1"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"DISCARD"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "d"}), "(nil)");
  EXPECT_EQ(c_->cmd({"EXEC"}), "(error) ERR EXEC without MULTI");
}

// ---- The protocol -------------------------------------------------------------------------

TEST_F(ServerTest, InlineCommands) {
  c_->send_raw("PING\r\n");
  EXPECT_EQ(c_->next_text(), "PONG");
  c_->send_raw("SET a b\r\n");
  EXPECT_EQ(c_->next_text(), "OK");
  c_->send_raw("GET a\n");
  EXPECT_EQ(c_->next_text(), "\"b\"");
  c_->send_raw("SET \"x y\" 'z w'\r\nGET \"x y\"\r\n");
  EXPECT_EQ(c_->next_text(), "OK");
  EXPECT_EQ(c_->next_text(), "\"z w\"");
  c_->send_raw("ping hello\r\n");
  EXPECT_EQ(c_->next_text(), "\"hello\"");
}

TEST_F(ServerTest, ProtocolErrorClosesOnlyThatConnection) {
  std::unique_ptr<Client> bad = connect();
  EXPECT_EQ(bad->cmd({"PING"}), "PONG");
  bad->send_raw("*1\r\n$x\r\n");
  EXPECT_EQ(bad->next_text(), "(error) ERR Protocol error: invalid bulk length");
  EXPECT_TRUE(bad->wait_closed());
  std::unique_ptr<Client> bad2 = connect();
  bad2->send_raw("*1\r\n+PING\r\n");
  EXPECT_EQ(bad2->next_text(), "(error) ERR Protocol error: expected '$', got '+'");
  EXPECT_TRUE(bad2->wait_closed());
  std::unique_ptr<Client> bad3 = connect();
  bad3->send_raw("SET \"a b\r\n");
  EXPECT_EQ(bad3->next_text(), "(error) ERR Protocol error: unbalanced quotes in request");
  EXPECT_TRUE(bad3->wait_closed());
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");
  EXPECT_EQ(c_->cmd({"SET", "still", "here"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "still"}), "\"here\"");
}

TEST_F(ServerTest, UnknownCommandsAndWrongArity) {
  EXPECT_EQ(c_->cmd({"foo", "bar", "baz"}),
            "(error) ERR unknown command 'foo', with args beginning with: 'bar' 'baz' ");
  EXPECT_EQ(c_->cmd({"NOPE"}), "(error) ERR unknown command 'NOPE', with args beginning with: ");
  EXPECT_EQ(c_->cmd({"GET"}), "(error) ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(c_->cmd({"get", "a", "b"}), "(error) ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(c_->cmd({"SET", "a"}), "(error) ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(c_->cmd({"PING", "a", "b"}),
            "(error) ERR wrong number of arguments for 'ping' command");
  EXPECT_EQ(c_->cmd({"KEYS"}), "(error) ERR wrong number of arguments for 'keys' command");
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");  // the connection goes on
}

TEST_F(ServerTest, Hello3SwitchesToResp3) {
  const Value hello = c_->call({"HELLO", "3"});
  ASSERT_EQ(hello.type, Type::kMap) << hello.to_string();
  ASSERT_EQ(hello.elements.size(), 14u);
  std::string proto;
  std::string role;
  std::int64_t id = 0;
  for (std::size_t i = 0; i + 1 < hello.elements.size(); i += 2) {
    const std::string& key = hello.elements[i].str;
    const Value& value = hello.elements[i + 1];
    if (key == "server") {
      EXPECT_EQ(value.str, "redis");
    } else if (key == "proto") {
      proto = std::to_string(value.integer);
    } else if (key == "role") {
      role = value.str;
    } else if (key == "id") {
      id = value.integer;
    }
  }
  EXPECT_EQ(proto, "3");
  EXPECT_EQ(role, "master");
  EXPECT_EQ(c_->cmd({"CLIENT", "ID"}), "(integer) " + std::to_string(id));
  c_->send({"GET", "missing"});
  EXPECT_EQ(c_->raw_bytes(3), "_\r\n");
  c_->send({"CLIENT", "GETNAME"});
  EXPECT_EQ(c_->raw_bytes(3), "_\r\n");
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "OK");
  c_->send({"MGET", "a", "missing"});
  EXPECT_EQ(c_->raw_bytes(14), "*2\r\n$1\r\n1\r\n_\r\n");
  EXPECT_EQ(c_->call({"INFO", "server"}).type, Type::kVerbatim);
  EXPECT_EQ(c_->call({"CONFIG", "GET", "save"}).type, Type::kMap);
  EXPECT_EQ(c_->cmd({"INCR", "a"}), "(integer) 2");
  EXPECT_EQ(c_->cmd({"INCR", "missing", "x"}),
            "(error) ERR wrong number of arguments for 'incr' command");
  // HELLO 2 goes back: the map is an array of 14, null is "$-1".
  const Value back = c_->call({"HELLO", "2"});
  EXPECT_EQ(back.type, Type::kArray);
  EXPECT_EQ(back.elements.size(), 14u);
  c_->send({"GET", "missing"});
  EXPECT_EQ(c_->raw_bytes(5), "$-1\r\n");
  EXPECT_EQ(c_->cmd({"HELLO", "4"}), "(error) NOPROTO unsupported protocol version");
  EXPECT_EQ(c_->cmd({"HELLO", "x"}),
            "(error) ERR Protocol version is not an integer or out of range");
  EXPECT_EQ(c_->call({"HELLO", "3", "SETNAME", "named"}).type, Type::kMap);
  EXPECT_EQ(c_->cmd({"CLIENT", "GETNAME"}), "\"named\"");
}

TEST_F(ServerTest, ClientSetnameGetnameId) {
  EXPECT_EQ(c_->cmd({"CLIENT", "GETNAME"}), "(nil)");
  EXPECT_EQ(c_->cmd({"CLIENT", "SETNAME", "worker-1"}), "OK");
  EXPECT_EQ(c_->cmd({"client", "getname"}), "\"worker-1\"");
  EXPECT_EQ(c_->cmd({"CLIENT", "SETNAME", "bad name"}),
            "(error) ERR Client names cannot contain spaces, newlines or special characters.");
  EXPECT_EQ(c_->cmd({"CLIENT", "GETNAME"}), "\"worker-1\"");
  const std::int64_t id = integer_of(c_->call({"CLIENT", "ID"}));
  EXPECT_GT(id, 0);
  std::unique_ptr<Client> other = connect();
  const std::int64_t other_id = integer_of(other->call({"CLIENT", "ID"}));
  EXPECT_NE(other_id, id);
  EXPECT_EQ(other->cmd({"CLIENT", "GETNAME"}), "(nil)");
  const std::string list = c_->call({"CLIENT", "LIST"}).str;
  EXPECT_NE(list.find("id=" + std::to_string(id) + " "), std::string::npos) << list;
  EXPECT_NE(list.find("name=worker-1"), std::string::npos) << list;
  EXPECT_NE(list.find("id=" + std::to_string(other_id) + " "), std::string::npos) << list;
  EXPECT_EQ(c_->cmd({"CLIENT", "NOSUCH"}),
            "(error) ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.");
}

TEST_F(ServerTest, SelectInfoConfigCommand) {
  EXPECT_EQ(c_->cmd({"SELECT", "0"}), "OK");
  EXPECT_EQ(c_->cmd({"SELECT", "1"}), "(error) ERR DB index is out of range");
  EXPECT_EQ(c_->cmd({"SELECT", "x"}), "(error) ERR value is not an integer or out of range");
  const Value info = c_->call({"INFO"});
  EXPECT_EQ(info.type, Type::kBulk);
  EXPECT_NE(info.str.find("raft_role:leader"), std::string::npos) << info.str;
  EXPECT_NE(info.str.find("# Server"), std::string::npos);
  const std::string replication = c_->call({"INFO", "replication"}).str;
  EXPECT_NE(replication.find("role:master\r\n"), std::string::npos) << replication;
  EXPECT_NE(replication.find("raft_role:leader\r\n"), std::string::npos) << replication;
  EXPECT_NE(replication.find("raft_leader_id:1\r\n"), std::string::npos) << replication;
  EXPECT_EQ(replication.find("# Server"), std::string::npos) << replication;
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "save"}), array_text({"\"save\"", "\"\""}));
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "maxclients"}), array_text({"\"maxclients\"", "\"10000\""}));
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "port"}),
            array_text({"\"port\"", "\"" + std::to_string(node_->port()) + "\""}));
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "nosuch"}), "(empty array)");
  EXPECT_EQ(c_->cmd({"COMMAND", "COUNT"}), "(integer) " + std::to_string(all_commands().size()));
  const std::vector<std::string> names = sorted_strings(c_->call({"COMMAND", "LIST"}));
  EXPECT_EQ(names.size(), all_commands().size());
  EXPECT_TRUE(std::binary_search(names.begin(), names.end(), "get"));
  EXPECT_EQ(c_->cmd({"WAIT", "0", "0"}), "(integer) 0");  // no followers to count
  EXPECT_EQ(c_->cmd({"ECHO", "hi"}), "\"hi\"");
}

TEST_F(ServerTest, ReadonlyReadsAndWritesAtTheLeader) {
  EXPECT_EQ(c_->cmd({"SET", "r", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"READONLY"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "r"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"SET", "r", "w"}), "OK");  // the leader is no replica: writes go on
  EXPECT_EQ(c_->cmd({"GET", "r"}), "\"w\"");
  EXPECT_EQ(c_->cmd({"READWRITE"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "r"}), "\"w\"");
}

TEST_F(ServerTest, QuitClosesTheConnection) {
  EXPECT_EQ(c_->cmd({"SET", "q", "1"}), "OK");
  EXPECT_EQ(c_->cmd({"QUIT"}), "OK");
  EXPECT_TRUE(c_->wait_closed());
  std::unique_ptr<Client> again = connect();
  EXPECT_EQ(again->cmd({"GET", "q"}), "\"1\"");
}

TEST_F(ServerTest, JsonLines) {
  std::unique_ptr<Client> j = connect();
  j->send_raw("{\"cmd\":\"SET\",\"key\":\"j\",\"value\":\"aGk=\"}\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"result\":\"OK\"}\n");
  j->send_raw("{\"cmd\":\"GET\",\"key\":\"j\"}\n{\"cmd\":\"get\",\"key\":\"nope\"}\r\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"value\":\"aGk=\"}\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"value\":null}\n");
  j->send_raw("{\"cmd\":\"INCR\",\"key\":\"n\"}\n");
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"result\":1}\n");
  j->send_raw("{oops\n");
  EXPECT_EQ(j->raw_line().rfind("{\"ok\":false,\"error\":\"ERR ", 0), 0u);
  j->send_raw("{\"cmd\":\"NOPE\"}\n");
  EXPECT_EQ(j->raw_line(),
            "{\"ok\":false,\"error\":\"ERR unknown command 'NOPE', with args beginning with: "
            "\"}\n");
  j->send_raw("{\"cmd\":\"PING\"}\n");  // the connection survives request errors
  EXPECT_EQ(j->raw_line(), "{\"ok\":true,\"result\":\"PONG\"}\n");
  EXPECT_EQ(c_->cmd({"MGET", "j", "n"}), array_text({"\"hi\"", "\"1\""}));
}

// ---- Limits -------------------------------------------------------------------------------

TEST(ServerLimitsTest, ConnectionsBeyondMaxConnectionsAreRefused) {
  base::set_log_level(base::LogLevel::kWarn);
  TestNode node(2);
  ASSERT_TRUE(node.ok());
  auto first = std::make_unique<Client>(node.port());
  Client second(node.port());
  EXPECT_EQ(first->cmd({"PING"}), "PONG");
  EXPECT_EQ(second.cmd({"PING"}), "PONG");
  Client third(node.port());
  EXPECT_EQ(third.next_text(), "(error) ERR max number of clients reached");
  EXPECT_TRUE(third.wait_closed());
  EXPECT_EQ(second.cmd({"SET", "k", "v"}), "OK");  // the others go on
  // Once a connection closes, its place is free again.
  first.reset();
  // Until the server has seen the close, a new connection may still be refused: retry.
  const Clock::time_point deadline = Clock::now() + kWait;
  bool admitted = false;
  while (!admitted && Clock::now() < deadline) {
    Client next(node.port());
    std::optional<Value> refused = next.try_next(100ms);  // a refusal comes unasked
    if (refused.has_value()) {
      EXPECT_EQ(refused->to_string(), "(error) ERR max number of clients reached");
      continue;
    }
    next.send({"GET", "k"});
    const std::optional<Value> v = next.try_next(kWait);
    admitted = v.has_value() && v->type == Type::kBulk && v->str == "v";
  }
  EXPECT_TRUE(admitted);
}

// ---- Persistence: BGSAVE, LASTSAVE, SAVE, INFO persistence ------------------------------

// INFO persistence once no snapshot is being taken (bounded by kWait).
std::string persistence_when_idle(Client& c) {
  const Clock::time_point deadline = Clock::now() + kWait;
  std::string info = c.call({"INFO", "persistence"}).str;
  while (info_field(info, "rdb_bgsave_in_progress") != "0" && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    info = c.call({"INFO", "persistence"}).str;
  }
  EXPECT_EQ(info_field(info, "rdb_bgsave_in_progress"), "0") << info;
  return info;
}

TEST_F(ServerTest, BgsaveTakesASnapshotThatInfoAndLastsaveReport) {
  const std::int64_t before = unix_s();
  const auto conf_pending = [](const std::string& r) {  // the leader's addresses entry
    return info_int(r, "raft_conf_index") == 0 ||
           info_int(r, "raft_applied_index") < info_int(r, "raft_conf_index");
  };
  std::string replication = c_->call({"INFO", "replication"}).str;
  for (auto end = Clock::now() + kWait; conf_pending(replication) && Clock::now() < end;) {
    replication = c_->call({"INFO", "replication"}).str;
  }
  persistence_when_idle(*c_);  // none by the snapshot policy under way
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  // Three requests in one write are handled in one loop turn: the first starts a snapshot
  // (the SET is new), which the next two find under way.
  c_->send_raw(Client::encode({"BGSAVE"}) + Client::encode({"bgsave"}) +
               Client::encode({"BGSAVE", "schedule"}));
  EXPECT_EQ(c_->next_text(), "Background saving started");
  EXPECT_EQ(c_->next_text(), "(error) ERR Background save already in progress");
  EXPECT_EQ(c_->next_text(), "Background saving scheduled");

  const std::string info = persistence_when_idle(*c_);
  replication = c_->call({"INFO", "replication"}).str;
  EXPECT_EQ(info.rfind("# Persistence\r\nloading:0\r\n", 0), 0u) << info;
  EXPECT_GT(info_int(info, "snapshot_index"), 0) << info;
  EXPECT_EQ(info_int(info, "snapshot_index"), info_int(replication, "raft_applied_index"));
  EXPECT_EQ(info_field(info, "rdb_changes_since_last_save"), "0") << "no write since BGSAVE";
  EXPECT_EQ(info_int(info, "snapshot_log_bytes"), 0) << info;
  // The byte threshold is the larger of the configured one and the snapshot's size.
  EXPECT_GE(info_int(info, "snapshot_next_at_bytes"), std::int64_t{64} << 20) << info;
  EXPECT_GE(info_int(info, "snapshot_term"), 1);
  EXPECT_GE(info_int(info, "log_first_index"), 1);
  const std::int64_t saved = integer_of(c_->call({"LASTSAVE"}));
  EXPECT_GE(saved, before);
  EXPECT_LE(saved, unix_s());
  EXPECT_EQ(info_int(info, "rdb_last_save_time"), saved);

  // A write counts as a change; with nothing new, BGSAVE answers as Redis and takes none.
  EXPECT_EQ(c_->cmd({"SET", "k", "v2"}), "OK");
  const std::string after_write = c_->call({"INFO", "persistence"}).str;
  EXPECT_GE(info_int(after_write, "rdb_changes_since_last_save"), 1) << after_write;
  EXPECT_GT(info_int(after_write, "snapshot_log_bytes"), 0) << after_write;
  EXPECT_EQ(c_->cmd({"BGSAVE"}), "Background saving started");
  const std::string second = persistence_when_idle(*c_);
  EXPECT_EQ(info_field(second, "rdb_changes_since_last_save"), "0") << second;
  EXPECT_EQ(c_->cmd({"BGSAVE"}), "Background saving started");  // nothing new: no snapshot
  const std::string unchanged = c_->call({"INFO", "persistence"}).str;
  EXPECT_EQ(info_field(unchanged, "rdb_bgsave_in_progress"), "0") << unchanged;
  EXPECT_EQ(info_field(unchanged, "snapshot_index"), info_field(second, "snapshot_index"));
  // The default INFO has the section too.
  const std::string all = c_->call({"INFO"}).str;
  EXPECT_NE(all.find("\r\n# Persistence\r\nloading:0\r\n"), std::string::npos) << all;
}

TEST_F(ServerTest, SaveIsRefusedAndPersistenceCommandsAreInTheTable) {
  EXPECT_EQ(c_->cmd({"SAVE"}),
            "(error) ERR SAVE is not supported: Helios takes snapshots in the background; use "
            "BGSAVE (and LASTSAVE or INFO persistence to see when it is done)");
  EXPECT_EQ(c_->cmd({"BGSAVE", "NOW"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"BGSAVE", "SCHEDULE", "x"}), "(error) ERR syntax error");
  EXPECT_EQ(c_->cmd({"LASTSAVE", "x"}),
            "(error) ERR wrong number of arguments for 'lastsave' command");
  EXPECT_EQ(c_->cmd({"SAVE", "x"}), "(error) ERR wrong number of arguments for 'save' command");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");  // refused in MULTI, like every non-data command
  EXPECT_EQ(c_->call({"BGSAVE"}).type, Type::kError);
  EXPECT_EQ(c_->cmd({"DISCARD"}), "OK");
  const Value info = c_->call({"COMMAND", "INFO", "bgsave", "lastsave", "save"});
  ASSERT_EQ(info.elements.size(), 3u) << info.to_string();
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(info.elements[i].elements.size(), 10u) << info.to_string();
    EXPECT_EQ(info.elements[i].elements[1].integer, i == 0 ? -1 : 1) << info.to_string();
  }
  EXPECT_EQ(info.elements[1].elements[0].str, "lastsave");
}

}  // namespace
}  // namespace helios::api
