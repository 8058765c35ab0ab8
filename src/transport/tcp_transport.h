#pragma once
// TcpTransport: the Transport of a real node, over TCP on standalone asio.
//
// Runs on one asio::io_context, in one of two modes:
//   - its own (the first constructor): it owns the io_context and the one I/O thread that
//     runs it (start() spawns it, stop() joins it);
//   - the owner's (the second constructor): it runs on the owner's loop, whose thread is
//     then "the I/O thread" below. A node runs this way, so that a peer's message reaches
//     its Raft node without crossing threads (no hand-off, no wake-up). The owner runs the
//     loop; stop() must be called once the loop has stopped and its thread is joined.
// On that thread:
//   - one outbound connection per peer (PeerLink), used only for sending: connect with capped
//     exponential backoff, greet with kHello, require a kHelloAck from the expected node of
//     the expected cluster, then write the peer's bounded queue with gather writes;
//   - a listener whose inbound connections (InboundSession) must greet with kHello within
//     handshake_timeout_ms, are refused unless the cluster id matches and the node is one of
//     the peers, and then only carry kRaft frames from that node to this one.
//
// Peers change at runtime (membership changes): add_peer() adds a peer or moves it to a new
// address, remove_peer() forgets one (its outbound link stops, its inbound connection is
// closed, and a later hello from it is refused). A removed link is stopped on the I/O thread
// and kept (inert) until the transport is destroyed, so that its pending handlers stay valid.
//
// Threads: set_handler(), start(), stop() and the destructor from the owner's thread; send(),
// add_peer(), remove_peer(), peers(), peer_status(), queue_depth() and listen_port() from any
// thread. The handler runs on the I/O thread, one message at a time; it must not block (hand
// the message to the node's thread), throw, or call stop(). Messages sent before start()
// wait in the queues. A stopped transport stays stopped (start() returns kAborted): create a
// new one to restart.
//
// Limits (STYLE habit 7): per-peer queue (max_queue_messages, max_queue_bytes; bytes include
// frames being written), frame body (max_frame_bytes, both directions), handshake time,
// inbound connection count. A message that does not fit is dropped and counted.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "base/log_limiter.h"
#include "transport/frame_link.h"
#include "transport/inbound_session.h"
#include "transport/peer_link.h"
#include "transport/tcp_options.h"
#include "transport/transport.h"

namespace helios::transport {

class TcpTransport final : public Transport, public FrameLink, private InboundSession::Owner {
 public:
  // Asserts that the options are consistent (programmer errors): a cluster id, self set,
  // peers with distinct ids other than self and kNoNode, non-zero limits.
  explicit TcpTransport(TcpTransportOptions options);
  // On the owner's loop `io`, which must outlive the transport.
  TcpTransport(TcpTransportOptions options, asio::io_context& io);
  ~TcpTransport() override;

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  void set_handler(Handler handler) override;
  // Frames other than Raft messages (client commands forwarded between nodes): the handler
  // runs on the I/O thread like the message handler. Must be called before start().
  using AppHandler = std::function<void(NodeId from, wire::FrameType type, std::string body)>;
  void set_app_handler(AppHandler handler);
  // Any thread: queues a kForward or kForwardReply frame for `to` on the same bounded queue
  // as its Raft messages (so it arrives in order with them); false if it was dropped.
  bool send_app_frame(NodeId to, wire::FrameType type, std::string_view body);
  // The same for a frame already encoded whole (wire::seal_frame: a snapshot chunk built in
  // place), moved onto the queue without a copy.
  bool send_encoded_app_frame(NodeId to, std::string frame);
  // Any thread: takes the frames of `type` still queued for `to` (never handed to its socket,
  // so never sent) out of its queue and returns their bodies in send order; empty if none
  // or `to` is unknown. A caller that gave up on an answer learns what certainly never left.
  std::vector<std::string> withdraw_app_frames(NodeId to, wire::FrameType type);
  // Binds the listener (reuse_address) and spawns the I/O thread (on its own io_context).
  // kIoError if the address cannot be bound, kAborted after stop(). Calling it twice is a
  // programmer error.
  Status start() override;
  // On its own io_context: stops and joins the I/O thread. On the owner's: closes everything
  // at once, and asserts that the loop is stopped (its pending handlers never run; they are
  // destroyed with the io_context).
  void stop() override;
  void send(const raft::Message& m) override;
  std::vector<PeerStatus> peer_status() const override;

  // Any thread: adds `peer`, or moves it to peer's address (a new link: frames queued for the
  // old address are dropped). Nothing if it is known at that address already, or is self.
  void add_peer(const Peer& peer);
  // Any thread: forgets the peer (nothing if unknown).
  void remove_peer(NodeId id);
  // Any thread: the peers now, sorted by id.
  std::vector<Peer> peers() const;

  // The bound port after a successful start(); 0 before.
  std::uint16_t listen_port() const { return bound_port_.load(); }
  // Messages and bytes queued for `peer` (including the write in flight); zero if unknown.
  QueueDepth queue_depth(NodeId peer) const;
  // FrameLink (a snapshot sender's pacing): queue_depth(to).bytes, send_encoded_app_frame.
  std::uint64_t queued_bytes(NodeId to) const override { return queue_depth(to).bytes; }
  bool send_frame(NodeId to, std::string frame) override {
    return send_encoded_app_frame(to, std::move(frame));
  }

 private:
  // InboundSession::Owner, on the I/O thread.
  Status admit(const wire::HelloBody& hello) override;
  void on_greeted(NodeId peer, InboundSession* session) override;
  void on_message(NodeId peer, raft::Message message) override;
  void on_app_frame(NodeId peer, wire::FrameType type, std::string body) override;
  void on_closed(InboundSession* session) override;
  void on_bad_frame(NodeId peer) override;
  base::LogLimiter& refusal_limiter() override { return refusal_limiter_; }

  void init_links();  // the constructors' common part
  Status open_listener();
  void accept_next();
  void on_accepted(const asio::error_code& ec, asio::ip::tcp::socket socket);
  void shutdown_on_io_thread();

  const TcpTransportOptions options_;
  base::LogLimiter full_limiter_;  // "already N connections": once per address and second
  // Refused handshakes and bad frames: once per address and second (a port scanner or a
  // misconfigured node retrying must not flood the log).
  base::LogLimiter refusal_limiter_;
  std::unique_ptr<asio::io_context> own_io_;  // null on the owner's loop
  asio::io_context& io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_timer_;
  // The links by peer, guarded by links_mutex_. A PeerLink is never destroyed before the
  // transport: a removed one moves to retired_, so a pointer taken under the mutex stays
  // valid.
  mutable std::mutex links_mutex_;
  std::map<NodeId, std::unique_ptr<PeerLink>> links_;
  std::map<NodeId, Peer> peer_of_;  // the address of each link
  std::vector<std::unique_ptr<PeerLink>> retired_;
  bool links_started_ = false;  // start() posted the start of the links it had
  PeerLink* find_link(NodeId id) const;
  void retire_locked(NodeId id);
  Handler handler_;
  AppHandler app_handler_;

  // I/O thread only.
  bool shutting_down_ = false;
  std::map<InboundSession*, std::shared_ptr<InboundSession>> sessions_;
  std::map<NodeId, InboundSession*> greeted_;  // the newest greeted session of each peer

  std::mutex lifecycle_mutex_;  // start() and stop()
  bool started_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint16_t> bound_port_{0};
  std::thread io_thread_;
};

}  // namespace helios::transport
