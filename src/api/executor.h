#pragma once
// Executor: where a client's writes and read barriers go. Everything runs on the host's loop
// (node::ClientHost: in production the Runtime's loop thread, which owns the Node and the
// store), so no locks. It sees time, timers and peers only through the host and its
// env::Loop.
//
// Writes (one command, or the queued commands of a MULTI/EXEC):
//   - at the leader, they join the open batch: every write that arrives in one turn of the
//     loop (from any connection, pipelined or forwarded) becomes ONE atlas::Command, so one
//     log entry, one fsync and one AppendEntries, bounded by max_batch_bytes and
//     max_batch_commands. The batch is proposed at the end of the turn; each command's
//     replies are cut from the entry's replies. While max_batches_in_flight batches are
//     proposed and unanswered, the next one is held back (it keeps filling) as long as the
//     leader's fsync is in flight, or as long as the batches in flight carry at least 4
//     commands (a busy leader) until one lands (committed and applied, refused, or timed
//     out); a sweep that finds it held since the previous one proposes it anyway (a slow
//     commit: 10-20 ms). Fewer, larger entries cost fewer fsyncs, messages and
//     acknowledgements per write (bench/README.md, "Holding the next batch");
//   - at a follower that knows the leader, they are forwarded over the peer connection
//     (kForward frames, forward.h) and the leader's RESP answer is relayed, or, in redirect
//     mode "moved", answered -MOVED 0 host:port (the leader's client address). At most
//     1,024 forwards are in flight (within the peer queue's 4,096 frames, so that the
//     transport never drops a forward's answer); the others wait, in order, for answers;
//   - with no known leader they wait, in arrival order, up to leader_wait_ms for one, then
//     answer -TRYAGAIN (certainly not applied). So do writes at a leader that is handing
//     over leadership (Runtime::transfer_leadership): they go to the next leader once it is
//     known; a forwarded write reaching such a leader, or one it cannot propose after all
//     (it left the configuration and steps down), is answered "not leader" (the follower
//     retries at the next leader).
// Outcomes: a reply once applied; -TRYAGAIN when the command was certainly not applied
// (another entry took its log index, the receiver was not leader); -UNCERTAIN when it was
// proposed (or forwarded) and no outcome came within write_timeout_ms: it may or may not have
// been applied.
//
// A forwarded write does not wait out write_timeout_ms for a leader that is gone
// (forward_wait() in forward.h). When the connection it left on is lost, or another node
// leads (or a newer term began) and the old leader is not connected, the follower stops
// waiting at once; when the old leader is still connected it gets election_timeout_ms to
// answer by itself first. Then the forwards still queued in the transport (never sent) are
// taken back (ClientHost::withdraw_forwards) and sent again to the next leader (or
// answer -TRYAGAIN after leader_wait_ms, like any write waiting for a leader); the others
// answer -UNCERTAIN. A follower forwards nothing while its connection to the leader is down:
// such writes wait for the connection or the next leader. The connection a forward left on
// is the one the transport has when it is sent (the link counts are read then, not at the
// last 10 ms sweep: a loss from before the send is not this forward's).
//
// Read barriers (linearizable reads): every barrier asked for in one turn of the loop shares
// one Node::read (ReadIndex, batched again by the core: one heartbeat round serves every
// read waiting when it starts; at a follower the core asks the leader with one message). A
// barrier that fails because there is no leader, or that the leader does not answer, is
// retried until leader_wait_ms, then answers -TRYAGAIN; one that fails because the leader
// changed ("leadership changed; retry", for reads still waiting for an index) is retried at
// the new leader as soon as one is known. Reads have no effect, so any retry is safe.
//
// Writes of one connection keep their order: they are proposed in call order, forwarded in
// call order over one ordered link, and wait for a leader in one FIFO.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/forward.h"
#include "api/plan.h"
#include "env/loop.h"
#include "node/client_host.h"
#include "node/config.h"

namespace helios::api {

struct ExecutorStats {
  std::uint64_t writes = 0;              // write commands (EXEC counts once)
  std::uint64_t batches = 0;             // log entries proposed for client writes
  std::uint64_t batches_held = 0;        // batches held back while others were in flight
  std::uint64_t forwarded = 0;           // writes this node forwarded to the leader
  std::uint64_t forwards_served = 0;     // writes other nodes forwarded to this one
  std::uint64_t moved = 0;               // -MOVED answers
  std::uint64_t tryagain = 0;            // -TRYAGAIN answers
  std::uint64_t uncertain = 0;           // -UNCERTAIN answers
  std::uint64_t barriers = 0;            // read barriers requested
  std::uint64_t forwards_withdrawn = 0;  // forwards taken back unsent and sent again
  std::uint64_t forwards_given_up = 0;   // forwards answered -UNCERTAIN before write_timeout

