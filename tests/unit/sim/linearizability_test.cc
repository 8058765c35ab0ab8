// The project root is not on the include path (only src/ is), hence the relative include.
#include "sim/checker/linearizability.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/prng.h"

namespace helios::sim {
namespace {

KvOperation put(std::uint64_t client, std::string key, std::string value, std::uint64_t call,
                std::uint64_t ret = kNeverReturned) {
  return {.client_id = client,
          .kind = KvOpKind::kPut,
          .key = std::move(key),
          .value = std::move(value),
          .found = false,
          .delta = 0,
          .call_time = call,
          .return_time = ret};
}

KvOperation get(std::uint64_t client, std::string key, std::optional<std::string> observed,
                std::uint64_t call, std::uint64_t ret = kNeverReturned) {
  return {.client_id = client,
          .kind = KvOpKind::kGet,
          .key = std::move(key),
          .value = observed.value_or(""),
          .found = observed.has_value(),
          .delta = 0,
          .call_time = call,
          .return_time = ret};
}

KvOperation incr(std::uint64_t client, std::string key, std::int64_t delta, std::string result,
                 std::uint64_t call, std::uint64_t ret = kNeverReturned) {
  return {.client_id = client,
          .kind = KvOpKind::kIncr,
          .key = std::move(key),
          .value = std::move(result),
          .found = false,
          .delta = delta,
          .call_time = call,
          .return_time = ret};
}

constexpr std::nullopt_t kMissing = std::nullopt;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------
// A history generator: clients run operations against a real sequential store. Each
// operation takes effect at one tick strictly between its call and its return, so the
// history is linearizable by construction. Timestamps are a coarse clock (tick / 3), so
// many events share a timestamp. Some operations are abandoned (never returned); an
// abandoned PUT or INCR may still take effect later, or never.

struct GenConfig {
  int clients = 5;
  int ops = 60;
  int keys = 2;
  bool with_put = true;
  bool with_incr = true;
  std::uint64_t abandon_per_mille = 30;
};

class HistoryGenerator {
 public:
  HistoryGenerator(std::uint64_t seed, GenConfig config) : prng_(seed), config_(config) {}

  std::vector<KvOperation> run() {
    clients_.resize(static_cast<std::size_t>(config_.clients));
    for (Client& c : clients_) {
      c.id = next_client_id_++;
    }
    while (issued_ < config_.ops || busy_count() > 0 || !ghosts_.empty()) {
      ++tick_;
      for (std::size_t i : shuffled_client_order()) {
        if (prng_.chance(1, 2)) {
          act(clients_[i]);
        }
      }
      run_ghosts();
    }
    return std::move(history_);
  }

 private:
  struct Client {
    std::uint64_t id = 0;
    bool busy = false;
    bool applied = false;
    KvOperation op;
  };

  std::uint64_t now() const { return tick_ / 3; }

  int busy_count() const {
    int n = 0;
    for (const Client& c : clients_) {
      n += c.busy ? 1 : 0;
    }
    return n;
  }

  std::vector<std::size_t> shuffled_client_order() {
    std::vector<std::size_t> order(clients_.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[prng_.uniform(i)]);
    }
    return order;
  }

  void act(Client& c) {
    if (!c.busy) {
      if (issued_ < config_.ops) {
        start(c);
      }
    } else if (prng_.chance(config_.abandon_per_mille, 1000)) {
      abandon(c);
    } else if (!c.applied) {
      apply(c.op);
      c.applied = true;
    } else if (now() > c.op.call_time) {
      c.op.return_time = now();
      history_.push_back(c.op);
      c.busy = false;
    }
  }

