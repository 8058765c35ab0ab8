#include "sim/sim_loop.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::sim {

namespace {

// A SimLoop timer: cancel() and destruction clear the flag its entry checks.
class SimTimer final : public env::Timer {
 public:
  explicit SimTimer(std::shared_ptr<bool> live) : live_(std::move(live)) {}
  ~SimTimer() override { cancel(); }
  void cancel() override { *live_ = false; }

 private:
  std::shared_ptr<bool> live_;
};

}  // namespace

SimLoop::SimLoop(const Micros& now_us, std::function<void(Micros due)> wake)
    : now_us_(now_us), wake_(std::move(wake)) {}

env::Loop::Clock::time_point SimLoop::now() const {
  return Clock::time_point(std::chrono::microseconds(now_us_));
}

void SimLoop::post(std::function<void()> fn) {
  add(now_us_, std::move(fn), nullptr);
}

void SimLoop::post_at(Micros at, std::function<void()> fn) {
  add(std::max(at, now_us_), std::move(fn), nullptr);
}

std::unique_ptr<env::Timer> SimLoop::schedule_at(Clock::time_point at, std::function<void()> fn) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  // A time before the run began (or passed) is due now.
  const Micros due =
      std::max<Micros>(now_us_, since_epoch < 0 ? 0 : static_cast<Micros>(since_epoch));
  auto live = std::make_shared<bool>(true);
  add(due, std::move(fn), live);
  return std::make_unique<SimTimer>(std::move(live));
}

void SimLoop::add(Micros at, std::function<void()> fn, std::shared_ptr<bool> live) {
  HELIOS_ASSERT(at >= now_us_);
  const bool earliest = due_.empty() || at < due_.begin()->first.first;
  due_.emplace(Key{at, next_seq_++}, Entry{std::move(fn), std::move(live)});
  if (earliest && wake_ && !muted_) {
    wake_(at);
  }
}

std::optional<Micros> SimLoop::next_due() const {
  if (due_.empty()) {
    return std::nullopt;
  }
  return due_.begin()->first.first;
}

std::size_t SimLoop::run_due() {
  std::size_t ran = 0;
  while (!due_.empty() && due_.begin()->first.first <= now_us_) {
    auto node = due_.extract(due_.begin());
    Entry& entry = node.mapped();
    if (entry.live != nullptr) {
      if (!*entry.live) {
        continue;
      }
      *entry.live = false;  // once
    }
    ++ran;
    entry.fn();
  }
  return ran;
}

void SimLoop::clear() {
  due_.clear();
}

}  // namespace helios::sim
