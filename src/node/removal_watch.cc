// RemovalWatch (removal_watch.h). Everything here runs on the node's loop.
#include "node/removal_watch.h"

#include <cstdlib>

#include "base/log.h"
#include "raft/membership.h"

namespace helios::node {

RemovalWatch::RemovalWatch(env::FileSystem& fs, std::string dir, NodeId id, std::string name)
    : fs_(fs), dir_(std::move(dir)), id_(id), name_(std::move(name)) {}

Status RemovalWatch::open() {
  const std::string removed = marker(kRemovedMarker);
  if (fs_.exists(removed) && !bug_removed_restarts_) {
    Result<std::string> text = env::read_file(fs_, removed);
    std::string why = text.is_ok() ? text.value() : std::string("unreadable");
    while (!why.empty() && why.back() == '\n') {
      why.pop_back();
    }
    return Status(Code::kInvalidArgument,
                  name_ + " was removed from the cluster (" + removed + ": " + why +
                      "); it does not start again. To bring this machine back, wipe its data "
                      "directory and add it as a new member (--join)");
  }
  const std::string joined = marker(kJoinedMarker);
  if (!fs_.exists(joined)) {
    return Status::ok();
  }
  Result<std::string> text = env::read_file(fs_, joined);
  if (!text.is_ok()) {
    return text.status();
  }
  // "index term\n" (a release before the term wrote "index\n": term 0).
  const char* p = text.value().c_str();
  char* end = nullptr;
  const std::uint64_t index = std::strtoull(p, &end, 10);
  std::uint64_t term = 0;
  bool ok = end != p && *p >= '0' && *p <= '9';
  if (ok && *end == ' ') {
    const char* t = end + 1;
    term = std::strtoull(t, &end, 10);
    ok = end != t && *t >= '0' && *t <= '9';
  }
  if (!ok || (*end != '\n' && *end != '\0')) {
    return Status(Code::kCorruption, joined + ": not an index and a term: '" + text.value() + "'");
  }
  joined_at_ = raft::EntryId{.term = term, .index = index};
  return Status::ok();
}

void RemovalWatch::begin(const raft::ConfState& applied_conf, const raft::ConfState& in_force,
                         bool join_configured) {
  was_member_ = raft::is_member(applied_conf, id_);
  // JOINED says the cluster added this machine already: its log may just not hold that yet
  // (a restart before it caught up). Waiting to be added again could deadlock a cluster
  // that needs its vote; the vote floor guards it instead.
  joining_ = join_configured && !raft::is_member(in_force, id_) && joined_at_.index == 0;
}

void RemovalWatch::finish_join(raft::EntryId conf) {
  if (conf.index > joined_at_.index) {
    joined_at_ = conf;
    const Status s = env::write_file_atomically(
        fs_, marker(kJoinedMarker),
        std::to_string(conf.index) + " " + std::to_string(conf.term) + "\n");
    if (!s.is_ok()) {
      // Not fatal: without JOINED a restart before the log holds `conf` waits to be added
      // again (hearing nothing, voting for no one). --join adds it as a learner, and the
      // leader promotes a learner only once its log holds the configuration that has it
      // (MemberKeeper::caught_up), so by the time the cluster needs its vote, its own log
      // makes it a member at a restart.
      HELIOS_LOG_ERROR("membership", "cannot record the join: %s", s.to_string().c_str());
    }
  }
  joining_ = false;
  was_member_ = true;  // the cluster added this node: its removal from now on stops it
}

std::optional<std::string> RemovalWatch::on_applied(const raft::Entry& entry,
                                                    const raft::ConfState& in_force) {
  if (entry.type != raft::EntryType::kConfChange || removed_) {
    return std::nullopt;
  }
  Result<raft::ConfState> conf = raft::decode_conf_state(entry.data);
  if (!conf.is_ok()) {
    return std::nullopt;  // the core validated it before appending it
  }
  if (joining_ || entry.index < joined_at_.index) {
    return std::nullopt;  // an earlier member under this id: its history, replayed
  }
  const raft::ConfState& c = conf.value();
  const bool member = bug_removal_on_joint_
                          ? raft::is_incoming_voter(c, id_) || raft::is_learner(c, id_)
                          : raft::is_member(c, id_);
  if (member) {
    was_member_ = true;
    return std::nullopt;
  }
  if (!was_member_ || (c.joint() && !bug_removal_on_joint_) || raft::is_member(in_force, id_)) {
    return std::nullopt;
  }
  removed_ = true;
  return "removed by the configuration " + raft::describe(c) + " at index " +
         std::to_string(entry.index);
}

std::optional<std::string> RemovalWatch::on_removal_notice(
    const raft::Raft::RemovalNotice& notice) {
  if (removed_) {
    return std::nullopt;
  }
  removed_ = true;
  return "node-" + std::to_string(notice.from) + " committed a configuration without it" +
         " at index " + std::to_string(notice.index) + ", above this node's log";
}

Status RemovalWatch::record(const std::string& reason) {
  const Status s = env::write_file_atomically(fs_, marker(kRemovedMarker), reason + "\n");
  if (!s.is_ok()) {
    HELIOS_LOG_ERROR("membership", "cannot record the removal: %s", s.to_string().c_str());
  }
  return s;
}

}  // namespace helios::node