  void start(Client& c) {
    ++issued_;
    c.busy = true;
    c.applied = false;
    c.op = KvOperation{};
    c.op.client_id = c.id;
    c.op.key = "k" + std::to_string(prng_.uniform(static_cast<std::uint64_t>(config_.keys)));
    c.op.call_time = now();
    std::uint64_t roll = prng_.uniform(2);
    if (roll == 1 && !config_.with_put) {
      roll = 2;
    } else if (config_.with_put && config_.with_incr && prng_.chance(1, 3)) {
      roll = 2;
    }
    if (roll == 0) {
      c.op.kind = KvOpKind::kGet;
    } else if (roll == 1) {
      c.op.kind = KvOpKind::kPut;
      c.op.value = std::to_string(1000 + next_value_++);  // unique, and an integer for INCR
    } else {
      c.op.kind = KvOpKind::kIncr;
      c.op.delta = static_cast<std::int64_t>(prng_.range(0, 10)) - 3;
    }
  }

  // The client gives up: the operation never returns; the client comes back as a new one.
  void abandon(Client& c) {
    KvOperation op = c.op;
    op.return_time = kNeverReturned;
    if (!c.applied && op.kind != KvOpKind::kGet) {
      ghosts_.push_back(op);  // may still take effect later, or never
    }
    history_.push_back(op);
    c.busy = false;
    c.id = next_client_id_++;
  }

  void run_ghosts() {
    std::vector<KvOperation> remaining;
    for (KvOperation& op : ghosts_) {
      if (prng_.chance(1, 4)) {
        apply(op);
      } else if (!prng_.chance(1, 10)) {
        remaining.push_back(op);
      }
    }
    ghosts_ = std::move(remaining);
  }

  void apply(KvOperation& op) {
    auto it = store_.find(op.key);
    switch (op.kind) {
      case KvOpKind::kGet:
        op.found = it != store_.end();
        op.value = op.found ? it->second : "";
        break;
      case KvOpKind::kPut:
        store_[op.key] = op.value;
        break;
      case KvOpKind::kIncr: {
        const std::int64_t base = it == store_.end() ? 0 : std::stoll(it->second);
        op.value = std::to_string(base + op.delta);
        store_[op.key] = op.value;
        break;
      }
    }
  }

  base::Prng prng_;
  GenConfig config_;
  std::vector<Client> clients_;
  std::vector<KvOperation> ghosts_;
  std::vector<KvOperation> history_;
  std::map<std::string, std::string> store_;
  std::uint64_t tick_ = 0;
  std::uint64_t next_client_id_ = 1;
  int issued_ = 0;
  int next_value_ = 0;
};

std::vector<KvOperation> generate(std::uint64_t seed, GenConfig config) {
  return HistoryGenerator(seed, config).run();
}

// ---------------------------------------------------------------------------------------
// A brute-force reference: tries every order of the operations that respects real time,
// with every pending PUT / INCR either placed somewhere or left out, remembering the (placed
// set, store) pairs it has seen fail. Only for small histories.

class BruteForce {
 public:
  explicit BruteForce(const std::vector<KvOperation>& history) {
    for (const KvOperation& op : history) {
      if (op.kind != KvOpKind::kGet || op.return_time != kNeverReturned) {
        ops_.push_back(op);
      }
    }
    placed_.assign(ops_.size(), false);
  }

  bool linearizable() { return search(); }

 private:
  static std::optional<std::int64_t> canonical_int(const std::string& s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || std::to_string(v) != s) {
      return std::nullopt;
    }
    return v;
  }

  // Applies op to store_ if it can take effect now; false (and no change) otherwise.
  bool apply(const KvOperation& op) {
    const bool pending = op.return_time == kNeverReturned;
    auto it = store_.find(op.key);
    if (op.kind == KvOpKind::kGet) {
      return op.found ? it != store_.end() && it->second == op.value : it == store_.end();
    }
    if (op.kind == KvOpKind::kPut) {
      store_[op.key] = op.value;
      return true;
    }
    const std::optional<std::int64_t> base =
        it == store_.end() ? std::optional<std::int64_t>(0) : canonical_int(it->second);
    std::int64_t sum = 0;
    if (!base || __builtin_add_overflow(*base, op.delta, &sum)) {
      return pending;  // an error: no change
    }
    if (!pending && op.value != std::to_string(sum)) {
      return false;
    }
    store_[op.key] = std::to_string(sum);
    return true;
  }

