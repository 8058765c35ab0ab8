// Property tests: random command sequences against a tiny naive model (std::map, full scans,
// each rule written the obvious way) for 500 seeds, with reads (get, ttl, expire time, keys,
// a full SCAN) compared after every step, and check_invariants (the deadline index, the
// kept digest against one recomputed from every item) after every step; and determinism:
// replicas that apply the same commands end with the same bytes and the same digest,
// whatever reads they served in between, and a replica restored from a snapshot mid-way
// ends the same too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <ostream>
#include <tuple>

#include "atlas/floating.h"
#include "atlas/glob.h"
#include "atlas/store.h"
#include "base/prng.h"

namespace helios::atlas {

inline void PrintTo(const Reply& reply, std::ostream* os) {
  *os << reply.to_string();
}

namespace {

// The model: a sorted map; "live at t" means present with no deadline or a deadline after t.
class Model {
 public:
  struct Item {
    std::string value;
    std::uint64_t deadline_ms = 0;
  };

  std::vector<Reply> apply(const Command& c) {
    std::vector<Reply> out;
    for (const Op& op : c.ops) {
      out.push_back(std::visit([&](const auto& o) { return run(o, c.stamp_ms); }, op));
    }
    return out;
  }

  bool live(const std::string& key, std::uint64_t t) const {
    auto it = items.find(key);
    return it != items.end() && (it->second.deadline_ms == 0 || it->second.deadline_ms > t);
  }

  std::map<std::string, Item> items;

 private:
  // The touch rule: an op on a key expired at the stamp first removes it.
  bool touch(const std::string& key, std::uint64_t stamp) {
    if (items.count(key) != 0 && !live(key, stamp)) {
      items.erase(key);
    }
    return items.count(key) != 0;
  }

