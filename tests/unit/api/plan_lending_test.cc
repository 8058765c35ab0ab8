// Lending plans (api/plan.h: make_plan_lending, repay): the write path's values move from
// the request's arguments into the plan's operations instead of being copied. Checked for
// every command that takes a value: the lending plan is the copying plan; each long value's
// bytes are the argument's own (not a copy); repay puts argv back as it was, wherever the
// ops moved since; a refused command leaves argv whole; short values and reads lend nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "api/command_table.h"
#include "api/plan.h"
#include "atlas/command.h"

namespace helios::api {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'123;

const CommandSpec& spec_of(const Argv& argv) {
  std::string name = argv[0];
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const CommandSpec* spec = find_command(name);
  EXPECT_NE(spec, nullptr) << name;
  return *spec;
}

// A value of `n` bytes, distinct per `seed`.
std::string value(std::size_t n, char seed) {
  std::string v(n, seed);
  v[0] = '#';
  return v;
}

// Every string of the ops, in order (the data of every op type that carries any).
std::vector<const std::string*> strings_of(const std::vector<atlas::Op>& ops) {
  std::vector<const std::string*> out;
  for (const atlas::Op& op : ops) {
    if (const auto* s = std::get_if<atlas::SetOp>(&op)) {
      out.push_back(&s->value);
    } else if (const auto* a = std::get_if<atlas::AppendOp>(&op)) {
      out.push_back(&a->value);
    } else if (const auto* r = std::get_if<atlas::SetRangeOp>(&op)) {
      out.push_back(&r->value);
    } else if (const auto* m = std::get_if<atlas::MSetNxOp>(&op)) {
      for (const std::string& v : m->values) {
        out.push_back(&v);
      }
    } else if (const auto* o = std::get_if<atlas::ObjOp>(&op)) {
      for (const std::string& v : o->args) {
        out.push_back(&v);
      }
    }
  }
  return out;
}

// The commands that take values, each with long values (lent), a short one (copied) or both.
std::vector<Argv> writes() {
  const std::string big = value(600, 'a');
  const std::string mid = value(16, 'b');  // exactly kLendMinBytes
  const std::string small = value(15, 'c');
  return {
      {"SET", "k", big},
      {"set", "k", big, "EX", "10", "GET"},
      {"SET", "k", small, "PX", "100"},
      {"SETNX", "k", mid},
      {"SETEX", "k", "5", big},
      {"PSETEX", "k", "5000", big},
      {"GETSET", "k", big},
      {"MSET", "k1", big, "k2", small, "k3", mid},
      {"MSETNX", "k1", big, "k2", mid},
      {"APPEND", "k", big},
      {"SETRANGE", "k", "3", big},
      {"HSET", "h", value(20, 'f'), big, "f2", small},
      {"LPUSH", "l", big, mid, small},
      {"RPUSH", "l", big},
      {"SADD", "s", big, mid},
      {"ZADD", "z", "1", big, "2", small},
      {"INCRBY", "counter-with-a-long-name", "5"},
      {"DEL", "a-key-of-more-than-sixteen-bytes"},
  };
}

TEST(PlanLendingTest, lendingPlan_isTheCopyingPlanAndHoldsTheArgumentsOwnBytes) {
  for (const Argv& request : writes()) {
    SCOPED_TRACE(request[0] + " " + request[1]);
    const CommandSpec& spec = spec_of(request);
    Result<Plan> copied = make_plan(spec, request, kNow);
    ASSERT_TRUE(copied.is_ok()) << copied.status().message();

    Argv argv = request;
    std::vector<const char*> bytes;
    for (const std::string& a : argv) {
      bytes.push_back(a.data());
    }
    Result<Plan> lent = make_plan_lending(spec, argv, kNow);
    ASSERT_TRUE(lent.is_ok()) << lent.status().message();
    EXPECT_EQ(lent.value().ops, copied.value().ops);
    EXPECT_EQ(lent.value().shape, copied.value().shape);
    EXPECT_EQ(lent.value().write, copied.value().write);

    // Each loan: a long argument, now empty in argv, whose bytes an op holds as they were.
    const std::vector<const std::string*> held = strings_of(lent.value().ops);
    std::size_t long_values = 0;
    for (const std::string* s : held) {
      long_values += s->size() >= kLendMinBytes ? 1 : 0;
    }
    EXPECT_EQ(lent.value().loans.size(), long_values);
    for (const Loan& loan : lent.value().loans) {
      ASSERT_LT(loan.arg, argv.size());
      EXPECT_GE(request[loan.arg].size(), kLendMinBytes);
      EXPECT_TRUE(argv[loan.arg].empty());
      EXPECT_EQ(loan.bytes, bytes[loan.arg]);
      const bool found = std::any_of(held.begin(), held.end(), [&](const std::string* s) {
        return s->data() == bytes[loan.arg] && *s == request[loan.arg];
      });
      EXPECT_TRUE(found) << "argument " << loan.arg << " is not held by an op";
    }

    // The ops move (as into a batch), then give the values back.
    std::vector<atlas::Op> batch{atlas::Op(atlas::FlushOp{})};
    for (atlas::Op& op : lent.value().ops) {
      batch.push_back(std::move(op));
    }
    repay(batch.begin(), batch.end(), lent.value().loans, argv);
    EXPECT_EQ(argv, request);
  }
}

TEST(PlanLendingTest, refusedCommand_leavesItsArgumentsWhole) {
  const std::string big = value(300, 'x');
  const std::vector<Argv> refused = {
      {"SET", "k", big, "EX", "abc"},    // not an integer
      {"SET", "k", big, "NOSUCH"},       // syntax
      {"SET", "k", big, "NX", "XX"},     // syntax
      {"SETEX", "k", "-1", big},         // invalid expire time
      {"SETRANGE", "k", "-1", big},      // offset out of range
      {"MSET", "k1", big, "k2"},         // wrong arguments
      {"HSET", "h", big},                // wrong arguments (the row's check)
      {"ZADD", "z", "notanumber", big},  // the row's check
      {"LPUSH", "l", big, big, big},     // valid: for contrast, it lends
  };
  for (const Argv& request : refused) {
    SCOPED_TRACE(request[0] + " " + request.back().substr(0, 8));
    Argv argv = request;
    Result<Plan> lent = make_plan_lending(spec_of(request), argv, kNow);
    Result<Plan> copied = make_plan(spec_of(request), request, kNow);
    ASSERT_EQ(lent.is_ok(), copied.is_ok());
    if (!lent.is_ok()) {
      EXPECT_EQ(lent.status().message(), copied.status().message());
      EXPECT_EQ(argv, request);
    } else {
      EXPECT_EQ(lent.value().loans.size(), 3u);
    }
  }
}

TEST(PlanLendingTest, manyArguments_areLentAndGivenBackInLinearishTime) {
  // 100,000 long arguments: a loan looked up by scanning every other would take 10^10 steps
  // (the session lends and repays every write it checks, so that would stall its loop).
  Argv request{"HSET", "h"};
  for (int i = 0; i < 50'000; ++i) {
    request.push_back("field-number-" + std::to_string(i) + "-padded");
    request.push_back("value-number-" + std::to_string(i) + "-padded");
  }
  Argv argv = request;
  Result<Plan> lent = make_plan_lending(spec_of(request), argv, kNow);
  ASSERT_TRUE(lent.is_ok());
  EXPECT_EQ(lent.value().loans.size(), 100'000u);
  std::reverse(lent.value().ops.begin(), lent.value().ops.end());
  repay(lent.value().ops.begin(), lent.value().ops.end(), lent.value().loans, argv);
  EXPECT_EQ(argv, request);

  // One argument short: the row's check refuses it, and every argument goes back.
  request.pop_back();
  argv = request;
  Result<Plan> refused = make_plan_lending(spec_of(request), argv, kNow);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(argv, request);
}

TEST(PlanLendingTest, readsAndShortValues_lendNothing) {
  const std::string big = value(100, 'r');
  const std::vector<Argv> requests = {
      {"GET", big},          {"MGET", big, big},
      {"HGET", big, big},    {"LRANGE", big, "0", "-1"},
      {"SET", "k", "short"}, {"SETRANGE", "k", "0", ""},
  };
  for (const Argv& request : requests) {
    SCOPED_TRACE(request[0]);
    Argv argv = request;
    Result<Plan> lent = make_plan_lending(spec_of(request), argv, kNow);
    ASSERT_TRUE(lent.is_ok()) << lent.status().message();
    EXPECT_TRUE(lent.value().loans.empty());
    EXPECT_EQ(argv, request);
  }
}

}  // namespace
}  // namespace helios::api
