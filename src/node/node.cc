#include "node/node.h"

#include <iterator>
#include <utility>

#include "base/assert.h"

namespace helios::node {

Node::Node(const raft::Config& config, storage::Wal& wal, StateMachine& state_machine, NodeIo& io,
           SnapshotPolicy policy)
    : wal_(wal), state_machine_(state_machine), io_(io), raw_(config, wal), policy_(policy) {
  applied_ = config.applied;
  if (wal.snapshot_meta().index > 0) {
    last_snapshot_ = wal.snapshot_meta();
    HELIOS_ASSERT_MSG(applied_ >= last_snapshot_.index,
                      "the state machine must be restored from the newest snapshot");
  }
  // ReadIndex contexts must differ between incarnations of this node: an answer to a read of
  // an earlier incarnation, delayed in the network, must not match a read of this one (it
  // carries an older index). The seed differs at every start; mix it (splitmix64) into the
  // high bits and count in the low ones.
  std::uint64_t z = config.seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  next_read_context_ = (z << 24) | 1;
}

void Node::fail(const Status& status) {
  HELIOS_ASSERT(!status.is_ok());
  if (failure_.empty()) {
    failure_ = status.to_string();
  }
}

void Node::tick() {
  if (failed()) {
    return;
  }
  raw_.tick();
  pump();
  ++ticks_since_snapshot_;
  maybe_snapshot_by_interval();  // after the tick's entries were applied
}

void Node::lapse(std::uint64_t ticks) {
  if (!failed()) {
    raw_.lapse(ticks);
    ticks_since_snapshot_ += ticks;
  }
}

void Node::campaign() {
  if (failed()) {
    return;
  }
  raw_.campaign();
  pump();
}

void Node::step(const raft::Message& m) {
  if (failed()) {
    return;
  }
  // A snapshot's metadata alone installs nothing: it comes through step_snapshot().
  if (m.type == raft::MessageType::kSnapshot || !raw_.step(m).is_ok()) {
    ++dropped_messages_;
    return;
  }
  pump();
}

void Node::on_sync_done(const Status& status) {
  HELIOS_ASSERT(pending_.has_value());
  if (!status.is_ok()) {
    fail(status);  // never retry a failed fsync: the kernel may have dropped the data
    return;
  }
  io_.on_synced();
  raft::Ready rd = std::move(*pending_);
  pending_.reset();
  complete(rd);
  pump();
  for (const auto& fn : sync_listeners_) {
    fn();
  }
}

void Node::pump() {
  report_conf_change();
  while (!failed() && !pending_.has_value() && raw_.has_ready()) {
    raft::Ready rd = raw_.ready();
    const bool answered_as_leader = leading_;  // the role the Ready's answers were given in
    report_conf_change();                      // before the messages that may go to a new member
    if (rd.soft_state.has_value()) {
      io_.on_role_change(*rd.soft_state, raw_.raft().term());
      // Reads waiting for an index from a leader that is gone will never get one.
      fail_unindexed_reads(Status(Code::kUnavailable, "leadership changed; retry"));
      const bool was_leading = std::exchange(leading_, rd.soft_state->role == raft::Role::kLeader);
      if (was_leading && !leading_) {
        fail_proposals_on_step_down();
      }
      if (leading_ && !was_leading) {
        read_clock_.start_term(std::max(last_log_stamp(), state_machine_.last_stamp_ms()));
      }
    }
    // Now, before anything the core does next (see send_now).
    time_reads(rd.read_states, answered_as_leader);
    send_now(rd.messages);
    if (rd.snapshot.has_value()) {
      install_snapshot(rd);
      if (failed()) {
        return;
      }
    }
    if (rd.hard_state.has_value() || !rd.entries.empty()) {
      const Status s = wal_.append(rd.hard_state, rd.entries);
      if (!s.is_ok()) {
        fail(s);
        return;
      }
      io_.on_written(rd.hard_state, rd.entries);
    }
    if (rd.must_sync) {
      pending_ = std::move(rd);
      io_.start_sync();
      return;
    }
    complete(rd);
  }
  if (!failed() && pending_.has_value()) {
    // A sync is in flight: what may leave at once does not wait for it (heartbeats, their
    // answers, the leader's AppendEntries of entries proposed meanwhile, ReadIndex).
    std::vector<raft::Message> messages = raw_.take_messages();
    std::vector<raft::ReadState> states = raw_.take_read_states();
    time_reads(states, leading_);
    send_now(messages);
    note_read_states(states);
    serve_reads();
  }
  if (!failed() && !pending_.has_value()) {
    maybe_compact();  // between Readys: the WAL has no sync outstanding
  }
  report_conf_change();
}

void Node::send_now(const std::vector<raft::Message>& messages) {
  for (const raft::Message& m : messages) {
    if (m.type == raft::MessageType::kSnapshot) {
      io_.send_snapshot(m);
    } else if (m.type == raft::MessageType::kReadIndexResp) {
      raft::Message timed = m;
      timed.time_ms = read_time(m.index);
      io_.send(timed);
    } else {
      io_.send(m);
    }
  }
  // Every answer the core gave so far has its time (time_reads runs first): the stamps at or
  // below every read index it may still answer are needed no more.
  read_clock_.forget_through(raw_.raft().lowest_unanswered_read_index());
}

std::uint64_t Node::read_time(Index read_index) {
  return read_clock_.read_time(read_index, io_.leader_clock_ms());
}

std::uint64_t Node::last_log_stamp() const {
  // Stamps never decrease along a log (each leader stamps above its log), so the last
  // stamped entry holds the largest. Not a maximum over everything ever written: entries a
  // follower lost with an uncommitted tail are not in the log, and a leader commits exactly
  // the entries its log holds. Read back from the end (the new leader's empty entry first).
  const raft::RaftLog& log = raw_.raft().log();
  for (Index i = log.last_index(); i >= log.first_index() && i + kStampSearch > log.last_index();
       --i) {
    const std::vector<raft::Entry> e = log.entries_from(i, 1, UINT64_MAX);
    if (e.empty()) {
      break;
    }
    if (e.front().type == raft::EntryType::kNormal) {
      if (const std::uint64_t stamp = state_machine_.stamp_of(e.front().data); stamp != 0) {
        return stamp;
      }
    }
    if (i == 1) {
      break;
    }
  }
  return 0;  // none near the end: the state machine's stamps stand for the log's
}

void Node::complete(raft::Ready& rd) {
  for (const raft::Message& m : rd.messages_after_persist) {
    io_.send(m);
  }
  if (rd.snapshot.has_value()) {
    restore_snapshot(rd);
  }
  for (const raft::Entry& e : rd.committed_entries) {
    apply(e);
  }
  note_read_states(rd.read_states);
  raw_.advance(rd);
  serve_reads();
  maybe_snapshot();
}

void Node::apply(const raft::Entry& e) {
  HELIOS_ASSERT(e.index == applied_ + 1);
  applied_ = e.index;
  applied_bytes_ += e.data.size();
  io_.on_applied(e);
  ApplyReply reply;
  if (e.type == raft::EntryType::kNormal) {
    reply = state_machine_.apply(e);
  }
  auto it = proposals_.find(e.index);
  if (it == proposals_.end()) {
    return;
  }
  // The entry at the proposal's index is committed: it is ours if the term matches, and
  // ours was certainly not applied if not.
  ProposeCallback callback = std::move(it->second.callback);
  const bool ours = it->second.term == e.term;
  proposals_.erase(it);
  if (ours) {
    callback(std::move(reply));
  } else {
    callback(Status(Code::kAborted, "another entry was committed at its index; not applied"));
  }
}

void Node::note_read_states(const std::vector<raft::ReadState>& states) {
  for (const raft::ReadState& rs : states) {
    auto it = reads_.find(rs.context);
    // The first answer for a context is the one to its request; another one can only be a
    // duplicate, never a reason to lower the index.
    if (it != reads_.end() && !it->second.read_index.has_value()) {
      it->second.read_index = rs.index;
      it->second.time_ms = rs.time_ms;
    }
  }
}

void Node::time_reads(std::vector<raft::ReadState>& states, bool answered_as_leader) {
  // A follower's answers carry the leader's time; the leader's own carry none yet.
  if (!answered_as_leader) {
    return;
  }
  for (raft::ReadState& rs : states) {
    if (rs.time_ms == 0) {
      rs.time_ms = read_time(rs.index);
    }
  }
}

void Node::serve_reads() {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.read_index.has_value() && *it->second.read_index <= applied_) {
      ReadCallback callback = std::move(it->second.callback);
      const std::uint64_t time_ms = it->second.time_ms;
      it = reads_.erase(it);
      callback(Status::ok(), time_ms);
    } else {
      ++it;
    }
  }
}

