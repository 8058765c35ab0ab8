#include "env/posix/child_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace helios::env {

ChildProcess::~ChildProcess() {
  kill();
}

Status ChildProcess::start(const std::function<int()>& work) {
  if (pid_ > 0) {
    return Status(Code::kUnavailable, "a child process is already running");
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    _exit(work() & 0xff);
  }
  if (pid < 0) {
    return Status(Code::kIoError, std::string("fork: ") + std::strerror(errno));
  }
  pid_ = pid;
  return Status::ok();
}

std::optional<int> ChildProcess::poll() {
  if (pid_ <= 0) {
    return std::nullopt;
  }
  int wstatus = 0;
  pid_t done = 0;
  do {
    done = ::waitpid(pid_, &wstatus, WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == 0) {
    return std::nullopt;
  }
  pid_ = -1;
  if (done < 0 || !WIFEXITED(wstatus)) {
    return -1;
  }
  return WEXITSTATUS(wstatus);
}

void ChildProcess::kill() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace helios::env