  Reply run(const SetOp& o, std::uint64_t stamp) {
    const bool present = touch(o.key, stamp);
    const Item old = present ? items[o.key] : Item{};
    Reply reply = o.get ? (present ? Reply::bulk(old.value) : Reply::nil()) : Reply::ok();
    if ((o.nx && present) || (o.xx && !present)) {
      return o.get ? reply : Reply::nil();
    }
    items[o.key] = Item{o.value, o.keep_ttl ? old.deadline_ms : o.deadline_ms};
    touch(o.key, stamp);  // a deadline already past: gone at once
    return reply;
  }
  Reply run(const DelOp& o, std::uint64_t stamp) {
    std::int64_t n = 0;
    for (const std::string& key : o.keys) {
      if (touch(key, stamp)) {
        items.erase(key);
        ++n;
      }
    }
    return Reply::of_integer(n);
  }
  Reply run(const ExpireOp& o, std::uint64_t stamp) {
    if (!touch(o.key, stamp)) {
      return Reply::of_integer(0);
    }
    // Infinity for "no deadline" makes GT and LT plain comparisons.
    const std::uint64_t cur = items[o.key].deadline_ms;
    const double cur_ttl = cur == 0 ? 1e300 : static_cast<double>(cur);
    const double new_ttl = static_cast<double>(o.deadline_ms);
    if ((o.nx && cur != 0) || (o.xx && cur == 0) || (o.gt && !(new_ttl > cur_ttl)) ||
        (o.lt && !(new_ttl < cur_ttl))) {
      return Reply::of_integer(0);
    }
    if (o.deadline_ms <= stamp) {
      items.erase(o.key);
    } else {
      items[o.key].deadline_ms = o.deadline_ms;
    }
    return Reply::of_integer(1);
  }
  Reply run(const PersistOp& o, std::uint64_t stamp) {
    if (!touch(o.key, stamp) || items[o.key].deadline_ms == 0) {
      return Reply::of_integer(0);
    }
    items[o.key].deadline_ms = 0;
    return Reply::of_integer(1);
  }
  Reply run(const IncrByOp& o, std::uint64_t stamp) {
    __extension__ using I128 = __int128;
    I128 cur = 0;
    if (touch(o.key, stamp)) {
      const std::string& v = items[o.key].value;
      // Canonical decimal: what std::to_string prints for the number it parses to.
      const bool digits = !v.empty() && v.size() <= 20 &&
                          std::all_of(v.begin() + (v[0] == '-' ? 1 : 0), v.end(),
                                      [](char ch) { return ch >= '0' && ch <= '9'; });
      if (!digits || v == "-") {
        return Reply::error(kErrNotInteger);
      }
      for (char ch : v.substr(v[0] == '-' ? 1 : 0)) {
        cur = cur * 10 + (ch - '0');
      }
      cur = v[0] == '-' ? -cur : cur;
      if (cur < INT64_MIN || cur > INT64_MAX ||
          std::to_string(static_cast<std::int64_t>(cur)) != v) {
        return Reply::error(kErrNotInteger);
      }
    }
    const I128 sum = cur + o.delta;
    if (sum < INT64_MIN || sum > INT64_MAX) {
      return Reply::error(kErrOverflow);
    }
    const std::uint64_t deadline_ms = items.count(o.key) != 0 ? items[o.key].deadline_ms : 0;
    items[o.key] = Item{std::to_string(static_cast<std::int64_t>(sum)), deadline_ms};
    return Reply::of_integer(static_cast<std::int64_t>(sum));
  }
  Reply run(const DeleteIfExpiredOp& o, std::uint64_t stamp) {
    auto it = items.find(o.key);
    if (it == items.end() || it->second.deadline_ms != o.deadline_ms || o.deadline_ms > stamp) {
      return Reply::of_integer(0);
    }
    items.erase(it);
    return Reply::of_integer(1);
  }
  Reply run(const ReadOp& o, std::uint64_t stamp) const {
    __extension__ using I128 = __int128;
    const Item* item = live(o.key, stamp) ? &items.at(o.key) : nullptr;
    switch (o.what) {
      case ReadKind::kGet:
        return item != nullptr ? Reply::bulk(item->value) : Reply::nil();
      case ReadKind::kStrlen:
        return Reply::of_integer(item != nullptr ? static_cast<std::int64_t>(item->value.size())
                                                 : 0);
      case ReadKind::kExists:
        return Reply::of_integer(item != nullptr ? 1 : 0);
      case ReadKind::kType:
        return Reply::status(item != nullptr ? "string" : "none");
      case ReadKind::kGetOrNil:
        return item != nullptr ? Reply::bulk(item->value) : Reply::nil();
      case ReadKind::kPttl:
      case ReadKind::kPexpireTime: {
        if (item == nullptr || item->deadline_ms == 0) {
          return Reply::of_integer(item == nullptr ? -2 : -1);
        }
        const std::uint64_t base = o.what == ReadKind::kPttl ? stamp : 0;
        return Reply::of_integer(static_cast<std::int64_t>(item->deadline_ms - base));
      }
      case ReadKind::kGetRange: {
        if (item == nullptr) {
          return Reply::bulk("");
        }
        const I128 n = static_cast<I128>(item->value.size());
        I128 from = o.a;
        I128 to = o.b;
        if (from < 0 && to < 0 && from > to) {
          return Reply::bulk("");
        }
        from = std::max<I128>(from < 0 ? n + from : from, 0);
        to = std::min<I128>(std::max<I128>(to < 0 ? n + to : to, 0), n - 1);
        std::string out;
        for (I128 i = from; i <= to; ++i) {
          out.push_back(item->value[static_cast<std::size_t>(i)]);
        }
        return Reply::bulk(out);
      }
      case ReadKind::kDbSize: {
        std::int64_t n = 0;
        for (const auto& [key, unused] : items) {
          n += live(key, stamp) ? 1 : 0;
        }
        return Reply::of_integer(n);
      }
    }
    return Reply::error("bad kind");
  }
  Reply run(const AppendOp& o, std::uint64_t stamp) {
    if (!touch(o.key, stamp)) {
      items[o.key] = Item{o.value, 0};
      return Reply::of_integer(static_cast<std::int64_t>(o.value.size()));
    }
    std::string& v = items[o.key].value;
    if (v.size() + o.value.size() > kMaxValueBytes) {
      return Reply::error(kErrStringTooLong);
    }
    v += o.value;
    return Reply::of_integer(static_cast<std::int64_t>(v.size()));
  }
  Reply run(const SetRangeOp& o, std::uint64_t stamp) {
    const bool present = touch(o.key, stamp);
    Item item = present ? items[o.key] : Item{};
    if (o.value.empty()) {
      return Reply::of_integer(static_cast<std::int64_t>(item.value.size()));
    }
    if (o.offset + o.value.size() > kMaxValueBytes) {
      return Reply::error(kErrStringTooLong);
    }
    for (std::size_t i = 0; i < o.value.size(); ++i) {
      while (item.value.size() <= o.offset + i) {
        item.value.push_back('\0');
      }
      item.value[o.offset + i] = o.value[i];
    }
    items[o.key] = item;
    return Reply::of_integer(static_cast<std::int64_t>(item.value.size()));
  }
  Reply run(const IncrByFloatOp& o, std::uint64_t stamp) {
    const bool present = touch(o.key, stamp);
    const std::optional<long double> cur =
        present ? parse_long_double(items[o.key].value) : std::optional<long double>(0.0L);
    if (!cur) {
      return Reply::error(kErrNotFloat);
    }
    const long double sum = *cur + *parse_long_double(o.increment);
    if (std::isnan(sum) || std::isinf(sum)) {
      return Reply::error(kErrNanOrInfinity);
    }
    const std::uint64_t deadline_ms = present ? items[o.key].deadline_ms : 0;
    items[o.key] = Item{format_long_double(sum), deadline_ms};
    return Reply::bulk(items[o.key].value);
  }
  Reply run(const RenameOp& o, std::uint64_t stamp) {
    if (!touch(o.src, stamp)) {
      return Reply::error(kErrNoSuchKey);
    }
    if (o.src == o.dst) {
      return o.nx ? Reply::of_integer(0) : Reply::ok();
    }
    if (touch(o.dst, stamp) && o.nx) {
      return Reply::of_integer(0);
    }
    items[o.dst] = items[o.src];
    items.erase(o.src);
    return o.nx ? Reply::of_integer(1) : Reply::ok();
  }
  Reply run(const FlushOp&, std::uint64_t) {
    items.clear();
    return Reply::ok();
  }
  // ACL changes touch no key (the model generates none; the store's own test covers them).
  Reply run(const AclOp&, std::uint64_t) { return Reply::error("ERR unexpected ACL op"); }
  // The object commands have their own tests (obj_*_test.cc).
  Reply run(const ObjOp&, std::uint64_t) { return Reply::error("ERR unexpected object op"); }
  // WATCH's guard and the key versions have their own test (watch_test.cc).
  Reply run(const WatchOp&, std::uint64_t) { return Reply::error("ERR unexpected WATCH op"); }
  Reply run(const StartVersionsOp&, std::uint64_t) {
    return Reply::error("ERR unexpected START_VERSIONS op");
  }
  Reply run(const MSetNxOp& o, std::uint64_t stamp) {
    for (const std::string& key : o.keys) {
      if (touch(key, stamp)) {
        return Reply::of_integer(0);
      }
    }
    for (std::size_t i = 0; i < o.keys.size(); ++i) {
      items[o.keys[i]] = Item{o.values[i], 0};
    }
    return Reply::of_integer(1);
  }
};

const std::vector<std::string> kKeys = {"", "a", "b", "c", "counter", "k\xff"};
const std::vector<std::string> kValues = {
    "0",   "1",     "-1",    "41",   "9223372036854775807", "-9223372036854775808", "abc", "01",
    "+1",  "",      " 5",    "-0",   "9223372036854775806", "-9223372036854775807", "1.5", "x\0y",
    "inf", "2.5e3", "0x1p3", "1e300"};
// Increments; the huge ones (thousands of digits to parse and print) come rarely.
const std::vector<std::string> kIncrements = {"1",    "-1.5", "0.1",   "1e3",
                                              "0x10", "-0",   "3.0e3", ".5"};
const std::vector<std::string> kHugeIncrements = {"1e4932", "-1e4932"};
const std::vector<std::string> kPatterns = {"*", "?", "c*", "[a-c]", "*\xff", "", "[^a]*"};

// Random inputs, biased toward collisions: few keys, deadlines near the stamp, integers
// near the int64 edges.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : prng_(seed) {}

