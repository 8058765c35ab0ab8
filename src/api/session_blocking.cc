// Session: the blocking commands (BLPOP, BLMOVE, BZPOPMIN...: api/blocking.h) and CLIENT
// UNBLOCK. A blocking command takes a write slot whose pop Blocking proposes (and proposes
// again when its keys may have grown); nothing behind it on this connection starts until it
// is answered, as Redis runs nothing for a blocked client.

#include "api/args.h"
#include "api/blocking.h"
#include "api/server.h"
#include "api/session.h"
#include "atlas/integer.h"

namespace helios::api {

void Session::on_blocking(Argv& argv) {
  const CommandSpec* spec = find_command(upper(argv[0]));
  // The arguments as Redis checks them (the timeout, the non-blocking form's), at once.
  const Result<Plan> plan = make_plan(*spec, argv, static_cast<std::uint64_t>(wall_ms()));
  if (!plan.is_ok()) {
    push_error(plan.status().message());
    return;
  }
  if (readonly_ && server_.is_follower()) {
    push_error("READONLY You can't write against a read only replica.");
    return;
  }
  push_write({}, false);
  std::weak_ptr<Session> weak_self = shared_from_this();
  std::weak_ptr<Slot> weak_slot = slots_.back();
  slots_.back()->blocked = server_.blocking().make(
      id_, std::move(argv), protocol_, [weak_self, weak_slot](std::string reply) {
        std::shared_ptr<Session> self = weak_self.lock();
        std::shared_ptr<Slot> slot = weak_slot.lock();
        if (self == nullptr || slot == nullptr || self->closed_) {
          return;
        }
        slot->reply = std::move(reply);
        slot->state = Slot::State::kDone;
        self->advance_soon();
      });
}

void Session::start_blocked(const std::shared_ptr<Slot>& slot) {
  slot->state = Slot::State::kPending;
  server_.blocking().begin(slot->blocked);
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 if that connection was blocked here.
void Session::on_client_unblock(Argv& argv) {
  if (argv.size() > 4) {
    push_error("ERR unknown subcommand or wrong number of arguments for '" +
               argv[1].substr(0, 128) + "'. Try CLIENT HELP.");
    return;
  }
  const std::optional<std::int64_t> id = atlas::parse_int64(argv[2]);
  if (!id.has_value()) {
    push_error(kErrNotInteger);
    return;
  }
  bool error = false;
  if (argv.size() == 4) {
    const std::string reason = upper(argv[3]);
    if (reason != "TIMEOUT" && reason != "ERROR") {
      push_error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
    error = reason == "ERROR";
  }
  const bool unblocked =
      *id > 0 && server_.blocking().unblock(static_cast<std::uint64_t>(*id), error);
  push_written([unblocked](resp::Writer& w) { w.integer(unblocked ? 1 : 0); });
}

}  // namespace helios::api
