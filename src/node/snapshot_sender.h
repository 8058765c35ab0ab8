#pragma once
// SnapshotSender: the leader's side of InstallSnapshot streaming for a real node
// (wire/snapshot_chunk.h has the frames; node/snapshot_receiver.h the follower's side).
//
// One transfer per follower at a time. It reads the snapshot file in chunks of `chunk_bytes`
// and queues each as a kSnapshotChunk frame on the peer's link only while that link holds
// less than `window_bytes` (flow control: heartbeats and appends to that follower wait
// behind at most one window; other followers' links are separate and never wait). When the
// link is full it looks again after 1 ms. The outcome (every chunk queued: ok; a chunk
// dropped, the file gone, the link refusing: failed) goes to `done(to, ok)`, always posted
// to the loop (never called from inside send()). A new transfer to the same follower
// replaces an unfinished one.
//
// Thread rules: it lives on the node's loop thread (asio io_context `loop`).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include <asio.hpp>

#include "env/file_system.h"
#include "raft/types.h"
#include "storage/snapshot_store.h"
#include "transport/tcp_transport.h"

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

}  // namespace helios::node