void Node::fail_proposals_on_step_down() {
  // Answer now rather than when a later leader's log settles it (which this node, if it
  // was removed, may never see): the client must not wait out an election for "maybe".
  // Those at or below the commit index are committed here and will be applied here.
  auto first = proposals_.upper_bound(raw_.raft().log().committed());
  std::map<Index, Proposal> pending;
  pending.insert(std::make_move_iterator(first), std::make_move_iterator(proposals_.end()));
  proposals_.erase(first, proposals_.end());
  for (auto& [index, proposal] : pending) {
    proposal.callback(Status(Code::kUncertain, "leadership was lost before entry " +
                                                   std::to_string(index) +
                                                   " committed; it may or may not be applied"));
  }
}

void Node::fail_unindexed_reads(const Status& status) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (!it->second.read_index.has_value()) {
      ReadCallback callback = std::move(it->second.callback);
      it = reads_.erase(it);
      callback(status, 0);
    } else {
      ++it;
    }
  }
}

void Node::propose(std::string data, ProposeCallback callback) {
  if (failed()) {
    callback(Status(Code::kUnavailable, "node has stopped: " + failure_));
    return;
  }
  const std::uint64_t stamp = state_machine_.stamp_of(data);
  Result<raft::EntryId> r = raw_.propose(std::move(data));
  if (r.is_ok()) {
    // Before any read is answered again: the entry is in the core's log from now on.
    read_clock_.on_proposed(r.value().index, stamp);
  }
  track(std::move(r), std::move(callback));
}

