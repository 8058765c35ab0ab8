#pragma once
// The data the Raft core consumes and produces: log entries, hard state, membership and
// messages. Plain structs, no behaviour beyond formatting; src/wire/ encodes them.
//
// Names follow the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm", and Ongaro's thesis).

#include <cstdint>
#include <string>
#include <vector>

#include "base/shared_bytes.h"
#include "base/types.h"

namespace helios::raft {

// What an entry carries. kNoop is the empty entry a new leader appends at the start of its
// term (§8 of the paper: it commits the entries of earlier terms and lets ReadIndex work).
// kConfChange carries the whole configuration it switches to (raft/membership.h encodes it).
enum class EntryType : std::uint8_t { kNormal = 0, kNoop = 1, kConfChange = 2 };

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  // Opaque to the core; binary-safe. Shared, never copied: copies of an entry (the unstable
  // log, the Ready, messages to each follower, the applied entry) point at one buffer.
  base::SharedBytes data;

  // Bytes this entry counts against the message and batch limits.
  std::uint64_t byte_size() const { return data.size() + 24; }
  bool operator==(const Entry&) const = default;
};

// The state that must be durable before a message depending on it leaves the node (Figure 2,
// "Persistent state on all servers"). commit is persisted as an optimisation: it lets a
// restarted node apply up to where it was without waiting for a leader.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;  // candidate voted for in `term`, or kNoNode
  Index commit = 0;

  bool operator==(const HardState&) const = default;
};

// A configuration (membership, thesis chapter 4): who votes, who only receives the log, and
// during a change the old voters too. Sorted, no id twice, no id in two roles
// (raft/membership.h checks it).
//   voters           C(new): vote and count for commitment.
//   voters_outgoing  C(old) while the configuration is joint (empty otherwise): decisions
//                    need a majority of voters AND a majority of voters_outgoing.
//   learners         receive entries and snapshots, never vote, never count.
//   context          opaque to the core: what the node keeps with the configuration (every
//                    member's addresses). It travels with the configuration in log entries,
//                    snapshots and messages.
// The configuration in force is that of the last configuration entry in the log, committed
// or not (thesis §4.1), else that of the snapshot, else the node's bootstrap voters.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  std::vector<NodeId> voters_outgoing;
  std::string context;
  bool joint() const { return !voters_outgoing.empty(); }
  bool operator==(const ConfState&) const = default;
};

// Metadata of a snapshot: the last index and term it covers and the membership at that
// point. index 0 means "no snapshot" (the log starts at index 1).
struct SnapshotMeta {
  Index index = 0;
  Term term = 0;
  ConfState conf_state;
  bool operator==(const SnapshotMeta&) const = default;
};

enum class MessageType : std::uint8_t {
  kAppend = 0,      // AppendEntries: index/log_term = previous entry, entries, commit
  kAppendResp = 1,  // index = last matching index, or the rejected index (reject)
  kVote = 2,        // RequestVote: index/log_term = candidate's last entry; context =
                    //   kCampaignTransfer when a leadership transfer asked for it
  kVoteResp = 3,    // reject = vote refused
  kPreVote = 4,     // as kVote, term = the term the sender would campaign in (§9.6)
  kPreVoteResp = 5,
  kHeartbeat = 6,      // commit = min(match, commit); context = ReadIndex round; index =
                       //   the leader's tick when it left (lease reads)
  kHeartbeatResp = 7,  // context and index echoed back
  kReadIndex = 8,      // follower asks the leader for a read index; context = request id
  kReadIndexResp = 9,  // index = safe read index; context echoed back; time_ms = the
                       //   leader's read time (0: it gave none)
  kSnapshot = 10,      // InstallSnapshot: snapshot = its metadata (the node streams the data)
  kTimeoutNow = 11,    // leadership transfer: campaign now (thesis §3.10)
};

inline constexpr int kMessageTypeCount = 12;
// kVote's context when the leader asked for the election (TimeoutNow): voters grant it even
// while they still hear from that leader (thesis §3.10).
inline constexpr std::uint64_t kCampaignTransfer = 1;
// A refused kVoteResp/kPreVoteResp's context when the candidate is not a member of the
// voter's committed configuration and its log ends below the voter's commit index (index =
// that commit index): the candidate was removed while it could not hear of it.
inline constexpr std::uint64_t kRemovedNotice = 2;
const char* message_type_name(MessageType type);

// One Raft RPC. Unused fields stay zero. Every message carries the sender's term; the
// receiver applies the term rules of §5.1 before anything else.
struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  Term log_term = 0;      // kAppend: term of entry `index`; kVote*: candidate's last term;
                          // kAppendResp with reject: term of the follower's hint entry
  Index index = 0;        // see MessageType
  Index commit = 0;       // kAppend / kHeartbeat: leader's commit index
  Index reject_hint = 0;  // kAppendResp with reject: follower's suggested probe index
  bool reject = false;
  std::uint64_t context = 0;  // kHeartbeat*: read round; kReadIndex*: request context;
                              // kVote: kCampaignTransfer or 0
  // kReadIndexResp only: the time (unix ms) at which the read is to be evaluated, filled in
  // by the leader's node (node/read_clock.h); the core only carries it. On the wire it takes
  // the `commit` slot, which kReadIndexResp does not use (wire/raft_codec.h).
  std::uint64_t time_ms = 0;
  std::vector<Entry> entries;
  SnapshotMeta snapshot;  // kSnapshot only

  bool operator==(const Message&) const = default;
};

// "Append i=3 t=2 from=1 to=2 lt=1 commit=2 n=1" and the like, for traces.
std::string describe(const Message& m);
std::string describe(const Entry& e);

}  // namespace helios::raft