  std::uint64_t stamp() { return stamp_ += prng_.uniform(25); }
  const std::string& key() { return kKeys[prng_.uniform(kKeys.size())]; }
  std::uint64_t deadline() { return stamp_ + prng_.uniform(80) - 15; }  // stamp_ >= 1000
  bool coin(int n = 2) { return prng_.chance(1, static_cast<std::uint64_t>(n)); }
  std::uint64_t uniform(std::uint64_t n) { return prng_.uniform(n); }

  // GETRANGE indexes: small, either sign, sometimes extreme.
  std::int64_t index() {
    if (coin(10)) {
      return coin() ? INT64_MIN : INT64_MAX;
    }
    return static_cast<std::int64_t>(prng_.uniform(13)) - 6;
  }

  std::int64_t delta() {
    switch (prng_.uniform(4)) {
      case 0:
        return static_cast<std::int64_t>(prng_.uniform(11)) - 5;
      case 1:
        return INT64_MAX - static_cast<std::int64_t>(prng_.uniform(3));
      case 2:
        return INT64_MIN + static_cast<std::int64_t>(prng_.uniform(3));
      default:
        return static_cast<std::int64_t>(prng_.next());
    }
  }

  Op op(const Model& model) {
    switch (prng_.uniform(17)) {
      case 0:
      case 1: {
        SetOp o{key(), kValues[prng_.uniform(kValues.size())], coin() ? 0 : deadline()};
        o.nx = coin(4);
        o.xx = !o.nx && coin(4);
        o.keep_ttl = o.deadline_ms == 0 && coin(3);
        o.get = coin(3);
        return o;
      }
      case 2: {
        DelOp o;
        for (std::uint64_t i = 0, n = 1 + prng_.uniform(3); i < n; ++i) {
          o.keys.push_back(key());
        }
        return o;
      }
      case 3:
      case 4: {
        ExpireOp o{key(), coin(8) ? 0 : deadline()};
        const std::uint64_t f = prng_.uniform(8);  // none, NX, XX, GT, LT, XX+GT, XX+LT
        o.nx = f == 1;
        o.xx = f == 2 || f == 5 || f == 6;
        o.gt = f == 3 || f == 5;
        o.lt = f == 4 || f == 6;
        return o;
      }
      case 5:
        return PersistOp{key()};
      case 6:
      case 7:
        return IncrByOp{key(), delta()};
      case 9:
      case 10: {
        ReadOp o{static_cast<ReadKind>(1 + prng_.uniform(kMaxReadKind)), key()};
        if (o.what == ReadKind::kGetRange) {
          o.a = index();
          o.b = index();
        } else if (o.what == ReadKind::kDbSize) {
          o.key.clear();
        }
        return o;
      }
      case 11:
        return AppendOp{key(), kValues[prng_.uniform(kValues.size())]};
      case 12: {
        // Offsets near the start, or kMaxValueBytes (refused unless the value is empty).
        const std::uint64_t offset = coin(8) ? kMaxValueBytes : prng_.uniform(6);
        return SetRangeOp{key(), offset, coin(5) ? "" : std::string(1 + prng_.uniform(3), 'r')};
      }
      case 13:
        return IncrByFloatOp{key(), coin(50) ? kHugeIncrements[prng_.uniform(2)]
                                             : kIncrements[prng_.uniform(kIncrements.size())]};
      case 14:
        return RenameOp{key(), key(), coin()};
      case 15: {
        if (coin(6)) {
          return FlushOp{};
        }
        MSetNxOp o;
        for (std::uint64_t i = 0, n = 1 + prng_.uniform(3); i < n; ++i) {
          o.keys.push_back(key());
          o.values.push_back(kValues[prng_.uniform(kValues.size())]);
        }
        return o;
      }
      default: {
        // Mostly the deadline the key really has (active expiry), sometimes a stale one.
        const std::string& k = key();
        auto it = model.items.find(k);
        const std::uint64_t d = it != model.items.end() && it->second.deadline_ms != 0 && !coin(4)
                                    ? it->second.deadline_ms
                                    : 1 + prng_.uniform(stamp_ + 60);
        return DeleteIfExpiredOp{k, d};
      }
    }
  }

