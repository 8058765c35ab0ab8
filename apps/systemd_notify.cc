#include "apps/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstring>
#include <ctime>

#include "base/log.h"

namespace helios::apps {

namespace {

// Sends one message; 0 (nothing sent) when NOTIFY_SOCKET is unset.
void send(const std::string& message) {
  const int r = sd_notify(0, message.c_str());
  if (r < 0) {
    HELIOS_LOG_WARN("", "systemd: cannot send '%s' to NOTIFY_SOCKET: %s",
                    message.substr(0, message.find('\n')).c_str(), std::strerror(-r));
  }
}

}  // namespace

void notify_ready(const std::string& status) {
  send("READY=1\nSTATUS=" + status);
}

void notify_reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const unsigned long long usec = static_cast<unsigned long long>(now.tv_sec) * 1'000'000ULL +
                                  static_cast<unsigned long long>(now.tv_nsec) / 1'000ULL;
  send("RELOADING=1\nSTATUS=reloading the TLS certificates\nMONOTONIC_USEC=" +
       std::to_string(usec));
}

void notify_stopping() {
  send("STOPPING=1\nSTATUS=shutting down");
}

}  // namespace helios::apps
