#pragma once
// InboundSession: one accepted peer connection, on the receiving side.
//
// States, on the I/O thread:
//   kAwaitingHello: the first frame must be a kHello within handshake_timeout_ms; the owner
//     admits it (cluster id and node id) or the connection is refused (a log line naming the
//     remote address and the reason) and closed;
//   kGreeted: a kHelloAck carrying this node's HelloBody has been queued; from now on every
//     frame must be a kRaft frame holding one raft::Message from the greeted node to this
//     node, or a kForward / kForwardReply frame handed to the owner as it is. A message with
//     another sender or receiver is dropped with a log line; a frame or message that does not
//     decode closes this connection (and only this one);
//   kClosed: final; the owner has been told (on_closed) exactly once.
//
// Threads: everything on the I/O thread. The session keeps itself alive through the
// shared_ptr captured by its pending handlers; the owner holds one more until on_closed().
// Memory: the frame decoder holds at most one frame (max_frame_bytes) plus one read.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "base/log_limiter.h"
#include "base/status.h"
#include "raft/types.h"
#include "tls/stream.h"
#include "transport/tcp_options.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::transport {

class InboundSession : public std::enable_shared_from_this<InboundSession> {
 public:
  // What the session needs from the transport; every call on the I/O thread.
  class Owner {
   public:
    virtual ~Owner() = default;
    // OK to accept the hello, else the reason for refusing it (logged by the session).
    virtual Status admit(const wire::HelloBody& hello) = 0;
    virtual void on_greeted(NodeId peer, InboundSession* session) = 0;
    // A message from `peer` to this node (already checked).
    virtual void on_message(NodeId peer, raft::Message message) = 0;
    // A kForward or kForwardReply frame from `peer` (its body is not interpreted here).
    virtual void on_app_frame(NodeId peer, wire::FrameType type, std::string body) = 0;
    virtual void on_closed(InboundSession* session) = 0;
    // A greeted peer sent a frame or message that does not decode (it is then closed).
    virtual void on_bad_frame(NodeId peer) = 0;
    // Limits refusal and close lines to one per remote address and second, per transport.
    virtual base::LogLimiter& refusal_limiter() = 0;
  };

  // With options.tls_server set, the connection starts with a TLS handshake in which the
  // peer must present a certificate of the cluster's CA, and its hello must claim the node
  // that certificate names (tls/context.h), else the connection is refused with a log line
  // saying which check failed.
  InboundSession(asio::ip::tcp::socket socket, const TcpTransportOptions& options, Owner& owner);

  InboundSession(const InboundSession&) = delete;
  InboundSession& operator=(const InboundSession&) = delete;

  // Starts the handshake timer and the first read.
  void start();
  // Closes the socket and tells the owner (once). `reason` is logged when not empty.
  void close(const std::string& reason);

  const std::string& remote() const { return remote_; }
  NodeId peer() const { return peer_; }

 private:
  enum class State { kAwaitingHello, kGreeted, kClosed };

  void on_tls_handshake(const asio::error_code& ec);
  // A warning "<verb> connection from <address>: <reason>", at most once per remote address
  // and second (base/log_limiter.h).
  void log_limited(const char* verb, const std::string& reason);
  // Logs "refusing connection from ..." (limited) and closes.
  void refuse(const std::string& reason);
  void read_more();
  void on_read(const asio::error_code& ec, std::size_t n);
  // Returns false once the session is closed.
  // A frame as a view into decoder_'s buffer (valid until the next decoder_ call).
  bool on_frame(const wire::FrameView& frame);
  bool on_hello(const wire::FrameView& frame);
  bool on_raft(const wire::FrameView& frame);
  void on_handshake_deadline(const asio::error_code& ec);

  tls::Stream stream_;
  const TcpTransportOptions& options_;
  Owner& owner_;
  std::string remote_;     // "ip:port" of the other end, for logs
  std::string remote_ip_;  // the key of the log limiter
  asio::steady_timer handshake_timer_;
  State state_ = State::kAwaitingHello;
  NodeId peer_ = kNoNode;  // set once greeted
  void note_bad_frame();
  wire::FrameDecoder decoder_;
  std::vector<char> read_buffer_;
  std::string ack_frame_;  // kept alive while its write is in flight
};

}  // namespace helios::transport