  bool may_go_next(std::size_t b) const {
    for (std::size_t a = 0; a < ops_.size(); ++a) {
      if (!placed_[a] && ops_[a].return_time < ops_[b].call_time) {
        return false;
      }
    }
    return true;
  }

  bool search() {
    bool all_completed_placed = true;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      all_completed_placed &= placed_[i] || ops_[i].return_time == kNeverReturned;
    }
    if (all_completed_placed) {
      return true;
    }
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (placed_[i] || !may_go_next(i)) {
        continue;
      }
      const std::map<std::string, std::string> saved = store_;
      if (apply(ops_[i])) {
        placed_[i] = true;
        const bool found = !failed_.contains({placed_, store_}) && search();
        if (!found) {
          failed_.insert({placed_, store_});
        }
        placed_[i] = false;
        if (found) {
          return true;
        }
      }
      store_ = saved;
    }
    return false;
  }

  std::vector<KvOperation> ops_;
  std::vector<bool> placed_;
  std::map<std::string, std::string> store_;
  std::set<std::pair<std::vector<bool>, std::map<std::string, std::string>>> failed_;
};

// Random tiny histories, linearizable or not: few values, so reads and writes collide.
std::vector<KvOperation> random_tiny_history(base::Prng& prng) {
  static const char* const kValues[] = {"1", "2", "x", "-1"};
  std::vector<KvOperation> h;
  const std::uint64_t n = prng.range(1, 7);
  const std::uint64_t keys = prng.range(1, 2);
  const std::uint64_t kinds = prng.chance(1, 2) ? 2 : 3;  // GET and PUT only, or INCR too
  for (std::uint64_t i = 0; i < n; ++i) {
    KvOperation op;
    op.client_id = i;
    op.key = keys == 1 || prng.chance(1, 2) ? "a" : "b";
    op.call_time = prng.range(0, 8);
    op.return_time = prng.chance(1, 5) ? kNeverReturned : op.call_time + prng.range(1, 8);
    op.kind = static_cast<KvOpKind>(prng.uniform(kinds));
    if (op.kind == KvOpKind::kGet) {
      op.found = prng.chance(3, 4);
      op.value = op.found ? kValues[prng.uniform(4)] : "";
    } else if (op.kind == KvOpKind::kPut) {
      op.value = kValues[prng.uniform(4)];
    } else {
      op.delta = static_cast<std::int64_t>(prng.range(0, 3)) - 1;
      op.value = std::to_string(static_cast<std::int64_t>(prng.range(0, 4)) - 1);
    }
    h.push_back(op);
  }
  return h;
}

// ---------------------------------------------------------------------------------------

TEST(LinearizabilityTest, emptyHistory_ok) {
  const LinearizabilityResult r = check_kv_linearizable({});
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.explanation, "");
}

