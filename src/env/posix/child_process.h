#pragma once
// ChildProcess: fork() for background work on a copy-on-write image of this process (the
// way Redis writes its RDB file). The child runs `work` and leaves with _exit(its result);
// it must touch nothing that another thread of the parent may have held at the fork (no
// logging, no locks, no asio): glibc keeps malloc usable in the child, and nothing else is
// promised. The parent polls for the exit without blocking.
//
// Thread rules: one owner thread; the destructor kills and reaps a child still running.

#include <functional>
#include <optional>

#include "base/status.h"

namespace helios::env {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Forks and runs `work` in the child (its return value, 0..255, is the exit status).
  // kIoError if fork fails; kUnavailable if a child is already running.
  Status start(const std::function<int()>& work);
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  // Nothing while the child runs; then its exit status (-1 if it died of a signal), once.
  std::optional<int> poll();
  // Kills (SIGKILL) and reaps a running child.
  void kill();

 private:
  int pid_ = -1;
};

}  // namespace helios::env
