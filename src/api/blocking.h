#pragma once
// Blocking commands on the client port: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP. Their command table rows and planners, the timeout rule, and Blocking:
// the node's queue of blocked commands (docs/consistency.md "Blocking commands").
//
// A blocking command IS its non-blocking form planned with a reply of its own: BLPOP k1 k2 5
// is LMPOP 2 k1 k2 LEFT COUNT 1 with the reply made [key, element]; BZPOPMIN is ZMPOP ... MIN
// COUNT 1 ([key, member, score]); BLMOVE is LMOVE, BRPOPLPUSH RPOPLPUSH, BLMPOP LMPOP, BZMPOP
// ZMPOP. Arguments are checked in Redis 7.0's order (BLPOP: the timeout first; BLMOVE,
// BLMPOP, BZMPOP: the rest first). Inside MULTI that is all it is: queued, planned by EXEC,
// an empty key answers the null reply at once (as Redis runs it in a transaction). Outside,
// the session hands it to Blocking, which proposes it through the Executor like any write
// (a pop applies once, identically on every replica, and is delivered once) and, while it
// answers the null reply, keeps it waiting on its keys:
//   - Order: one queue per node, in the order commands blocked (Redis's order).
//   - Wake-ups: whenever this node applies a command that may have added elements to a key
//     (AtlasMachine's keys listener, node/applied_keys.h), or installs a snapshot, the first
//     waiter on that key that wants what the key now holds here (a list: BL*; a sorted set:
//     BZ*) proposes its pop again; if that waiter's pop is already in flight it is marked, and
//     proposes again at once should that pop answer nothing.
//   - A pop that got something is the reply; the waiter leaves the queue and the next waiter
//     on each of its keys that still holds elements is woken. A pop that got nothing puts the
//     waiter back in its place.
//   - A command proposes its first pop at once (through the log: it sees every acknowledged
//     write, even at a follower that has not applied it yet), unless every one of its keys
//     already has an earlier waiter here of the same type: then it waits behind them without
//     proposing anything until a change to one of its keys is applied here. A waiting
//     command costs no log entry.
//   - Timeout (seconds, a double; 0 forever): a waiter that is not in flight answers the null
//     reply once past its deadline; one whose pop is in flight waits for that pop, and an
//     element it got is delivered, never dropped.
//   - Outcomes: -TRYAGAIN (certainly not applied) is proposed again kRetryPause later while
//     the timeout lasts; any other reply (-UNCERTAIN, -WRONGTYPE, -MOVED, an element) ends the
//     command. A connection that closes drops its waiter (a pop in flight still applies).
//   - CLIENT UNBLOCK ends a wait as a timeout (null reply) or as -UNBLOCKED; a pop in flight
//     is waited for first (an element wins).
// Thread rules: the host's loop thread only, like the sessions and the executor.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/command_table.h"
#include "api/executor.h"
#include "atlas/object.h"
#include "env/loop.h"
#include "node/client_host.h"

namespace helios::api {

// Redis 7.0's timeout argument (getTimeoutFromObjectOrReply in seconds): a long double, the
// whole text, no leading space, not NaN; times 1000 and truncated to milliseconds; below 0
// (or beyond the 64-bit range, as Redis's conversion makes it) "timeout is negative". The
// milliseconds (0: forever), or nullopt and `error` set to Redis's line.
std::optional<std::int64_t> parse_block_timeout(std::string_view text, std::string* error);

// The rows (command_table.h): Kind::kData, the planner above, Session::on_blocking.
std::vector<CommandSpec> blocking_command_rows();

// What a blocking command waits for: the type its keys must hold and the keys (BLMOVE and
// BRPOPLPUSH: the source only), and its timeout in ms (0: forever). nullopt if `argv` is not
// a blocking command whose arguments parse.
struct BlockingWait {
  atlas::ObjectType type = atlas::ObjectType::kList;
  std::vector<std::string> keys;
  std::int64_t timeout_ms = 0;
};
std::optional<BlockingWait> blocking_wait(const Argv& argv);

// The null reply of a blocking command that timed out: the null array for every one of them
// (Redis 7.0: BLMOVE too, though LMOVE's nil is the null bulk); RESP3's null.
std::string blocking_null_reply(const Argv& argv, int protocol);

// One blocked command of one connection; Blocking's state besides what the session gave.
struct BlockedCall {
  using Clock = env::Loop::Clock;  // the host loop's steady time
  using Done = std::function<void(std::string reply)>;
  std::uint64_t session = 0;  // the connection's id (CLIENT UNBLOCK)
  Argv argv;
  int protocol = 2;
  BlockingWait wait;
  Clock::time_point deadline = Clock::time_point::max();  // max: forever
  Done done;                                              // called once, with the reply
  // Blocking's.
  std::uint64_t seq = 0;  // its place in the queue (the order it blocked in); 0: not queued
  bool in_flight = false;
  bool signalled = false;  // a key may have grown while its pop was in flight
  bool finished = false;
  Clock::time_point retry_at = Clock::time_point::max();  // after a -TRYAGAIN
  std::string unblocked;  // CLIENT UNBLOCK: the reply to give instead of waiting on
};

class Blocking {
 public:
  // After a -TRYAGAIN, the pop is proposed again this much later (the executor already
  // waited leader_wait for a leader).
  static constexpr std::chrono::milliseconds kRetryPause{50};