TEST(LinearizabilityTest, sequentialPutsAndGets_ok) {
  const std::vector<KvOperation> h = {
      get(1, "x", kMissing, 0, 1), put(1, "x", "a", 2, 3), get(2, "x", "a", 4, 5),
      put(2, "x", "b", 6, 7),      get(1, "x", "b", 8, 9), put(3, "x", "", 10, 11),
      get(3, "x", "", 12, 13),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, getMissingAfterCompletedPut_fails) {
  const std::vector<KvOperation> h = {put(1, "x", "a", 0, 1), get(2, "x", kMissing, 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, emptyValueIsNotMissing_fails) {
  const std::vector<KvOperation> h = {put(1, "x", "", 0, 1), get(2, "x", kMissing, 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, staleReadAfterCompletedWrite_fails) {
  const std::vector<KvOperation> h = {
      put(1, "x", "old", 0, 10),
      put(1, "x", "new", 20, 30),
      get(2, "x", "old", 31, 40),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, readOverlappingTheWrite_mayBeStale_ok) {
  const std::vector<KvOperation> h = {
      put(1, "x", "old", 0, 10),
      put(1, "x", "new", 20, 30),
      get(2, "x", "old", 25, 40),
      get(3, "x", "new", 26, 27),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, newValueThenOldValue_fails) {
  // Once a read saw "new", a later read cannot see "old" again.
  const std::vector<KvOperation> h = {
      put(1, "x", "old", 0, 10),
      put(1, "x", "new", 20, 30),
      get(2, "x", "new", 21, 22),
      get(3, "x", "old", 23, 35),
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, equalTimestamps_areConcurrent_ok) {
  // The get's call and the put's return share a timestamp: concurrent, the get may go first.
  const std::vector<KvOperation> h = {put(1, "x", "a", 0, 5), get(2, "x", kMissing, 5, 6)};
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, returnStrictlyBeforeCall_isOrdered_fails) {
  const std::vector<KvOperation> h = {put(1, "x", "a", 0, 5), get(2, "x", kMissing, 6, 7)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, concurrentPuts_onlyOneOrderWorks_ok) {
  // Both puts overlap; the reads after them force the order put(b), put(a).
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 10),
      put(2, "x", "b", 1, 11),
      get(3, "x", "b", 2, 3),
      get(3, "x", "a", 12, 13),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, concurrentPuts_readsContradictEveryOrder_fails) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 10),
      put(2, "x", "b", 0, 10),
      get(3, "x", "a", 11, 12),
      get(3, "x", "b", 13, 14),
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, manyConcurrentOps_oneValidInterleaving_ok) {
  // Five writers overlap completely; the readers inside the window pin one order.
  std::vector<KvOperation> h;
  for (std::uint64_t c = 0; c < 5; ++c) {
    h.push_back(put(c, "x", "v" + std::to_string(c), 0, 100));
  }
  const char* order[] = {"v3", "v0", "v4", "v1", "v2"};
  for (std::uint64_t i = 0; i < 5; ++i) {
    h.push_back(get(10 + i, "x", order[i], 10 + 2 * i, 11 + 2 * i));
  }
  EXPECT_TRUE(check_kv_linearizable(h).ok);
  h.push_back(get(20, "x", "v1", 101, 102));  // v2 was written last
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutSeenByLaterRead_ok) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1), put(2, "x", "b", 2),  // never returned
      get(3, "x", "a", 3, 4), get(3, "x", "b", 100, 101), get(3, "x", "b", 102, 103),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutNeverSeen_ok) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1),
      put(2, "x", "b", 2),  // never returned, never took effect
      get(3, "x", "a", 3, 4),
      get(3, "x", "a", 100, 101),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutSeenBeforeItsCall_fails) {
  const std::vector<KvOperation> h = {
      get(3, "x", "b", 0, 1), put(2, "x", "b", 2),  // never returned
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutTakesEffectOnce_fails) {
  // The pending put may happen once; "b" then "a" then "b" again would need it twice.
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1), put(2, "x", "b", 2),    get(3, "x", "b", 3, 4),
      put(1, "x", "a", 5, 6), get(3, "x", "b", 7, 8),
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutOfARepeatedValue_mayNeverHappen_ok) {
  // Another PUT wrote "v" too, so the read of "v" does not prove the pending PUT happened.
  const std::vector<KvOperation> h = {
      put(1, "x", "v", 0, 1), get(2, "x", "v", 2, 10),  put(3, "x", "w", 3, 4),
      put(4, "x", "v", 5),    get(5, "x", "w", 11, 12),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingPutWithUniqueValue_mustPrecedeItsFirstReader_fails) {
  // The pending PUT is the only writer of "v": it happened before the first read of "v"
  // returned, so after the later PUT "w" nobody can read "v" again.
  const std::vector<KvOperation> h = {
      put(4, "x", "v", 0),
      get(2, "x", "v", 2, 10),
      put(3, "x", "w", 11, 12),
      get(5, "x", "v", 13, 14),
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingGet_isIgnored_ok) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1),
      get(2, "x", "never-written", 2),  // never returned: observed nothing
      get(2, "y", kMissing, 2),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrOnMissingKey_startsAtZero_ok) {
  const std::vector<KvOperation> h = {
      incr(1, "c", 5, "5", 0, 1),
      incr(1, "c", -2, "3", 2, 3),
      get(2, "c", "3", 4, 5),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrWrongResult_fails) {
  const std::vector<KvOperation> h = {put(1, "c", "10", 0, 1), incr(1, "c", 1, "12", 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrResultMustMatchItsOwnDelta_fails) {
  const std::vector<KvOperation> h = {incr(1, "c", 1, "1", 0, 1), get(2, "c", "2", 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, concurrentIncrs_resultsPinTheOrder_ok) {
  const std::vector<KvOperation> h = {
      put(1, "c", "10", 0, 1),
      incr(2, "c", 1, "13", 2, 10),  // second
      incr(3, "c", 2, "12", 2, 10),  // first
      get(4, "c", "13", 11, 12),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, pendingIncr_mayApplyOrNot_ok) {
  const std::vector<KvOperation> applied = {
      incr(1, "c", 1, "1", 0, 1),
      incr(2, "c", 5, "", 2),  // never returned
      get(3, "c", "6", 10, 11),
  };
  EXPECT_TRUE(check_kv_linearizable(applied).ok);
  const std::vector<KvOperation> not_applied = {
      incr(1, "c", 1, "1", 0, 1),
      incr(2, "c", 5, "", 2),  // never returned
      get(3, "c", "1", 10, 11),
  };
  EXPECT_TRUE(check_kv_linearizable(not_applied).ok);
  const std::vector<KvOperation> impossible = {
      incr(1, "c", 1, "1", 0, 1),
      incr(2, "c", 5, "", 2),  // never returned
      get(3, "c", "5", 10, 11),
  };
  EXPECT_FALSE(check_kv_linearizable(impossible).ok);
}

TEST(LinearizabilityTest, incrOnNonInteger_returned_fails) {
  const std::vector<KvOperation> h = {put(1, "c", "abc", 0, 1), incr(1, "c", 1, "1", 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrOnNonCanonicalInteger_returned_fails) {
  const std::vector<KvOperation> h = {put(1, "c", "007", 0, 1), incr(1, "c", 1, "8", 2, 3)};
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrOnNonInteger_pending_changesNothing_ok) {
  const std::vector<KvOperation> h = {
      put(1, "c", "abc", 0, 1),
      incr(2, "c", 1, "", 2),  // never returned
      get(3, "c", "abc", 10, 11),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, incrOverflow_returned_fails) {
  const std::vector<KvOperation> h = {
      put(1, "c", std::to_string(INT64_MAX), 0, 1),
      incr(1, "c", 1, "0", 2, 3),
  };
  EXPECT_FALSE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, multiKey_independent_ok) {
  // Each key is linearizable on its own; the keys' operations interleave freely.
  const std::vector<KvOperation> h = {
      put(1, "x", "1", 0, 10),     put(2, "y", "1", 0, 10), get(3, "x", "1", 1, 2),
      get(3, "y", kMissing, 3, 4), get(4, "y", "1", 5, 6),  get(4, "x", "1", 7, 8),
      incr(5, "z", 3, "3", 0, 1),
  };
  EXPECT_TRUE(check_kv_linearizable(h).ok);
}

TEST(LinearizabilityTest, multiKey_failureNamesOnlyTheBadKey) {
  const std::vector<KvOperation> h = {
      put(1, "good", "1", 0, 1),
      get(2, "good", "1", 2, 3),
      put(1, "bad", "1", 0, 1),
      get(2, "bad", "2", 2, 3),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.explanation, "\"bad\"")) << r.explanation;
  EXPECT_FALSE(contains(r.explanation, "\"good\"")) << r.explanation;
}

TEST(LinearizabilityTest, explanation_searchShowsPrefixStateAndCandidates) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 10),
      put(2, "x", "b", 0, 10),
      get(3, "x", "a", 11, 12),
      get(3, "x", "b", 13, 14),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  const std::string& e = r.explanation;
  EXPECT_TRUE(contains(e, "key \"x\" is not linearizable (4 operations on it)")) << e;
  EXPECT_TRUE(contains(e, "Longest linearizable prefix found: 1 operations")) << e;
  EXPECT_TRUE(contains(e, "1. client 1 put \"x\" = \"a\" [0, 10]")) << e;
  EXPECT_TRUE(contains(e, "State after it: \"a\".")) << e;
  EXPECT_TRUE(contains(e, "client 2 put \"x\" = \"b\" [0, 10]\n    would overwrite that state"))
      << e;
  EXPECT_TRUE(contains(e, "but client 3 get \"x\" -> \"a\" [11, 12] still needs it")) << e;
  EXPECT_TRUE(contains(e, "must take effect before it returns.")) << e;
}

TEST(LinearizabilityTest, explanation_searchSaysWhatDoesNotFit) {
  const std::vector<KvOperation> h = {
      incr(1, "c", 1, "1", 0, 1),
      incr(2, "c", 1, "3", 2, 3),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  const std::string& e = r.explanation;
  EXPECT_TRUE(contains(e, "State after it: \"1\".")) << e;
  EXPECT_TRUE(contains(e, "client 2 incr \"c\" by 1 -> \"3\" [2, 3]\n    does not fit")) << e;
}

TEST(LinearizabilityTest, explanation_staleReadNamesTheOverwrite) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1),
      put(2, "x", "b", 2, 3),
      get(3, "x", "a", 4, 5),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.explanation,
            "key \"x\" is not linearizable (3 operations on it).\n"
            "client 3 get \"x\" -> \"a\" [4, 5] observed a value that only client 1 put \"x\" = "
            "\"a\" [0, 1] writes, but client 2 put \"x\" = \"b\" [2, 3] began after that "
            "returned, and returned before the GET began.");
}

TEST(LinearizabilityTest, explanation_staleReadOfARepeatedValue) {
  const std::vector<KvOperation> h = {
      put(1, "x", "a", 0, 1),
      put(2, "x", "a", 0, 2),
      put(3, "x", "b", 3, 4),
      get(4, "x", "a", 5, 6),
  };
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.explanation,
                       "client 4 get \"x\" -> \"a\" [5, 6] observed a value last written by "
                       "client 2 put \"x\" = \"a\" [0, 2] (every write of it returned by then), "
                       "but client 3 put \"x\" = \"b\" [3, 4] began after that returned"))
      << r.explanation;
}

TEST(LinearizabilityTest, explanation_missingAfterAWrite) {
  const std::vector<KvOperation> h = {incr(1, "c", 2, "2", 0, 1), get(2, "c", kMissing, 4, 5)};
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.explanation,
                       "client 2 get \"c\" -> missing [4, 5] observed the key missing, but "
                       "client 1 incr \"c\" by 2 -> \"2\" [0, 1] wrote it and returned before"))
      << r.explanation;
}

TEST(LinearizabilityTest, explanation_valueNobodyWrote) {
  const std::vector<KvOperation> h = {put(1, "x", "a", 0, 1), get(2, "x", "zzz", 0, 5)};
  const LinearizabilityResult r = check_kv_linearizable(h);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.explanation,
                       "client 2 get \"x\" -> \"zzz\" [0, 5] observed a value "
                       "that no operation on the key writes."))
      << r.explanation;
}

