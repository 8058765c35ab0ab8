#pragma once
// The node's side of systemd's readiness protocol (a unit with Type=notify, such as
// deploy/helios-raft@.service): sd_notify(3) messages on the socket named by $NOTIFY_SOCKET.
// Every function is a no-op when NOTIFY_SOCKET is unset (a node started by hand, by a test or
// by a unit of another type), and a failure to send is logged, never fatal: readiness
// reporting must not stop a node that otherwise runs.
//
// The order run_node() sends them in: READY=1 once the node recovered its data (snapshot and
// WAL), serves its client and admin ports and, when started with --join, has been added to
// the cluster; RELOADING=1 then READY=1 around a SIGHUP's certificate reload; STOPPING=1 when
// it begins to shut down.

#include <string>

namespace helios::apps {

// READY=1 with a STATUS= line systemctl status shows (e.g. "serving as node-1").
void notify_ready(const std::string& status);

// RELOADING=1 (with MONOTONIC_USEC=, which systemd 253 and later ask for): a reload began;
// notify_ready() ends it.
void notify_reloading();

// STOPPING=1: the node is shutting down (systemd then waits for it without killing it early).
void notify_stopping();

}  // namespace helios::apps
