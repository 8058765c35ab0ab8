#pragma once
// Loop: the thread of control a node's client layer runs on, as an interface: work posted to
// run later in order, one-shot timers and a steady clock. In production it is the node's
// asio loop (env/posix/asio_loop.h: real time); a simulator supplies one on simulated time.
//
// Contract: schedule_at() only from the loop's own thread; post() from any thread (a worker
// hands its result back so). The callbacks run on the loop's thread, never inside the call
// that posted or scheduled them. Posted callbacks run in
// post order. A timer's callback runs at most once, at or after its time, and never after
// its handle was cancelled or destroyed (both are safe from inside the callback itself).

#include <chrono>
#include <functional>
#include <memory>

namespace helios::env {

class Timer {
 public:
  virtual ~Timer() = default;  // cancels
  virtual void cancel() = 0;
};

class Loop {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~Loop() = default;
  virtual void post(std::function<void()> fn) = 0;
  // The loop's steady time (monotonic; simulated in a simulator).
  virtual Clock::time_point now() const = 0;
  // Runs `fn` once at `at` (at once if it passed: still never inside this call).
  [[nodiscard]] virtual std::unique_ptr<Timer> schedule_at(Clock::time_point at,
                                                           std::function<void()> fn) = 0;
  std::unique_ptr<Timer> schedule_after(Clock::duration after, std::function<void()> fn) {
    return schedule_at(now() + after, std::move(fn));
  }
};

}  // namespace helios::env
