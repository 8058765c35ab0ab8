#pragma once
// AsioLoop: env::Loop on an asio::io_context (the node's loop thread) and the steady clock.
// The io_context must outlive the loop and every timer it made.

// A standard header first: asio picks its allocation functions (aligned_alloc or operator
// new) by a libstdc++ macro that is defined only once a standard header was included, and a
// translation unit that decided otherwise would free memory another one allocated with the
// other function.
#include <functional>
#include <memory>

#include <asio.hpp>

#include "env/loop.h"

namespace helios::env {

class AsioLoop final : public Loop {
 public:
  explicit AsioLoop(asio::io_context& io) : io_(io) {}

  void post(std::function<void()> fn) override;
  Clock::time_point now() const override { return Clock::now(); }
  std::unique_ptr<Timer> schedule_at(Clock::time_point at, std::function<void()> fn) override;

 private:
  asio::io_context& io_;
};

}  // namespace helios::env
