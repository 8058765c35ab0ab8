// sim::SimLoop, env::Loop on simulated time: callbacks run only from run_due(), in (due time,
// scheduling order); the harness's clock is the loop's time; cancelled, destroyed and
// cleared timers never run; `wake` hears of every earlier due time. sim::SimWorker: a worker
// thread's queue on the loop, each piece of work a drawn time after the one before.
#include "sim/sim_loop.h"
#include "sim/sim_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace helios::sim {
namespace {

using namespace std::chrono_literals;

struct Harness {
  Micros now = 1'000;
  std::vector<Micros> wakes;
  SimLoop loop{now, [this](Micros due) { wakes.push_back(due); }};

  // Advances the clock to each due time and runs the loop, like the simulator's turns.
  void run_all() {
    while (std::optional<Micros> due = loop.next_due()) {
      now = std::max(now, *due);
      loop.run_due();
    }
  }
};

TEST(SimLoopTest, postsRunInOrderOnlyFromRunDue) {
  Harness h;
  std::vector<int> ran;
  h.loop.post([&] {
    ran.push_back(1);
    h.loop.post([&] { ran.push_back(3); });
  });
  h.loop.post([&] { ran.push_back(2); });
  EXPECT_TRUE(ran.empty());
  EXPECT_EQ(h.wakes, (std::vector<Micros>{1'000}));
  EXPECT_EQ(h.loop.run_due(), 3u);  // what a callback posts for now runs in the same turn
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(SimLoopTest, timersRunAtTheirTimeInOrder) {
  Harness h;
  std::vector<std::pair<int, Micros>> ran;
  EXPECT_EQ(h.loop.now(), env::Loop::Clock::time_point(1'000us));
  auto late = h.loop.schedule_after(5ms, [&] { ran.emplace_back(2, h.now); });
  auto early = h.loop.schedule_after(2ms, [&] { ran.emplace_back(1, h.now); });
  auto same = h.loop.schedule_after(5ms, [&] { ran.emplace_back(3, h.now); });
  auto past =
      h.loop.schedule_at(env::Loop::Clock::time_point(0us), [&] { ran.emplace_back(0, h.now); });
  EXPECT_EQ(h.wakes, (std::vector<Micros>{6'000, 3'000, 1'000}));
  EXPECT_EQ(h.loop.run_due(), 1u);  // only what is due now
  h.run_all();
  EXPECT_EQ(ran,
            (std::vector<std::pair<int, Micros>>{{0, 1'000}, {1, 3'000}, {2, 6'000}, {3, 6'000}}));
}

TEST(SimLoopTest, cancelledDestroyedAndClearedTimersNeverRun) {
  Harness h;
  int ran = 0;
  auto cancelled = h.loop.schedule_after(1ms, [&] { ++ran; });
  auto destroyed = h.loop.schedule_after(1ms, [&] { ++ran; });
  std::unique_ptr<env::Timer> a;
  std::unique_ptr<env::Timer> b;
  a = h.loop.schedule_after(2ms, [&] {
    ++ran;
    b->cancel();  // due at the same time, not run yet
  });
  b = h.loop.schedule_after(2ms, [&] { ran += 100; });
  cancelled->cancel();
  destroyed.reset();
  h.run_all();
  EXPECT_EQ(ran, 1);

  auto kept = h.loop.schedule_after(1ms, [&] { ran += 1000; });
  h.loop.post([&] { ran += 1000; });
  h.loop.clear();  // a crash
  h.run_all();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(h.loop.pending(), 0u);
}

TEST(SimLoopTest, aTimerMayDropItsHandleAndRescheduleItself) {
  Harness h;
  std::vector<Micros> at;
  std::unique_ptr<env::Timer> timer;
  std::function<void()> tick = [&] {
    at.push_back(h.now);
    timer.reset();
    if (at.size() < 3) {
      timer = h.loop.schedule_after(10ms, tick);
    }
  };
  timer = h.loop.schedule_after(10ms, tick);
  h.run_all();
  EXPECT_EQ(at, (std::vector<Micros>{11'000, 21'000, 31'000}));
}

TEST(SimWorkerTest, workRunsInOrderEachADrawnTimeAfterTheOneBefore) {
  Harness h;
  SimWorker worker(h.loop, h.now, /*seed=*/7, /*min_us=*/100, /*max_us=*/300);
  std::vector<std::pair<int, Micros>> ran;
  for (int i = 0; i < 20; ++i) {
    worker.post([&, i] { ran.emplace_back(i, h.now); });
  }
  EXPECT_EQ(h.loop.run_due(), 0u);  // none is due at once: each takes its time
  h.run_all();
  ASSERT_EQ(ran.size(), 20u);
  Micros before = 1'000;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(ran[i].first, i);  // in post order, as one thread runs them
    EXPECT_GE(ran[i].second, before + 100) << i;
    EXPECT_LE(ran[i].second, before + 300) << i;
    before = ran[i].second;
  }
  // Idle, it starts from now again.
  h.now += 10'000;
  worker.post([&] { ran.emplace_back(20, h.now); });
  h.run_all();
  EXPECT_GE(ran.back().second, before + 10'000 + 100);
  EXPECT_LE(ran.back().second, before + 10'000 + 300);
}

TEST(SimWorkerTest, theLoopsClearDropsItsWork) {
  Harness h;
  SimWorker worker(h.loop, h.now, 7, 100, 300);
  bool ran = false;
  worker.post([&] { ran = true; });
  h.loop.clear();  // a crash
  worker.clear();
  h.run_all();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace helios::sim
