#include "env/posix/asio_loop.h"

namespace helios::env {

namespace {

// One asio timer. `live_` is shared with the handler, which runs `fn` only while it holds:
// asio cannot cancel a handler already queued by an expiry, so a cancel() or a destruction
// between the expiry and the handler's turn would otherwise still run it.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override { cancel(); }
  void cancel() override {
    *live_ = false;
    timer_.cancel();
  }

  void start(Loop::Clock::time_point at, std::function<void()> fn) {
    timer_.expires_at(at);
    timer_.async_wait([live = live_, fn = std::move(fn)](const asio::error_code& ec) {
      if (!ec && *live) {
        *live = false;
        fn();
      }
    });
  }

 private:
  std::shared_ptr<bool> live_ = std::make_shared<bool>(true);
  asio::steady_timer timer_;
};

}  // namespace

void AsioLoop::post(std::function<void()> fn) {
  asio::post(io_, std::move(fn));
}

std::unique_ptr<Timer> AsioLoop::schedule_at(Clock::time_point at, std::function<void()> fn) {
  auto timer = std::make_unique<AsioTimer>(io_);
  timer->start(at, std::move(fn));
  return timer;
}

}  // namespace helios::env