  // Adds another executor's counts (a simulator's sum over nodes and runs).
  ExecutorStats& operator+=(const ExecutorStats& o) {
    writes += o.writes;
    batches += o.batches;
    batches_held += o.batches_held;
    forwarded += o.forwarded;
    forwards_served += o.forwards_served;
    moved += o.moved;
    tryagain += o.tryagain;
    uncertain += o.uncertain;
    barriers += o.barriers;
    forwards_withdrawn += o.forwards_withdrawn;
    forwards_given_up += o.forwards_given_up;
    return *this;
  }
};

class Executor {
 public:
  // The complete RESP reply for the client (an error line included).
  using Done = std::function<void(std::string reply)>;
  // read_ms: the leader's read time (node::ReadCallback), 0 when it gave none or on error.
  using BarrierDone = std::function<void(const Status& status, const std::string& error_line,
                                         std::uint64_t read_ms)>;

  Executor(node::ClientHost& host, const node::NodeConfig& config);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Registers the host's hooks; call before the host starts.
  void install();
  // On the loop, after the host started: starts the sweep timer.
  void start();
  // Loop thread: cancels the timer; waiting commands are dropped unanswered.
  void stop();

  // A write: one command (exec = false) or a transaction's commands (exec = true, replied
  // as an array). Each command has passed the arity check. A transaction's first command
  // may be WATCH's guard (api/watch.h): its ops are then proposed behind an atlas::WatchOp,
  // and if a watched key changed the reply is the null array.
  void write(std::vector<Argv> commands, bool exec, int protocol, Done done);
  // A read barrier: status OK when the store reflects every write completed before the call;
  // otherwise `error_line` is the error to answer (TRYAGAIN ...).
  void barrier(BarrierDone done);

  const ExecutorStats& stats() const { return stats_; }

  // The base (encoded bootstrap users, AclState::bootstrap_encoded) of every ACL change
  // this executor plans: a node's own, not the process's (the simulator runs many nodes).
  void set_acl_base(std::string base) { acl_base_ = std::move(base); }

  // PLANTED BUG, for the simulator only (raft::PlantedBugs::uncertain_as_not_applied): a
  // write whose outcome is unknown is answered -TRYAGAIN, as if certainly not applied.
  void plant_uncertain_as_not_applied() { uncertain_as_not_applied_ = true; }
  // PLANTED BUG, for the simulator only (raft::PlantedBugs::unrepaid_loan): a batch that is
  // not proposed after all does not give its jobs' values back to their argv.
  void plant_unrepaid_loan() { unrepaid_loan_ = true; }
  // PLANTED BUG, for the simulator only (raft::PlantedBugs::held_batch_stuck): a batch that
  // fails (refused, or its leader stepped down) stays counted in flight, and the sweep
  // proposes no held batch: once a node has lost a batch, it holds every later one for ever.
  void plant_held_batch_stuck() { held_batch_stuck_ = true; }

 private:
  using Clock = env::Loop::Clock;
  struct Job {
    std::vector<Argv> commands;
    bool exec = false;
    int protocol = 2;
    Done done;
    Clock::time_point deadline;  // while waiting for a leader
    std::uint64_t seq = 0;       // arrival order: waiting jobs are kept in it
    // A write another node forwarded (its sender and forward id): answered "not leader"
    // (certainly not applied; the follower sends it to the next leader) when this node
    // cannot propose it after all (refuse_forwarded).
    NodeId forwarded_from = kNoNode;
    std::uint64_t forward_id = 0;
  };
  struct Part {         // one command of a job, once planned
    std::string error;  // a refused command (its error line); then no ops
    Shape shape = Shape::kAsIs;
    std::size_t ops = 0;
    std::size_t command = 0;  // its index in job.commands
    std::vector<Loan> loans;  // the values its ops took out of that argv (plan.h)
  };
  struct Planned {
    Job job;
    std::vector<Part> parts;
    bool guarded = false;      // a WATCHed EXEC: a WatchOp precedes its parts' ops
    std::size_t first_op = 0;  // its ops are the batch command's [first_op, +op_count)
    std::size_t op_count = 0;
    bool lent = false;  // some of job.commands' values are in the batch's ops, not in argv
  };
  struct Batch;
  struct Forward {
    Job job;
    Clock::time_point deadline;
    ForwardView sent;  // the leader, term and link when it was sent
    Clock::time_point grace_until = Clock::time_point::max();  // ForwardWait::kGrace
  };
  struct Barrier {
    BarrierDone done;
    Clock::time_point deadline;
    bool in_node = false;     // a Node::read is outstanding for it
    NodeId leader = kNoNode;  // the leader when it was last issued
  };
  struct Link {  // the last view of a peer's outbound connection
    bool up = false;
    std::uint64_t losses = 0;
  };