TEST(LinearizabilityTest, toString_isReadable) {
  EXPECT_EQ(to_string(put(1, "k", "v", 10, 20)), "client 1 put \"k\" = \"v\" [10, 20]");
  EXPECT_EQ(to_string(get(2, "k", kMissing, 1, 2)), "client 2 get \"k\" -> missing [1, 2]");
  EXPECT_EQ(to_string(get(2, "k", "v", 1)), "client 2 get \"k\" -> ? [1, never returned]");
  EXPECT_EQ(to_string(incr(3, "c", -4, "7", 5, 6)), "client 3 incr \"c\" by -4 -> \"7\" [5, 6]");
  EXPECT_EQ(to_string(put(4, "a\"b", std::string("\x01z", 2), 0, 1)),
            "client 4 put \"a\\\"b\" = \"\\x01z\" [0, 1]");
}

TEST(LinearizabilityTest, generatedHistories_ok) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GenConfig config;
    config.with_incr = seed % 2 == 0;
    const std::vector<KvOperation> h = generate(seed, config);
    const LinearizabilityResult r = check_kv_linearizable(h);
    ASSERT_TRUE(r.ok) << "seed " << seed << "\n" << r.explanation;
    ASSERT_FALSE(r.timed_out) << "seed " << seed;
  }
}

