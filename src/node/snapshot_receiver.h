#pragma once
// SnapshotReceiver: the follower's side of InstallSnapshot streaming (wire/snapshot_chunk.h
// has the frames; node/snapshot_sender.h the leader's side).
//
// One transfer at a time, in order (a chunk at offset 0 of a new transfer, from any leader
// of the same or a higher term, replaces the one under way: a follower installs from one
// leader; a lower term's is ignored, the core would refuse it). Chunks are appended to
// SnapshotStore::received_path(meta, transfer id) and kept in memory as well
// (base::ArrivingBytes), where a decoding thread of the transfer's own (SnapshotDecoding)
// decodes the state as the bytes arrive, so that installing takes little longer than
// receiving. A chunk that leaves a gap, a slice past the announced size, or a write error
// drops the transfer and its file (the decoding stops; what it built and the bytes held are
// freed on the worker). Every kSyncSliceBytes the worker fdatasyncs what has arrived, so
// that the disk writes while the rest streams in and the last sync is short (a failed one
// fails the transfer). When the last byte is in, the worker syncs the file and waits for the
// decoding thread, which verifies the bytes whole (storage::verify_snapshot_image: checksum,
// header, size; the ATLAS data's own checksum too) after its last item; then `ready(message,
// file path, decoded state)` runs on the loop. Nothing decoded is used before the whole
// verification passed. A snapshot that fails it is removed and nothing else happens (the
// leader retries).
//
// Thread rules: the receiver lives on its env::Loop `loop` and posts work to the env::Loop
// `worker` (in production the runtime's loop and worker threads; in the simulator the
// node's simulated loop, the worker's work delayed as a disk would delay it), and starts one
// decoding thread per transfer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/arrival.h"
#include "env/file_system.h"
#include "env/loop.h"
#include "node/atlas_machine.h"
#include "node/node.h"
#include "storage/snapshot_store.h"

namespace helios::node {

// The decoding of one InstallSnapshot transfer, on a thread of its own, as its bytes arrive
// (base::ArrivingBytes): the file's header, the ATLAS state item by item, then, with the last
// byte, the checksums. Destroying it abandons the bytes and joins the thread (which frees
// whatever it built first).
class SnapshotDecoding {
 public:
  // Allocates `total` bytes (std::bad_alloc) and starts the thread (std::system_error).
  SnapshotDecoding(std::uint64_t total, raft::SnapshotMeta expected, std::string path);
  ~SnapshotDecoding();
  SnapshotDecoding(const SnapshotDecoding&) = delete;
  SnapshotDecoding& operator=(const SnapshotDecoding&) = delete;

  // Where the loop appends the bytes as they arrive.
  base::ArrivingBytes& bytes() { return bytes_; }
  // Waits for the thread (after the last byte): the verified state, or why there is none.
  Result<std::shared_ptr<AtlasState>> finish();
  // When the thread finished (after finish()).
  std::chrono::steady_clock::time_point finished_at() const { return finished_at_; }

 private:
  void run();

  base::ArrivingBytes bytes_;
  const raft::SnapshotMeta expected_;
  const std::string path_;
  Status status_ = Status::ok();
  std::shared_ptr<AtlasState> state_;
  std::chrono::steady_clock::time_point finished_at_;
  std::thread thread_;  // last: started once the members above exist
};

class SnapshotReceiver {
 public:
  using Ready = std::function<void(const raft::Message& m, const std::string& path,
                                   std::shared_ptr<AtlasState> state)>;
  // The verdict on a transfer that arrived whole: its message, transfer id, and OK (it
  // verified: `ready` follows) or why it was refused (a failed sync, or bytes that do not
  // verify or decode). Production logs refusals; the simulator checks every verdict (an
  // intact transfer refused for anything but a failed sync, a transfer with a gap verified
  // at all, fail a seed).
  using Verdict =
      std::function<void(const raft::Message& m, std::uint64_t transfer_id, const Status& why)>;
  // How many bytes may arrive before the worker syncs them (about 50-100 ms of a disk's
  // sequential writes).
  static constexpr std::uint64_t kSyncSliceBytes = std::uint64_t{32} << 20;

  // `loop` and `worker` must outlive the receiver; what it posts to them calls it back, so
  // their pending work must be dropped (or run) before it is destroyed.
  SnapshotReceiver(env::Loop& loop, env::Loop& worker, env::FileSystem& fs,
                   storage::SnapshotStore& store, NodeId self, Ready ready,
                   std::uint64_t sync_slice_bytes = kSyncSliceBytes);

  void set_verdict_observer(Verdict verdict) { verdict_ = std::move(verdict); }

  // Planted bugs (simulator): `receiver-skips-sync` installs a received file that was never
  // synced; `receiver-forgets-conf` expects the snapshot without its configuration, so the
  // verification refuses every intact transfer; `receiver-fills-gaps` takes a chunk after a
  // gap (chunks lost with a broken connection) at its offset, zeros in the gap, as a
  // receiver writing each chunk where it belongs would.
  void plant_skips_sync() { bug_skips_sync_ = true; }
  void plant_forgets_conf() { bug_forgets_conf_ = true; }
  void plant_fills_gaps() { bug_fills_gaps_ = true; }

  // A kSnapshotChunk frame body from `from` (loop thread). Malformed input is dropped (and
  // logged); it never stops the node.
  void on_chunk(NodeId from, std::string_view body);

  ~SnapshotReceiver();

 private:
  // The worker's syncs of a transfer's file while it arrives.
  struct Syncs {
    std::atomic<bool> busy{false};
    std::atomic<bool> failed{false};
  };
  struct Transfer {
    std::uint64_t id = 0;
    raft::Message message;
    std::string path;
    std::shared_ptr<env::File> file;             // shared with the worker's syncs
    std::shared_ptr<SnapshotDecoding> decoding;  // the bytes received so far, being decoded
    std::shared_ptr<Syncs> syncs;
    std::uint64_t next_offset = 0;
    std::uint64_t synced_offset = 0;  // where the last sync started
    std::uint64_t total = 0;
  };
  void sync_while_receiving(Transfer& t);
  void drop(NodeId from, const std::string& why);
  void complete(NodeId from);

  env::Loop& loop_;
  env::Loop& worker_;
  env::FileSystem& fs_;
  storage::SnapshotStore& store_;
  NodeId self_;
  Ready ready_;
  Verdict verdict_;
  std::uint64_t sync_slice_bytes_;
  bool bug_skips_sync_ = false;
  bool bug_forgets_conf_ = false;
  bool bug_fills_gaps_ = false;
  std::map<NodeId, Transfer> transfers_;
};

// How the node installs a received snapshot (Node::step_snapshot's IncomingSnapshot): the
// file at `path` becomes the newest in `store`, the machine takes `state`, and the state it
// held goes to `dispose_old` (null: freed at once); a refused one's file is removed.
IncomingSnapshot incoming_snapshot(storage::SnapshotStore& store, env::FileSystem& fs,
                                   AtlasMachine& machine, const raft::SnapshotMeta& meta,
                                   const std::string& path, std::shared_ptr<AtlasState> state,
                                   std::function<void(AtlasState old)> dispose_old);

}  // namespace helios::node
