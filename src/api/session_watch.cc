// Session: WATCH and UNWATCH, optimistic transactions (docs/consistency.md "WATCH"). WATCH
// reads each key's version (atlas::Store::key_version) after a read barrier, like GET, at
// the node it is sent to; EXEC sends the versions with its commands (api/watch.h), and the
// log entry's WatchOp compares them when every replica applies it. See session.h for the
// epochs that keep WATCH, UNWATCH and EXEC in request order.

#include <algorithm>
#include <utility>

#include "api/server.h"
#include "api/session.h"
#include "api/watch.h"

namespace helios::api {

void Session::on_watch(Argv& argv) {
  if (in_multi_) {
    push_error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  push_read([this, epoch = watch_epoch_, keys = Argv(argv.begin() + 1, argv.end())](
                resp::Writer& w, std::uint64_t now) {
    // Every EXEC of an older epoch has started (a read waits for the writes before it).
    std::erase_if(watched_, [epoch](const Watched& x) { return x.epoch < epoch; });
    for (const std::string& key : keys) {
      // As Redis, a key watched twice keeps the version of its first WATCH.
      const bool known = std::any_of(watched_.begin(), watched_.end(),
                                     [&](const Watched& x) { return x.key == key; });
      if (!known) {
        watched_.push_back(Watched{epoch, key, server_.store().key_version(key, now)});
      }
    }
    w.simple("OK");
  });
}

void Session::on_unwatch(Argv&) {
  forget_watches();
  push_done("+OK\r\n");
}

std::uint64_t Session::forget_watches() {
  return watch_epoch_++;
}

bool Session::add_watch_guard(Slot& exec) {
  std::vector<std::pair<std::string, std::uint64_t>> pairs;
  for (const Watched& x : watched_) {
    if (x.epoch == exec.watch_epoch) {
      pairs.emplace_back(x.key, x.version);
    }
  }
  std::erase_if(watched_, [&](const Watched& x) { return x.epoch <= exec.watch_epoch; });
  if (!pairs.empty()) {
    exec.commands.insert(exec.commands.begin(), watch_guard_argv(pairs));
  }
  return !exec.commands.empty();
}

}  // namespace helios::api
