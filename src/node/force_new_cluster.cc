#include "node/force_new_cluster.h"

#include <algorithm>

#include "base/assert.h"
#include "raft/membership.h"

namespace helios::node {

namespace {

// The configuration in force: the newest configuration entry in the log, else the
// snapshot's (or the bootstrap) configuration.
Result<raft::ConfState> newest_configuration(const storage::Wal& wal) {
  const std::vector<Index> conf_indexes = wal.conf_entry_indexes();
  if (conf_indexes.empty()) {
    return wal.initial_state().conf_state;
  }
  const Index at = conf_indexes.back();
  Result<std::vector<raft::Entry>> entry = wal.entries(at, at + 1, UINT64_MAX);
  if (!entry.is_ok()) {
    return entry.status();
  }
  HELIOS_ASSERT(entry.value().size() == 1);
  Result<raft::ConfState> conf = raft::decode_conf_state(entry.value().front().data);
  if (!conf.is_ok()) {
    return Status(Code::kCorruption, "configuration entry " + std::to_string(at) +
                                         " does not decode: " + conf.status().message());
  }
  return conf;
}

}  // namespace

Result<ForcedConfiguration> force_new_configuration(storage::Wal& wal, const Member& self) {
  HELIOS_ASSERT(self.id != kNoNode);
  ForcedConfiguration out;
  Result<raft::ConfState> previous = newest_configuration(wal);
  if (!previous.is_ok()) {
    return previous.status();
  }
  out.previous = std::move(previous).value();
  const raft::HardState hs = wal.hard_state();
  out.commit = hs.commit;
  out.last_index = wal.last_index();
  Result<Term> last_term = wal.term(out.last_index);
  if (!last_term.is_ok()) {
    return last_term.status();
  }
  out.last_term = last_term.value();

  // The address book cut down to this node. A context that does not decode is replaced: the
  // node's own addresses are known from its configuration.
  Member me = self;
  if (!out.previous.context.empty()) {
    if (Result<MemberList> book = decode_members(out.previous.context); book.is_ok()) {
      if (const Member* found = find_member(book.value(), self.id); found != nullptr) {
        me = *found;
      }
    }
  }
  me.auto_promote = false;
  out.forced.voters = {self.id};
  out.forced.context = encode_members(MemberList{me});
  HELIOS_ASSERT(raft::validate_conf_state(out.forced).is_ok());

  out.term = std::max(hs.term, out.last_term) + 1;
  out.forced_index = out.last_index + 1;
  raft::Entry entry;
  entry.term = out.term;
  entry.index = out.forced_index;
  entry.type = raft::EntryType::kConfChange;
  entry.data = raft::encode_conf_state(out.forced);
  const raft::HardState next{out.term, self.id, hs.commit};
  if (Status s = wal.append(next, {entry}); !s.is_ok()) {
    return s;
  }
  if (Status s = wal.sync(); !s.is_ok()) {
    return s;
  }
  return out;
}

std::string describe(const ForcedConfiguration& f) {
  std::string out = "configuration " + raft::describe(f.previous) + " replaced by " +
                    raft::describe(f.forced) + " at index " + std::to_string(f.forced_index) +
                    ", term " + std::to_string(f.term) + ". ";
  if (f.last_index > f.commit) {
    out += "Entries " + std::to_string(f.commit + 1) + " to " + std::to_string(f.last_index) +
           " were never known committed here: they are kept and will be committed now (writes "
           "a client was told failed or timed out may appear). ";
  } else {
    out += "Every entry this node holds (to " + std::to_string(f.last_index) +
           ") was known committed. ";
  }
  out += "Writes the old cluster acknowledged after index " + std::to_string(f.last_index) +
         " (term " + std::to_string(f.last_term) +
         "), if any, never reached this node and are lost.";
  return out;
}

}  // namespace helios::node