TEST(LinearizabilityTest, generatedHistories_withAReadOfAnUnwrittenValue_fail) {
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GenConfig config;
    config.with_incr = seed % 2 == 0;
    std::vector<KvOperation> h = generate(seed, config);
    std::vector<std::size_t> reads;
    for (std::size_t i = 0; i < h.size(); ++i) {
      if (h[i].kind == KvOpKind::kGet && h[i].return_time != kNeverReturned) {
        reads.push_back(i);
      }
    }
    if (reads.empty()) {
      continue;
    }
    base::Prng prng(seed);
    KvOperation& victim = h[reads[prng.uniform(reads.size())]];
    victim.found = true;
    victim.value = "never-written";  // not a PUT's value, and not an integer INCR could make
    const LinearizabilityResult r = check_kv_linearizable(h);
    ASSERT_FALSE(r.ok) << "seed " << seed;
    EXPECT_TRUE(contains(r.explanation, "never-written")) << r.explanation;
    ++checked;
  }
  EXPECT_GT(checked, 190);
}

TEST(LinearizabilityTest, generatedHistories_withAStaleRead_fail) {
  // Make a read that began after a completed PUT claim the key was missing.
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GenConfig config;
    config.with_incr = false;
    config.keys = 1;
    std::vector<KvOperation> h = generate(seed, config);
    std::optional<std::uint64_t> first_put_return;
    for (const KvOperation& op : h) {
      if (op.kind == KvOpKind::kPut && op.return_time != kNeverReturned) {
        first_put_return = std::min(first_put_return.value_or(UINT64_MAX), op.return_time);
      }
    }
    KvOperation* victim = nullptr;
    for (KvOperation& op : h) {
      if (op.kind == KvOpKind::kGet && op.return_time != kNeverReturned && first_put_return &&
          op.call_time > *first_put_return) {
        victim = &op;
        break;
      }
    }
    if (victim == nullptr) {
      continue;
    }
    victim->found = false;
    victim->value.clear();
    ASSERT_FALSE(check_kv_linearizable(h).ok) << "seed " << seed;
    ++checked;
  }
  EXPECT_GT(checked, 150);
}

