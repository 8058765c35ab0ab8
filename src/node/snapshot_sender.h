#pragma once
// SnapshotSender: the leader's side of InstallSnapshot streaming for a real node
// (wire/snapshot_chunk.h has the frames; node/snapshot_receiver.h the follower's side).
//
// One transfer per follower at a time. It reads the snapshot file in chunks of `chunk_bytes`
// and queues each as a kSnapshotChunk frame on the peer's link only while that link holds
// less than `window_bytes` (flow control: heartbeats and appends to that follower wait
// behind at most one window; other followers' links are separate and never wait). When the
// link is full it looks again after 1 ms. Transfer ids start at the loop's clock when the
// sender is made (a restarted leader's never collide with its earlier ones). The outcome (every
// chunk queued: ok; a chunk dropped, the file gone, the link refusing: failed) goes to `done(to,
// ok)`, always posted to the loop (never called from inside send()). A new transfer to the same
// follower replaces an unfinished one.
//
// Thread rules: it lives on the node's env::Loop `loop` and sends through `link` (in
// production the runtime's asio loop and its TCP transport; in the simulator the node's
// simulated loop and the simulated network's ordered per-link streams).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "env/file_system.h"
#include "env/loop.h"
#include "raft/types.h"
#include "storage/snapshot_store.h"
#include "transport/frame_link.h"

namespace helios::node {

class SnapshotSender {
 public:
  SnapshotSender(env::Loop& loop, env::FileSystem& fs, storage::SnapshotStore& store,
                 transport::FrameLink& link, std::uint64_t chunk_bytes,
                 std::function<void(NodeId to, bool ok)> done);
  ~SnapshotSender();

  // Starts streaming the snapshot file of m.snapshot to m.to.
  void send(const raft::Message& m);
  // Abandons every transfer (stop): no done() follows.
  void stop();

  // Planted bug (simulator): `sender-reads-behind` reads every chunk after a transfer's first
  // from one chunk before its offset (the frame still names the right offset), so the
  // follower's verification refuses a transfer that the network carried intact.
  void plant_reads_behind() { bug_reads_behind_ = true; }
  // `sender-stalls-when-full` never looks again once a link is full: the transfer neither
  // ends nor reports, and its follower never catches up.
  void plant_stalls_when_full() { bug_stalls_when_full_ = true; }

 private:
  struct Transfer {
    raft::Message message;
    std::unique_ptr<env::File> file;
    std::uint64_t id = 0;
    std::uint64_t offset = 0;
    std::uint64_t total = 0;
    std::unique_ptr<env::Timer> timer;  // the look again while the link is full
  };
  void pump(NodeId to);
  void finish(NodeId to, bool ok);
  void report(NodeId to, bool ok);

  env::Loop& loop_;
  env::FileSystem& fs_;
  storage::SnapshotStore& store_;
  transport::FrameLink& link_;
  std::uint64_t chunk_bytes_;
  std::uint64_t window_bytes_;
  std::function<void(NodeId, bool)> done_;
  std::map<NodeId, Transfer> transfers_;
  std::uint64_t next_id_;
  bool bug_reads_behind_ = false;
  bool bug_stalls_when_full_ = false;
};

}  // namespace helios::node