void Node::propose_conf_change(raft::ConfState next, ProposeCallback callback) {
  if (failed()) {
    callback(Status(Code::kUnavailable, "node has stopped: " + failure_));
    return;
  }
  track(raw_.propose_conf_change(std::move(next)), std::move(callback));
}

void Node::finish_join(Term term) {
  if (failed()) {
    return;
  }
  raw_.finish_join(term);
  pump();  // the term it took is persisted
}

Status Node::transfer_leadership(NodeId target) {
  if (failed()) {
    return Status(Code::kUnavailable, "node has stopped: " + failure_);
  }
  Status s = raw_.transfer_leadership(target);
  pump();
  return s;
}

void Node::track(Result<raft::EntryId> r, ProposeCallback callback) {
  if (!r.is_ok()) {
    callback(r.status());
    return;
  }
  auto old = proposals_.find(r.value().index);
  if (old != proposals_.end()) {
    // Our log replaced the entry an earlier proposal got at this index, which a leader of a
    // later term can only do to an entry that was never committed.
    HELIOS_ASSERT(old->second.term < r.value().term);
    ProposeCallback superseded = std::move(old->second.callback);
    proposals_.erase(old);
    superseded(Status(Code::kAborted, "its entry was replaced; not applied"));
  }
  proposals_.emplace(r.value().index, Proposal{r.value().term, std::move(callback)});
  pump();
}

void Node::report_conf_change() {
  // Called at every pump: compare the configuration entry's (index, term), which names it
  // (Log Matching), rather than the whole configuration and its context.
  const raft::ConfigAt& current = raw_.raft().configs().current();
  const std::pair<Index, Term> id{current.index, current.term};
  if (!reported_conf_.has_value() || *reported_conf_ != id) {
    reported_conf_ = id;
    io_.on_conf_change(current.conf);
  }
  if (!reported_removal_ && raw_.raft().removal_noticed()) {
    reported_removal_ = true;
    io_.on_removal_notice(raw_.raft().removal_notice());
  }
}

void Node::read(ReadCallback callback) {
  if (failed()) {
    callback(Status(Code::kUnavailable, "node has stopped: " + failure_), 0);
    return;
  }
  // Bounded here too: on a follower the core forwards the request and keeps nothing.
  if (reads_.size() >= raw_.raft().config().max_pending_reads) {
    callback(Status(Code::kUnavailable, "too many reads waiting; retry"), 0);
    return;
  }
  const std::uint64_t context = next_read_context_++;
  const Status s = raw_.read_index(context);
  if (!s.is_ok()) {
    callback(s, 0);
    return;
  }
  reads_.emplace(context, PendingRead{std::nullopt, std::move(callback)});
  pump();
}

}  // namespace helios::node