  void dispatch(Job job);
  // A leadership transfer runs here: the core refuses proposals until it ends.
  bool transferring() const;
  // Keeps the job, in arrival order, until a leader is known (TRYAGAIN past its deadline).
  void wait_for_leader(Job job);
  // Dispatches the waiting jobs again (those past their deadline answer TRYAGAIN).
  void drain_waiting();
  void on_leader_change();
  void enqueue_local(Job job);
  // The end of the open batch's turn: proposes it, or holds it while max_batches_in_flight
  // batches are in flight.
  void flush_or_hold();
  // A held batch is looked at again after the current call (a batch landed, a sync ended).
  void release_soon();
  void flush();
  // A proposed batch was answered (ok: committed) or timed out: it no longer counts in
  // flight, and a held batch goes next.
  void land(Batch& batch, bool ok);
  // Moves the values the batch's ops took back into its jobs' argv (a batch that is not
  // proposed after all: its jobs are planned again, or forwarded, from their argv).
  void repay_all(Batch& batch) const;
  void finish(const std::shared_ptr<Batch>& batch, Result<std::vector<atlas::Reply>> replies);
  // A guarded job's replies start at all[at] with its guard's: moves `at` past the guard,
  // and past every op of the job if the guard skipped them (true).
  static bool skipped_by_guard(const Planned& p, const std::vector<atlas::Reply>& all,
                               std::size_t& at);
  void forward(Job job, NodeId leader);
  // As many forwards are in flight as a follower sends at once (executor_forward.cc).
  bool forwards_full() const;
  void refuse_forwarded(const Job& job);

  void on_forward(NodeId from, std::string_view body);
  void on_forward_reply(std::string_view body);
  void refresh_links();
  bool link_up(NodeId peer) const;
  ForwardView view_now(NodeId peer) const;
  // Stops waiting for the forwards the leader they went to may never answer.
  void review_forwards(Clock::time_point now);
  // `given_up` (id, why) went to `peer`: those still queued are sent again, the rest UNCERTAIN.
  void abandon(NodeId peer, const std::vector<std::pair<std::uint64_t, std::string>>& given_up);
  std::vector<std::uint64_t> idle_barriers() const;
  void issue_barriers(std::vector<std::uint64_t> ids);
  void on_barriers(const std::vector<std::uint64_t>& ids, const Status& status,
                   std::uint64_t read_ms);
  void sweep();
  void schedule_sweep();
  std::string moved_line(NodeId leader) const;
  static std::string error_reply(int protocol, std::string_view line);

  node::ClientHost& host_;
  env::Loop& loop_;
  const node::NodeConfig& config_;
  std::unique_ptr<env::Timer> sweep_timer_;
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once stopped
  std::shared_ptr<Batch> open_;         // the batch filling in this turn of the loop
  std::size_t batches_in_flight_ = 0;   // proposed, neither answered nor timed out
  std::size_t commands_in_flight_ = 0;  // the commands those batches carry
  bool held_ = false;                   // open_ waits for a batch in flight to land
  bool release_posted_ = false;         // a land() posted flush_or_hold()
  Clock::time_point held_since_;
  std::deque<Job> waiting_;  // writes waiting for a leader, in arrival order
  std::map<std::uint64_t, Forward> forwards_;
  std::uint64_t next_forward_id_;  // from ClientHost::first_forward_id
  std::map<std::uint64_t, Barrier> barriers_;
  std::uint64_t next_barrier_id_ = 1;
  std::vector<std::uint64_t> unissued_;  // barriers asked for in this turn of the loop
  std::uint64_t next_job_seq_ = 1;
  std::map<NodeId, Link> links_;  // refreshed by every sweep and every forward
  ExecutorStats stats_;
  bool uncertain_as_not_applied_ = false;
  bool unrepaid_loan_ = false;
  bool held_batch_stuck_ = false;
  std::string acl_base_;  // set_acl_base
};

}  // namespace helios::api