  Blocking(node::ClientHost& host, Executor& executor);
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

  // Registers the host's keys listener; before the host starts.
  void install();
  // Loop thread, once the host started: the timer that ends waits (every kSweepEvery).
  void start();
  void stop();

  // A call for `argv` (a blocking command whose plan succeeded: blocking_wait parses it),
  // not started. The session holds it; once the session lets it go (closed), it is dropped
  // from the queue and `done` is never called.
  std::shared_ptr<BlockedCall> make(std::uint64_t session, Argv argv, int protocol,
                                    BlockedCall::Done done);
  // Queues it and proposes its first pop, or lets it wait (see the file comment).
  void begin(const std::shared_ptr<BlockedCall>& call);
  // CLIENT UNBLOCK id [TIMEOUT|ERROR]: true if `session` has a waiting command.
  bool unblock(std::uint64_t session, bool error);
  // INFO's blocked_clients: commands waiting (their pop in flight or not).
  std::size_t blocked() const;
  // Planted bug (simulator, `blocking-serves-local`): a woken list waiter is answered with
  // the head of the list as this node's state holds it, without a pop through the log.
  void plant_serves_local() { bug_serves_local_ = true; }
  // Planted bug (simulator, `blocking-drops-late-pop`): a waiter whose pop is in flight at
  // its deadline answers the null reply at once (the element that pop takes is dropped).
  void plant_drops_late_pop() { bug_drops_late_pop_ = true; }
  // Planted bug (simulator, `unblock-drops-pop`): CLIENT UNBLOCK answers a waiter whose pop
  // is in flight at once (the element that pop takes is dropped).
  void plant_unblock_drops_pop() { bug_unblock_drops_pop_ = true; }

 private:
  using Clock = BlockedCall::Clock;
  static constexpr std::chrono::milliseconds kSweepEvery{10};
  struct Entry {
    std::weak_ptr<BlockedCall> call;
    std::vector<std::string> keys;
  };

  void attempt(const std::shared_ptr<BlockedCall>& call);
  void on_outcome(const std::shared_ptr<BlockedCall>& call, std::string reply);
  void finish(const std::shared_ptr<BlockedCall>& call, std::string reply);
  // Removes the queue entry of `seq` (and its keys' index entries).
  void forget(std::uint64_t seq);
  // False if every key of `call` has an earlier waiter of the same type (see above).
  bool worth_trying(const BlockedCall& call) const;
  // The first waiter on `key` that wants what `key` holds here: woken, or marked if in flight.
  void wake(const std::string& key);
  // The planted bug's answer (plant_serves_local).
  void serve_local(const std::shared_ptr<BlockedCall>& call, const std::string& key);
  void on_keys(const std::vector<std::string>& keys, bool everything);
  void drain();
  void sweep();
  void schedule_sweep();

  node::ClientHost& host_;
  Executor& executor_;
  std::unique_ptr<env::Timer> timer_;
  bool running_ = false;
  std::map<std::uint64_t, Entry> queue_;  // by seq: the order they blocked in
  std::unordered_map<std::string, std::set<std::uint64_t>> by_key_;
  std::uint64_t next_seq_ = 1;
  // Keys applied since the last drain (posted once per loop turn).
  std::vector<std::string> grown_;
  bool everything_ = false;
  bool drain_posted_ = false;
  bool bug_serves_local_ = false;
  bool bug_drops_late_pop_ = false;
  bool bug_unblock_drops_pop_ = false;
};

}  // namespace helios::api
