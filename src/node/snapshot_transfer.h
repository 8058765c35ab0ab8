#pragma once
// InstallSnapshot streaming for a real node (wire/snapshot_chunk.h has the frames).
//
// SnapshotSender (leader side): one transfer per follower at a time. It reads the snapshot
// file in chunks of `chunk_bytes` and queues each as a kSnapshotChunk frame on the peer's
// link only while that link holds less than `window_bytes` (flow control: heartbeats and
// appends to that follower wait behind at most one window; other followers' links are
// separate and never wait). When the link is full it looks again after 1 ms. The outcome
// (every chunk queued: ok; a chunk dropped, the file gone, the link refusing: failed) goes
// to `done(to, ok)`, always posted to the loop (never called from inside send()). A new transfer to
// the same follower replaces an unfinished one.
//
// SnapshotReceiver (follower side): one transfer at a time, in order (a chunk at offset 0 of
// a new transfer, from any leader of the same or a higher term, replaces the one under way:
// a follower installs from one leader; a lower term's is ignored, the core would refuse it).
// Chunks are appended to SnapshotStore::received_path(meta, transfer id) and kept in memory
// as well (base::ArrivingBytes), where a decoding thread of the transfer's own
// (SnapshotDecoding) decodes the state as the bytes arrive, so that installing takes little
// longer than receiving. A chunk that leaves a gap, a slice past the announced size, or a
// write error drops the transfer and its file (the decoding stops; what it built and the bytes
// held are freed on the worker). Every kSyncSliceBytes the worker fdatasyncs what has
// arrived, so that the disk writes while the rest streams in and the last sync is short (a
// failed one fails the transfer).
// When the last byte is in, the worker io_context syncs the file and waits for the decoding
// thread, which verifies the bytes whole (storage::verify_snapshot_image: checksum, header,
// size; the ATLAS data's own checksum too) after its last item; then `ready(message, file
// path, decoded state)` runs on the loop. Nothing decoded is used before the whole
// verification passed. A snapshot that fails it is removed and nothing else happens (the
// leader retries).
//
// Thread rules: both live on the node's loop thread (asio io_context `loop`); the receiver
// also posts work to `worker` and starts one decoding thread per transfer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <asio.hpp>

#include "base/arrival.h"

#include "env/file_system.h"
#include "node/atlas_machine.h"
#include "storage/snapshot_store.h"
#include "transport/tcp_transport.h"
#include "wire/snapshot_chunk.h"

namespace helios::node {

class SnapshotSender {
 public:
  SnapshotSender(asio::io_context& loop, env::FileSystem& fs, storage::SnapshotStore& store,
                 transport::TcpTransport& transport, std::uint64_t chunk_bytes,
                 std::function<void(NodeId to, bool ok)> done);
  ~SnapshotSender();

  // Starts streaming the snapshot file of m.snapshot to m.to.
  void send(const raft::Message& m);
  // Abandons every transfer (stop): no done() follows.
  void stop();

 private:
  struct Transfer {
    raft::Message message;
    std::unique_ptr<env::File> file;
    std::uint64_t id = 0;
    std::uint64_t offset = 0;
    std::uint64_t total = 0;
    std::unique_ptr<asio::steady_timer> timer;
  };
  void pump(NodeId to);
  void finish(NodeId to, bool ok);
  void report(NodeId to, bool ok);

  asio::io_context& loop_;
  env::FileSystem& fs_;
  storage::SnapshotStore& store_;
  transport::TcpTransport& transport_;
  std::uint64_t chunk_bytes_;
  std::uint64_t window_bytes_;
  std::function<void(NodeId, bool)> done_;
  std::map<NodeId, Transfer> transfers_;
  std::uint64_t next_id_;
};

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
  // How many bytes may arrive before the worker syncs them (about 50-100 ms of a disk's
  // sequential writes).
  static constexpr std::uint64_t kSyncSliceBytes = std::uint64_t{32} << 20;

  SnapshotReceiver(asio::io_context& loop, asio::io_context& worker, env::FileSystem& fs,
                   storage::SnapshotStore& store, NodeId self, Ready ready,
                   std::uint64_t sync_slice_bytes = kSyncSliceBytes);

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

  asio::io_context& loop_;
  asio::io_context& worker_;
  env::FileSystem& fs_;
  storage::SnapshotStore& store_;
  NodeId self_;
  Ready ready_;
  std::uint64_t sync_slice_bytes_;
  std::map<NodeId, Transfer> transfers_;
};

}  // namespace helios::node