  Command command(const Model& model) {
    Command c;
    c.stamp_ms = stamp();
    for (std::uint64_t i = 0, n = 1 + (coin(4) ? prng_.uniform(4) : 0); i < n; ++i) {
      c.ops.push_back(op(model));
    }
    return c;
  }

 private:
  base::Prng prng_;
  std::uint64_t stamp_ = 1000;
};

std::vector<ExpiredKey> model_expired(const Model& m, std::uint64_t now, std::size_t limit) {
  std::vector<ExpiredKey> all;
  for (const auto& [key, item] : m.items) {
    if (item.deadline_ms != 0 && item.deadline_ms <= now) {
      all.push_back(ExpiredKey{key, item.deadline_ms});
    }
  }
  std::sort(all.begin(), all.end(), [](const ExpiredKey& a, const ExpiredKey& b) {
    return std::tie(a.deadline_ms, a.key) < std::tie(b.deadline_ms, b.key);
  });
  all.resize(std::min(all.size(), limit));
  return all;
}

void expect_same_reads(const Store& s, const Model& m, std::uint64_t now) {
  std::uint64_t live = 0;
  for (const auto& [key, item] : m.items) {
    live += m.live(key, now) ? 1 : 0;
  }
  ASSERT_EQ(s.size(now), live) << "now=" << now;
  for (const std::string& key : kKeys) {
    const bool is_live = m.live(key, now);
    ASSERT_EQ(s.exists(key, now), is_live) << key << " now=" << now;
    if (!is_live) {
      ASSERT_EQ(s.get(key, now), std::nullopt);
      ASSERT_EQ(s.ttl_ms(key, now), -2);
      continue;
    }
    const Model::Item& item = m.items.at(key);
    ASSERT_EQ(s.get(key, now), item.value) << key;
    const std::int64_t ttl =
        item.deadline_ms == 0 ? -1 : static_cast<std::int64_t>(item.deadline_ms - now);
    ASSERT_EQ(s.ttl_ms(key, now), ttl) << key << " now=" << now;
    ASSERT_EQ(s.expire_time_ms(key, now),
              item.deadline_ms == 0 ? -1 : static_cast<std::int64_t>(item.deadline_ms))
        << key;
  }
}

// The live keys at `now` that match `pattern` (the naive way: every key, the glob, sorted
// by the map), with Redis's "*" matching the empty key too.
std::vector<std::string> model_keys(const Model& m, const std::string& pattern, std::uint64_t now) {
  std::vector<std::string> out;
  for (const auto& [key, item] : m.items) {
    if (m.live(key, now) && (pattern == "*" || glob_match(pattern, key))) {
      out.push_back(key);
    }
  }
  return out;
}

// KEYS with every pattern and a random limit, and a whole SCAN iteration with a random
// COUNT, against the model.
void expect_same_listings(const Store& s, const Model& m, std::uint64_t now, Gen& gen) {
  for (const std::string& pattern : kPatterns) {
    std::vector<std::string> want = model_keys(m, pattern, now);
    const std::size_t limit = gen.uniform(8);
    want.resize(std::min(want.size(), limit));
    ASSERT_EQ(s.keys(pattern, now, limit), want) << pattern << " limit " << limit;
  }
  const std::string& pattern = kPatterns[gen.uniform(kPatterns.size())];
  const std::size_t count = 1 + gen.uniform(3);
  std::vector<std::string> seen;
  std::uint64_t cursor = 0;
  int pages = 0;
  do {
    ScanPage page = s.scan(cursor, pattern, count, now);
    ASSERT_LT(++pages, 100) << "SCAN does not end";
    seen.insert(seen.end(), page.keys.begin(), page.keys.end());
    cursor = page.next_cursor;
  } while (cursor != 0);
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen, model_keys(m, pattern, now)) << pattern << " count " << count;
}

