// env::AsioLoop, the production env::Loop: posted work runs in order and never inside post();
// a timer runs once at its time, never after cancel() or its handle's destruction (also when
// it expired already and its handler is queued), and may drop its own handle.
#include "env/posix/asio_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace helios::env {
namespace {

using namespace std::chrono_literals;

TEST(AsioLoopTest, post_runsInOrderAndNeverInsideTheCall) {
  asio::io_context io;
  AsioLoop loop(io);
  std::vector<int> ran;
  loop.post([&] {
    ran.push_back(1);
    loop.post([&] { ran.push_back(3); });
    ran.push_back(2);
  });
  loop.post([&] { ran.push_back(4); });
  EXPECT_TRUE(ran.empty());
  io.run();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 4, 3}));
}

TEST(AsioLoopTest, timer_runsOnceAtItsTime) {
  asio::io_context io;
  AsioLoop loop(io);
  int ran = 0;
  const Loop::Clock::time_point start = loop.now();
  Loop::Clock::time_point at;
  std::unique_ptr<Timer> timer = loop.schedule_after(20ms, [&] {
    ++ran;
    at = loop.now();
  });
  std::unique_ptr<Timer> past = loop.schedule_at(start - 1s, [&] { ran += 10; });
  EXPECT_EQ(ran, 0);  // even a time that passed runs from the loop, not inside the call
  io.run();
  EXPECT_EQ(ran, 11);
  EXPECT_GE(at - start, 20ms);
}

TEST(AsioLoopTest, timer_cancelledOrDestroyedNeverRuns) {
  asio::io_context io;
  AsioLoop loop(io);
  int ran = 0;
  std::unique_ptr<Timer> cancelled = loop.schedule_after(1ms, [&] { ++ran; });
  std::unique_ptr<Timer> destroyed = loop.schedule_after(1ms, [&] { ++ran; });
  cancelled->cancel();
  destroyed.reset();
  // Expired already, its handler queued behind this post: cancelling it in time still wins.
  std::unique_ptr<Timer> expired = loop.schedule_at(loop.now() - 1s, [&] { ran += 100; });
  loop.post([&] { expired->cancel(); });
  io.run();
  EXPECT_EQ(ran, 0);
}

// Two timers that expire together have both handlers queued before either runs: the one that
// runs first cancels the other, which then must not run (asio itself can no longer cancel it).
TEST(AsioLoopTest, timer_cancelledAfterItsHandlerWasQueuedNeverRuns) {
  asio::io_context io;
  AsioLoop loop(io);
  int ran = 0;
  const Loop::Clock::time_point at = loop.now() + 5ms;
  std::unique_ptr<Timer> a;
  std::unique_ptr<Timer> b;
  a = loop.schedule_at(at, [&] {
    ++ran;
    b->cancel();
  });
  b = loop.schedule_at(at, [&] {
    ++ran;
    a->cancel();
  });
  io.run();
  EXPECT_EQ(ran, 1);
}

TEST(AsioLoopTest, timer_mayDropItsOwnHandleAndRescheduleItself) {
  asio::io_context io;
  AsioLoop loop(io);
  int runs = 0;
  std::unique_ptr<Timer> timer;
  std::function<void()> tick = [&] {
    ++runs;
    timer.reset();  // its own handle, from inside its callback
    if (runs < 3) {
      timer = loop.schedule_after(1ms, tick);
    }
  };
  timer = loop.schedule_after(1ms, tick);
  io.run();
  EXPECT_EQ(runs, 3);
}

}  // namespace
}  // namespace helios::env
