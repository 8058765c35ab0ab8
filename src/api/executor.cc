#include "api/executor.h"

#include <algorithm>
#include <iterator>

#include "api/args.h"
#include "api/command_table.h"
#include "api/watch.h"
#include "base/log.h"

namespace helios::api {

// The wire minor of the first release with the data types and WATCH (wire/version.h).
constexpr std::uint16_t kDataTypesWireMinor = 1;

namespace {

constexpr std::chrono::milliseconds kSweepEvery{10};
// Batches in flight carrying at least this many commands make a busy leader, which holds the
// next batch until one lands (flush_or_hold).
constexpr std::size_t kBusyBatchCommands = 4;

std::string uncertain_line(std::uint64_t ms, std::string_view what) {
  return "UNCERTAIN " + std::string(what) + " within " + std::to_string(ms) +
         " ms; the write may or may not have been applied";
}

}  // namespace

// One atlas::Command being filled (open_) or proposed.
struct Executor::Batch {
  atlas::Command command;  // until proposed: then the log entry holds its encoding
  std::vector<Planned> jobs;
  std::size_t bytes = 0;
  std::size_t commands = 0;
  bool answered = false;
  bool proposing = false;             // inside ClientHost::propose_now
  bool in_flight = false;             // counted in batches_in_flight_
  std::unique_ptr<env::Timer> timer;  // write_timeout_ms
};

Executor::Executor(node::ClientHost& host, const node::NodeConfig& config)
    : host_(host), loop_(host.loop()), config_(config), next_forward_id_(host.first_forward_id()) {}

Executor::~Executor() {
  *alive_ = false;
}

void Executor::install() {
  host_.set_forward_handler([this](NodeId from, bool reply, std::string body) {
    if (reply) {
      on_forward_reply(body);
    } else {
      on_forward(from, body);
    }
  });
  // Called inside the Node's Ready loop, which must not be re-entered: act after it returns.
  host_.add_role_listener([this](const raft::SoftState&, Term) {
    if (running_) {
      loop_.post([this]() { on_leader_change(); });
    }
  });
}

void Executor::start() {
  running_ = true;
  // A held batch may go once the leader's fsync is done (flush_or_hold). The node may outlive
  // this executor: the listener checks that it still runs (a fresh flag per start, so that a
  // listener of an earlier start stays silent).
  alive_ = std::make_shared<bool>(true);
  host_.node().add_sync_listener([this, alive = alive_]() {
    if (*alive) {
      release_soon();
    }
  });
  refresh_links();
  schedule_sweep();
}

void Executor::on_leader_change() {
  if (!running_) {
    return;
  }
  refresh_links();
  review_forwards(loop_.now());
  if (host_.node().raw().raft().leader() == kNoNode) {
    return;
  }
  drain_waiting();
  // Reads the node failed on the change ("leadership changed; retry") go to the new leader.
  issue_barriers(idle_barriers());
}

void Executor::stop() {
  running_ = false;
  *alive_ = false;
  sweep_timer_.reset();
}

std::string Executor::error_reply(int protocol, std::string_view line) {
  std::string out;
  resp::Writer w(out, protocol);
  w.error(line);
  return out;
}

std::string Executor::moved_line(NodeId leader) const {
  if (const node::HostPort at = host_.member_client(leader); at.port != 0) {
    return "MOVED 0 " + at.to_string();
  }
  return "TRYAGAIN the leader's client address is unknown";
}

void Executor::write(std::vector<Argv> commands, bool exec, int protocol, Done done) {
  ++stats_.writes;
  Job job{std::move(commands), exec, protocol, std::move(done), {}, next_job_seq_++};
  job.deadline = loop_.now() + std::chrono::milliseconds(config_.client.leader_wait_ms);
  if (!waiting_.empty()) {
    wait_for_leader(std::move(job));  // behind the earlier writes waiting (the sweep sends them)
    return;
  }
  dispatch(std::move(job));
}

bool Executor::transferring() const {
  return host_.node().raw().raft().lead_transferee() != kNoNode;
}

void Executor::dispatch(Job job) {
  const raft::Raft& r = host_.node().raw().raft();
  const NodeId leader = r.leader();
  if (r.role() == raft::Role::kLeader && !transferring()) {
    enqueue_local(std::move(job));
  } else if (leader == kNoNode || r.role() == raft::Role::kLeader) {
    // A leader handing over leadership refuses proposals: wait for the next leader.
    wait_for_leader(std::move(job));
  } else if (config_.client.redirect == node::Redirect::kMoved) {
    ++stats_.moved;
    job.done(error_reply(job.protocol, moved_line(leader)));
  } else {
    forward(std::move(job), leader);
  }
}

void Executor::wait_for_leader(Job job) {
  if (loop_.now() >= job.deadline) {
    ++stats_.tryagain;
    job.done(error_reply(job.protocol, "TRYAGAIN no leader was elected within " +
                                           std::to_string(config_.client.leader_wait_ms) +
                                           " ms; the command was not applied"));
    return;
  }
  // Usually the newest; a write taken back from the transport or a batch goes to its place.
  auto at = waiting_.end();
  while (at != waiting_.begin() && std::prev(at)->seq > job.seq) {
    --at;
  }
  waiting_.insert(at, std::move(job));
}

void Executor::drain_waiting() {
  const Clock::time_point now = loop_.now();
  const bool have_leader = host_.node().raw().raft().leader() != kNoNode;
  std::deque<Job> jobs = std::move(waiting_);
  waiting_.clear();
  while (!jobs.empty()) {
    if (have_leader && forwards_full()) {
      // The rest wait as they are, in order, for answers to come back (each one that brings
      // the forwards in flight to half drains again): not dispatched only to wait again.
      waiting_.insert(waiting_.end(), std::make_move_iterator(jobs.begin()),
                      std::make_move_iterator(jobs.end()));
      return;
    }
    Job job = std::move(jobs.front());
    jobs.pop_front();
    if (have_leader && now < job.deadline) {
      dispatch(std::move(job));
    } else {
      wait_for_leader(std::move(job));  // answers TRYAGAIN once past its deadline
    }
  }
}

void Executor::enqueue_local(Job job) {
  const std::uint64_t stamp = host_.stamp_now();
  Planned planned;
  atlas::Command own;
  // A WATCHed transaction's guard comes first (api/watch.h); it guards the ops planned here.
  std::optional<atlas::WatchOp> guard =
      job.exec ? parse_watch_guard(job.commands.front()) : std::nullopt;
  for (std::size_t i = guard ? 1 : 0; i < job.commands.size(); ++i) {
    Argv& argv = job.commands[i];
    Part part;
    part.command = i;
    const CommandSpec* spec = find_command(upper(argv[0]));
    // Lending: the values move from argv into the ops, and from there into the entry's
    // encoding (one copy); repay_all gives them back if the batch is not proposed.
    Result<Plan> plan = spec != nullptr && spec->plan != nullptr
                            ? make_plan_lending(*spec, argv, stamp)
                            : Result<Plan>(invalid("ERR unknown command"));
    if (!plan.is_ok()) {
      part.error = plan.status().message();
    } else {
      part.shape = plan.value().shape;
      part.ops = plan.value().ops.size();
      part.loans = std::move(plan.value().loans);
      planned.lent = planned.lent || !part.loans.empty();
      for (atlas::Op& op : plan.value().ops) {
        if (auto* acl = std::get_if<atlas::AclOp>(&op)) {
          acl->base = acl_base_;
        }
        own.ops.push_back(std::move(op));
      }
    }
    planned.parts.push_back(std::move(part));
  }
  if (!job.exec && !planned.parts[0].error.empty()) {
    job.done(error_reply(job.protocol, planned.parts[0].error));
    return;
  }
  if (guard) {  // the guard goes through the log even with nothing to guard, as Redis checks
    guard->guarded = static_cast<std::uint32_t>(own.ops.size());
    own.ops.insert(own.ops.begin(), std::move(*guard));
    planned.guarded = true;
  }
  if (own.ops.empty()) {  // a transaction whose every command was refused
    std::string out;
    resp::Writer w(out, job.protocol);
    w.array(planned.parts.size());
    for (const Part& p : planned.parts) {
      w.error(p.error);
    }
    job.done(std::move(out));
    return;
  }
  own.stamp_ms = stamp;
  // The one check of the command's ATLAS operations before they are proposed (the batch is
  // proposed as it is: Runtime::propose_now and encode_command trust it).
  const Status valid = atlas::validate_command(own);
  if (!valid.is_ok()) {
    job.done(error_reply(job.protocol, "ERR " + valid.message()));
    return;
  }
  // A rolling upgrade: a member of the release before the data types would stop on this
  // entry (it cannot decode it), so it is not proposed until every member runs wire minor 1.
  if (atlas::uses_data_types(own)) {
    if (const NodeId old = host_.member_below_wire_minor(kDataTypesWireMinor); old != kNoNode) {
      job.done(
          error_reply(job.protocol, "ERR node " + std::to_string(old) +
                                        " runs an older Helios that cannot apply this command: "
                                        "upgrade every node first (docs/operations.md, Upgrades)"));
      return;
    }
  }
  const std::size_t bytes = atlas::encoded_size(own);
  // A batch of valid commands stays valid: within kMaxOpsPerCommand and kMaxCommandBytes
  // (whatever max_batch_bytes says).
  const std::uint64_t max_bytes =
      std::min<std::uint64_t>(config_.client.max_batch_bytes, atlas::kMaxCommandBytes);
  if (open_ != nullptr && (open_->bytes + bytes > max_bytes ||
                           open_->commands + 1 > config_.client.max_batch_commands ||
                           open_->command.ops.size() + own.ops.size() > atlas::kMaxOpsPerCommand)) {
    flush();
  }
  if (open_ == nullptr) {
    open_ = std::make_shared<Batch>();
    loop_.post([this, batch = open_]() {
      if (open_ == batch && !held_) {
        flush_or_hold();
      }
    });
  }
  planned.first_op = open_->command.ops.size();
  planned.op_count = own.ops.size();
  for (atlas::Op& op : own.ops) {
    open_->command.ops.push_back(std::move(op));
  }
  open_->bytes += bytes;
  open_->commands += 1;
  planned.job = std::move(job);
  open_->jobs.push_back(std::move(planned));
}

void Executor::flush_or_hold() {
  const std::uint64_t limit = config_.client.max_batches_in_flight;
  if (open_ == nullptr) {
    return;
  }
  // Held, a batch loses no time while the leader's fsync runs (its entry could not be synced
  // before that one ends); while the batches in flight are large (a busy leader) it waits for
  // one to land: fewer, larger entries cost fewer fsyncs, messages and acknowledgements per
  // write. Few writes in flight go at once: holding them would serialize their clients.
  const bool hold = limit != 0 && batches_in_flight_ >= limit && !transferring() &&
                    (host_.node().sync_in_flight() || commands_in_flight_ >= kBusyBatchCommands);
  if (hold) {
    if (!held_) {
      held_ = true;
      held_since_ = loop_.now();
      ++stats_.batches_held;
    }
    return;
  }
  flush();
}

void Executor::land(Batch& batch, bool ok) {
  if (!batch.in_flight || (held_batch_stuck_ && !ok)) {
    return;  // (PLANTED BUG when stuck: a failed batch stays counted)
  }
  batch.in_flight = false;
  HELIOS_ASSERT(batches_in_flight_ > 0);
  --batches_in_flight_;
  commands_in_flight_ -= batch.commands;
  release_soon();
}

void Executor::release_soon() {
  // Called inside the Node's Ready loop (or inside propose): decide after it returns.
  if (held_ && !release_posted_) {
    release_posted_ = true;
    loop_.post([this]() {
      release_posted_ = false;
      if (held_) {
        flush_or_hold();
      }
    });
  }
}

void Executor::flush() {
  held_ = false;
  std::shared_ptr<Batch> batch = std::move(open_);
  open_.reset();
  if (batch == nullptr) {
    return;
  }
  if (transferring()) {
    // Leadership is being handed over (the core would refuse the proposal): nothing is
    // proposed, every write waits for the next leader (forwarded ones go back to their
    // follower as "not leader", which sends them there).
    repay_all(*batch);
    for (Planned& p : batch->jobs) {
      if (p.job.forwarded_from != kNoNode) {
        refuse_forwarded(p.job);  // the follower sends it to the next leader
      } else {
        dispatch(std::move(p.job));
      }
    }
    return;
  }
  ++stats_.batches;
  batch->timer = loop_.schedule_after(
      std::chrono::milliseconds(config_.client.write_timeout_ms), [this, batch]() {
        if (batch->answered) {
          return;
        }
        batch->answered = true;
        land(*batch, false);
        for (Planned& p : batch->jobs) {
          ++stats_.uncertain;
          const std::string line = uncertain_line(config_.client.write_timeout_ms,
                                                  "the write was proposed but not known committed");
          p.job.done(
              error_reply(p.job.protocol, uncertain_as_not_applied_ ? "TRYAGAIN " + line : line));
        }
      });
  // The callback runs inside the Node's Ready loop (or inside propose): answer after it. A
  // refusal comes inside propose (nothing entered the log): the values go back to argv
  // while the ops still hold them, for finish() to send the jobs on.
  batch->proposing = true;
  batch->in_flight = true;
  ++batches_in_flight_;
  commands_in_flight_ += batch->commands;
  host_.propose_now(batch->command, [this, batch](Result<std::vector<atlas::Reply>> replies) {
    land(*batch, replies.is_ok());
    if (!replies.is_ok() && batch->proposing) {
      repay_all(*batch);
    }
    loop_.post([this, batch, r = std::move(replies)]() mutable { finish(batch, std::move(r)); });
  });
  batch->proposing = false;
  batch->command = atlas::Command{};  // the entry holds the encoding: free the values
}

void Executor::repay_all(Batch& batch) const {
  for (Planned& p : batch.jobs) {
    if (!p.lent) {
      continue;
    }
    HELIOS_ASSERT(p.first_op + p.op_count <= batch.command.ops.size());
    // The job's ops: its guard's, then each part's in order.
    auto first = batch.command.ops.begin() + static_cast<std::ptrdiff_t>(p.first_op);
    first += p.guarded ? 1 : 0;
    for (Part& part : p.parts) {
      const auto last = first + static_cast<std::ptrdiff_t>(part.ops);
      if (!unrepaid_loan_) {  // else PLANTED BUG: the values stay in the dropped ops
        repay(first, last, part.loans, p.job.commands[part.command]);
      }
      part.loans.clear();
      first = last;
    }
    HELIOS_ASSERT(first ==
                  batch.command.ops.begin() + static_cast<std::ptrdiff_t>(p.first_op + p.op_count));
    p.lent = false;
  }
}

void Executor::finish(const std::shared_ptr<Batch>& batch,
                      Result<std::vector<atlas::Reply>> replies) {
  if (batch->answered) {
    return;
  }
  batch->answered = true;
  batch->timer->cancel();
  if (!replies.is_ok()) {
    const Code code = replies.status().code();
    // A leader that left the configuration refuses proposals until it steps down: its
    // writes wait (the sweep retries them) instead of being proposed again at once, which
    // would spin the loop; forwarded ones go back to their follower, which finds the next
    // leader.
    // A job is sent on from its argv, so only once its values are back there (repay_all, at
    // a refusal inside propose); one refused later (not how a node refuses) answers
    // TRYAGAIN below.
    const bool still_leader = host_.node().raw().raft().role() == raft::Role::kLeader;
    for (Planned& p : batch->jobs) {
      if (code == Code::kNotLeader && p.job.forwarded_from != kNoNode) {
        refuse_forwarded(p.job);
      } else if (code == Code::kNotLeader && still_leader && !p.lent) {
        wait_for_leader(std::move(p.job));
      } else if (code == Code::kNotLeader && !p.lent) {
        dispatch(std::move(p.job));  // nothing was proposed: send it where the leader is
      } else {
        std::string line;
        if (code == Code::kInvalidArgument) {
          line = "ERR " + replies.status().message();
        } else if (code == Code::kUncertain && uncertain_as_not_applied_) {
          line = "TRYAGAIN " + replies.status().message();  // PLANTED BUG
        } else if (code == Code::kUncertain) {
          line = "UNCERTAIN " + replies.status().message();
        } else {
          ++stats_.tryagain;
          line = "TRYAGAIN the command was not applied (" + replies.status().message() + ")";
        }
        p.job.done(error_reply(p.job.protocol, line));
      }
    }
    return;
  }
  const std::vector<atlas::Reply>& all = replies.value();
  std::size_t at = 0;
  for (Planned& p : batch->jobs) {
    std::string out;
    resp::Writer w(out, p.job.protocol);
    if (p.guarded && skipped_by_guard(p, all, at)) {
      w.null_array();  // a watched key changed: nothing ran (Redis's EXEC answer)
      p.job.done(std::move(out));
      continue;
    }
    if (p.job.exec) {
      w.array(p.parts.size());
    }
    for (const Part& part : p.parts) {
      if (!part.error.empty()) {
        w.error(part.error);
        continue;
      }
      HELIOS_ASSERT(at + part.ops <= all.size());
      render(part.shape, all.data() + at, part.ops, w);
      at += part.ops;
    }
    p.job.done(std::move(out));
  }
  HELIOS_ASSERT(at == all.size());
}

bool Executor::skipped_by_guard(const Planned& p, const std::vector<atlas::Reply>& all,
                                std::size_t& at) {
  HELIOS_ASSERT(at < all.size());
  const atlas::Reply& guard = all[at++];
  if (guard.kind != atlas::Reply::Kind::kNil) {
    return false;
  }
  for (const Part& part : p.parts) {
    at += part.ops;
  }
  HELIOS_ASSERT(at <= all.size());
  return true;
}

void Executor::barrier(BarrierDone done) {
  ++stats_.barriers;
  const std::uint64_t id = next_barrier_id_++;
  barriers_.emplace(
      id, Barrier{std::move(done),
                  loop_.now() + std::chrono::milliseconds(config_.client.leader_wait_ms), false});
  // Every barrier asked for in this turn of the loop shares one Node::read (one ReadIndex
  // request; at a follower, one message to the leader).
  if (unissued_.empty()) {
    loop_.post([this]() {
      std::vector<std::uint64_t> ids = std::move(unissued_);
      unissued_.clear();
      issue_barriers(std::move(ids));
    });
  }
  unissued_.push_back(id);
}

void Executor::issue_barriers(std::vector<std::uint64_t> ids) {
  if (!ids.empty()) {
    host_.catch_up_ticks();  // a lease is judged by the time that really passed
  }
  if (ids.empty() || host_.node().raw().raft().leader() == kNoNode) {
    return;  // the sweep retries once there is a leader
  }
  const NodeId leader = host_.node().raw().raft().leader();
  for (std::uint64_t id : ids) {
    auto it = barriers_.find(id);
    if (it != barriers_.end()) {
      it->second.in_node = true;
      it->second.leader = leader;
    }
  }
  // The callback runs inside the Node (its Ready loop, or read() itself): act after it.
  auto shared = std::make_shared<std::vector<std::uint64_t>>(std::move(ids));
  const auto asked = loop_.now();
  host_.node().read([this, shared, asked](Status status, std::uint64_t read_ms) {
    if (status.is_ok()) {
      host_.observe_read_index(std::chrono::duration<double>(loop_.now() - asked).count());
    }
    loop_.post([this, shared, status, read_ms]() { on_barriers(*shared, status, read_ms); });
  });
}

void Executor::on_barriers(const std::vector<std::uint64_t>& ids, const Status& status,
                           std::uint64_t read_ms) {
  const NodeId leader = host_.node().raw().raft().leader();
  std::vector<std::uint64_t> retry;
  for (std::uint64_t id : ids) {
    auto it = barriers_.find(id);
    if (it == barriers_.end()) {
      continue;  // answered already (timed out)
    }
    it->second.in_node = false;
    if (status.is_ok()) {
      BarrierDone done = std::move(it->second.done);
      barriers_.erase(it);
      done(status, {}, read_ms);
    } else if (leader != kNoNode && it->second.leader != leader) {
      retry.push_back(id);  // the leader changed since it was issued: ask the new one now
    }
    // Otherwise (no leader, too many reads): the sweep retries.
  }
  issue_barriers(std::move(retry));
}

std::vector<std::uint64_t> Executor::idle_barriers() const {
  std::vector<std::uint64_t> idle;
  for (const auto& [id, b] : barriers_) {
    if (!b.in_node && std::find(unissued_.begin(), unissued_.end(), id) == unissued_.end()) {
      idle.push_back(id);
    }
  }
  return idle;
}

void Executor::schedule_sweep() {
  sweep_timer_ = loop_.schedule_after(kSweepEvery, [this]() {
    if (!running_) {
      return;
    }
    sweep();
    schedule_sweep();
  });
}

void Executor::sweep() {
  const Clock::time_point now = loop_.now();
  const bool have_leader = host_.node().raw().raft().leader() != kNoNode;
  refresh_links();
  review_forwards(now);
  if (held_ && now - held_since_ >= kSweepEvery && !held_batch_stuck_) {
    flush();  // the batch in flight is slow to commit: do not hold this one longer
  }
  if (!waiting_.empty()) {
    drain_waiting();
  }
  for (auto it = forwards_.begin(); it != forwards_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    Job job = std::move(it->second.job);
    it = forwards_.erase(it);
    ++stats_.uncertain;
    job.done(
        error_reply(job.protocol,
                    uncertain_line(config_.client.write_timeout_ms + config_.client.leader_wait_ms,
                                   "the leader did not answer the forwarded write")));
  }
  for (auto it = barriers_.begin(); it != barriers_.end();) {
    if (now >= it->second.deadline) {
      BarrierDone done = std::move(it->second.done);
      it = barriers_.erase(it);
      ++stats_.tryagain;
      done(Status(Code::kUnavailable, "read barrier timed out"),
           "TRYAGAIN no leader confirmed the read within " +
               std::to_string(config_.client.leader_wait_ms) + " ms",
           0);
      continue;
    }
    ++it;
  }
  if (have_leader) {
    issue_barriers(idle_barriers());
  }
}

}  // namespace helios::api
