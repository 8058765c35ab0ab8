#pragma once
// PeerLink: everything a TcpTransport keeps about one peer: the outbound connection used to
// send to it, the bounded queue of frames waiting for that connection, and the peer's
// counters (PeerStatus).
//
// Outbound connection, a state machine on the I/O thread:
//   kIdle -> kConnecting (resolve, connect) -> kHandshaking (kHello sent, waiting for the
//   kHelloAck) -> kConnected (writing the queue) -> on any failure kBackoff -> kConnecting.
// The wait in kBackoff starts at backoff_initial_ms, doubles after each failed attempt up to
// backoff_max_ms, and returns to backoff_initial_ms after a successful handshake. Connect and
// handshake together must finish within handshake_timeout_ms. kStopped is final.
//
// Threads: enqueue(), withdraw(), note_dropped(), status() and queue_depth() from any thread (they
// take mutex_, never block on I/O); start(), shutdown() and note_received() on the I/O thread.
// enqueue() on the I/O thread starts the write at once when none is in flight; from another
// thread it posts the start.
//
// Invariants: queued bytes and messages (queue_ plus writing_) stay within max_queue_bytes
// and max_queue_messages; at most one write is in flight; frames leave in enqueue order;
// a handler of an earlier attempt (attempt_ changed since) does nothing.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <asio.hpp>

#include "base/gather_buffer.h"
#include "tls/stream.h"
#include "transport/tcp_options.h"
#include "transport/transport.h"
#include "wire/frame.h"

namespace helios::transport {

class PeerLink {
 public:
  PeerLink(asio::io_context& io, const TcpTransportOptions& options, const Peer& peer);

  PeerLink(const PeerLink&) = delete;
  PeerLink& operator=(const PeerLink&) = delete;

  // Any thread. Queues one encoded kRaft frame, or drops it (and counts it) when the queue
  // is at its message or byte bound. True if queued.
  bool enqueue(base::GatherBuffer frame);
  // Any thread. Takes every frame of `type` that is still queued (not handed to the socket,
  // so certainly not sent) out of the queue and returns their bodies, in queue order.
  std::vector<std::string> withdraw(wire::FrameType type);
  void note_dropped();
  PeerStatus status() const;
  // Counts an error of this peer seen elsewhere (a bad frame on its inbound connection).
  void note_error(PeerError kind);
  QueueDepth queue_depth() const;

  // I/O thread.
  void start();
  // Closes the connection and cancels every timer; no attempt follows.
  void shutdown();
  void note_received(std::int64_t now_ms);

 private:
  enum class State { kIdle, kBackoff, kConnecting, kHandshaking, kConnected, kStopped };

  void connect();
  void on_connected(std::uint64_t attempt, const asio::error_code& ec);
  void on_tls_handshake(std::uint64_t attempt, const asio::error_code& ec);
  void send_hello(std::uint64_t attempt);
  void on_deadline(std::uint64_t attempt, const asio::error_code& ec);
  void read_hello_ack();
  void on_hello_ack_read(std::uint64_t attempt, const asio::error_code& ec, std::size_t n);
  bool check_hello_ack(const wire::Frame& frame);
  void on_greeted();
  void watch_for_close();
  void fail(PeerError kind, const std::string& reason);
  void schedule_retry();
  void on_flush_posted();
  void flush();
  void on_written(std::uint64_t attempt, const asio::error_code& ec);

  const TcpTransportOptions& options_;
  const Peer peer_;
  const std::string address_;  // "host:port", for logs and PeerStatus

  // I/O thread only.
  asio::io_context& io_;
  // The connection of the current attempt. Each attempt makes a new one (a TLS stream
  // cannot be reused); every handler holds a reference, so an old stream lives until its
  // cancelled operations have completed.
  std::shared_ptr<tls::Stream> stream_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer retry_timer_;
  asio::steady_timer deadline_timer_;
  State state_ = State::kIdle;
  std::uint64_t attempt_ = 0;  // bumped by fail(): handlers of older attempts do nothing
  std::uint32_t backoff_ms_;
  std::uint16_t peer_minor_ = 0;  // the wire minor version of its last hello ack
  wire::FrameDecoder handshake_decoder_;
  std::string hello_frame_;
  std::vector<char> read_buffer_;
  std::vector<asio::const_buffer> write_buffers_;
  std::string joined_;  // TLS: the frames of the write in flight, joined (tls/stream.h)
  bool write_in_flight_ = false;

  mutable std::mutex mutex_;
  // Guarded by mutex_ (writing_ is also only touched on the I/O thread).
  std::deque<base::GatherBuffer> queue_;
  std::vector<base::GatherBuffer> writing_;  // frames of the write in flight
  std::size_t queued_bytes_ = 0;             // queue_ and writing_
  bool flush_posted_ = false;                // an on_flush_posted() is on its way
  bool dropping_ = false;                    // the last enqueue() dropped (log once per episode)
  PeerStatus status_;
};

}  // namespace helios::transport
