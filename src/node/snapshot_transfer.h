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
// SnapshotReceiver (follower side): one transfer per leader at a time, in order. Chunks are
// appended to SnapshotStore::received_path(meta, transfer id); a chunk of a new transfer id at
// offset 0 starts over (the old file is removed); any other gap, a slice past the announced size,
// or a write error drops the transfer and its file. When the last byte is in, the file is fsynced,
// read back and verified whole (SnapshotStore::read_verified_file) and the state decoded, on the
// worker io_context (so a big snapshot never stalls heartbeats); then `ready(message, file path,
// decoded state)` runs on the loop. A file that fails verification is removed and nothing else
// happens (the leader retries).
//
// Thread rules: both live on the node's loop thread (asio io_context `loop`); the receiver
// also posts work to `worker`.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio.hpp>

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

class SnapshotReceiver {
 public:
  using Ready = std::function<void(const raft::Message& m, const std::string& path,
                                   std::shared_ptr<AtlasState> state)>;
  SnapshotReceiver(asio::io_context& loop, asio::io_context& worker, env::FileSystem& fs,
                   storage::SnapshotStore& store, NodeId self, Ready ready);

  // A kSnapshotChunk frame body from `from` (loop thread). Malformed input is dropped (and
  // logged); it never stops the node.
  void on_chunk(NodeId from, std::string_view body);

 private:
  struct Transfer {
    std::uint64_t id = 0;
    raft::Message message;
    std::string path;
    std::unique_ptr<env::File> file;
    std::uint64_t next_offset = 0;
    std::uint64_t total = 0;
  };
  void drop(NodeId from, const std::string& why);
  void complete(NodeId from);

  asio::io_context& loop_;
  asio::io_context& worker_;
  env::FileSystem& fs_;
  storage::SnapshotStore& store_;
  NodeId self_;
  Ready ready_;
  std::map<NodeId, Transfer> transfers_;
};

}  // namespace helios::node