TEST(LinearizabilityTest, tinyRandomHistories_agreeWithBruteForce) {
  base::Prng prng(2024);
  int linearizable = 0;
  int not_linearizable = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::vector<KvOperation> h = random_tiny_history(prng);
    const bool expected = BruteForce(h).linearizable();
    const LinearizabilityResult r = check_kv_linearizable(h);
    ASSERT_FALSE(r.timed_out);
    std::string dump;
    for (const KvOperation& op : h) {
      dump += to_string(op) + "\n";
    }
    ASSERT_EQ(r.ok, expected) << "history " << i << ":\n" << dump << r.explanation;
    (expected ? linearizable : not_linearizable) += 1;
  }
  // Both answers are common, so the comparison means something.
  EXPECT_GT(linearizable, 600);
  EXPECT_GT(not_linearizable, 600);
}

// Changes one thing in a history: what a read saw, what an INCR returned, or when an
// operation ran. The result may or may not be linearizable.
void mutate(std::vector<KvOperation>& h, base::Prng& prng) {
  KvOperation& op = h[prng.uniform(h.size())];
  const std::uint64_t what = prng.uniform(3);
  if (what == 0 && op.kind == KvOpKind::kGet) {
    const KvOperation& other = h[prng.uniform(h.size())];
    op.found = other.kind != KvOpKind::kGet || other.found;
    op.value = op.found ? other.value : "";
  } else if (what == 0 && op.kind == KvOpKind::kIncr && op.return_time != kNeverReturned) {
    op.value = std::to_string(std::stoll(op.value) + (prng.chance(1, 2) ? 1 : -1));
  } else {
    const std::uint64_t length =
        op.return_time == kNeverReturned ? 0 : op.return_time - op.call_time;
    op.call_time = prng.range(0, h.back().call_time + 1);
    if (op.return_time != kNeverReturned) {
      op.return_time = op.call_time + prng.range(1, length + 1);
    }
  }
}