void run_seed(std::uint64_t seed) {
  Gen gen(seed);
  Store store;
  Model model;
  for (int step = 0; step < 150; ++step) {
    const Command c = gen.command(model);
    const std::vector<Reply> want = model.apply(c);
    ASSERT_EQ(store.apply(c), want) << "seed " << seed << " step " << step;
    store.check_invariants();
    ASSERT_EQ(store.item_count(), model.items.size()) << "seed " << seed << " step " << step;
    const std::uint64_t now = c.stamp_ms - 20 + gen.uniform(100);
    expect_same_reads(store, model, now);
    ASSERT_NO_FATAL_FAILURE(expect_same_listings(store, model, now, gen))
        << "seed " << seed << " step " << step;
    const std::size_t limit = gen.uniform(5);
    ASSERT_EQ(store.expired_keys(now, limit), model_expired(model, now, limit));
  }
}

TEST(StoreModelTest, apply_matchesNaiveModelFor500Seeds) {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    ASSERT_NO_FATAL_FAILURE(run_seed(seed)) << "seed " << seed;
  }
}

// Three replicas apply the same log; each serves different reads with its own clock (one
// far behind, one far ahead). The third restores from the first's snapshot half-way. All end
// with identical bytes and identical replies.
TEST(StoreModelTest, replicas_applyingSameCommandsEndIdentical) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Gen gen(seed);
    Model model;
    Store a;
    Store b;
    Store c;
    for (int step = 0; step < 200; ++step) {
      const Command cmd = gen.command(model);
      model.apply(cmd);
      const std::vector<Reply> ra = a.apply(cmd);
      ASSERT_EQ(b.apply(cmd), ra);
      ASSERT_EQ(c.apply(cmd), ra);
      for (const std::string& key : kKeys) {
        (void)a.get(key, 0);
        (void)b.get(key, cmd.stamp_ms + 1000000);
        (void)b.ttl_ms(key, cmd.stamp_ms + 10);
        (void)a.size(cmd.stamp_ms);
        (void)b.expired_keys(cmd.stamp_ms + 500, 3);
        (void)a.keys("*", cmd.stamp_ms + 7, 4);
        (void)b.scan(0, "*", 2, cmd.stamp_ms);
      }
      if (step == 100) {
        Result<Store> restored = Store::deserialize(a.serialize());
        ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
        c = std::move(restored).value();
      }
      ASSERT_EQ(a.serialize(), b.serialize()) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.serialize(), c.serialize()) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.digest_hex(), b.digest_hex()) << "seed " << seed << " step " << step;
      ASSERT_EQ(a.digest_hex(), c.digest_hex()) << "seed " << seed << " step " << step;
    }
    c.check_invariants();
  }
}

}  // namespace
}  // namespace helios::atlas