TEST(LinearizabilityTest, mutatedGeneratedHistories_agreeWithBruteForce) {
  base::Prng prng(99);
  int linearizable = 0;
  int not_linearizable = 0;
  for (std::uint64_t seed = 1; seed <= 800; ++seed) {
    GenConfig config;
    config.clients = 4;
    config.ops = 14;
    config.keys = 1;
    config.with_put = seed % 3 != 0;
    config.with_incr = seed % 3 != 1;
    config.abandon_per_mille = 100;
    std::vector<KvOperation> h = generate(seed, config);
    for (std::uint64_t m = prng.range(1, 2); m > 0; --m) {
      mutate(h, prng);
    }
    const bool expected = BruteForce(h).linearizable();
    const LinearizabilityResult r = check_kv_linearizable(h);
    ASSERT_FALSE(r.timed_out);
    std::string dump;
    for (const KvOperation& op : h) {
      dump += to_string(op) + "\n";
    }
    ASSERT_EQ(r.ok, expected) << "seed " << seed << ":\n" << dump << r.explanation;
    (expected ? linearizable : not_linearizable) += 1;
  }
  EXPECT_GT(linearizable, 200);
  EXPECT_GT(not_linearizable, 200);
}

TEST(LinearizabilityTest, largeConcurrentHistory_oneKey_ok) {
  GenConfig config;
  config.clients = 10;
  config.ops = 2000;
  config.keys = 1;
  config.with_incr = false;
  const std::vector<KvOperation> h = generate(7, config);
  const LinearizabilityResult r = check_kv_linearizable(h);
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, largeConcurrentIncrHistory_oneKey_ok) {
  GenConfig config;
  config.clients = 10;
  config.ops = 2000;
  config.keys = 1;
  config.with_incr = true;
  const std::vector<KvOperation> h = generate(11, config);
  const LinearizabilityResult r = check_kv_linearizable(h);
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, veryConcurrentPutGetHistory_oneKey_ok) {
  GenConfig config;
  config.clients = 30;
  config.ops = 2000;
  config.keys = 1;
  config.with_incr = false;
  const LinearizabilityResult r = check_kv_linearizable(generate(5, config));
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, veryConcurrentCounterHistory_oneKey_ok) {
  GenConfig config;
  config.clients = 30;
  config.ops = 2000;
  config.keys = 1;
  config.with_put = false;
  const LinearizabilityResult r = check_kv_linearizable(generate(6, config));
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityTest, tinyBudget_timesOut) {
  GenConfig config;
  config.clients = 10;
  config.ops = 2000;
  config.keys = 1;
  const std::vector<KvOperation> h = generate(3, config);
  const LinearizabilityResult r = check_kv_linearizable(h, 100);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.timed_out);
}

TEST(LinearizabilityTest, tinyBudget_failureFoundFirstStillWins) {
  // Key "a" fails at once; key "b" alone would exhaust the budget.
  std::vector<KvOperation> h = {put(1, "a", "1", 0, 1), get(2, "a", kMissing, 2, 3)};
  GenConfig config;
  config.clients = 10;
  config.ops = 2000;
  config.keys = 1;
  for (KvOperation op : generate(3, config)) {
    op.key = "b";
    h.push_back(op);
  }
  const LinearizabilityResult r = check_kv_linearizable(h, 100);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
}

TEST(LinearizabilityDeathTest, returnNotAfterCall_asserts) {
  const std::vector<KvOperation> h = {put(1, "x", "a", 5, 5)};
  EXPECT_DEATH(check_kv_linearizable(h), "must return after its call");
}

}  // namespace
}  // namespace helios::sim
