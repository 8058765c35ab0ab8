#pragma once
// Transport: how a node's Raft messages reach its peers. The node calls send() from its own
// thread; messages from peers arrive through the handler, on the transport's I/O thread (the
// node must hand them over to its own thread). The simulator replaces this interface, not
// the node's logic.
//
// Delivery is best effort: a message may be dropped (peer down, queue full, connection
// lost) and Raft retries. Messages to one peer that are delivered arrive in order.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "raft/types.h"

namespace helios::transport {

// Why a peer's RPCs failed (helios_peer_rpc_errors_total{kind}): a connection refused or a
// name that does not resolve; an established connection reset or closed, or a failed write;
// a connection or handshake that timed out; a message dropped because the peer's queue was
// full; a frame, handshake or message from the peer that does not decode.
// kTls: the TLS handshake failed or the peer's certificate does not name the node it claims.
enum class PeerError : std::uint8_t { kRefused, kReset, kTimeout, kQueueFull, kBadFrame, kTls };
inline constexpr std::size_t kPeerErrorKinds = 6;
const char* peer_error_name(PeerError kind);  // "refused", "reset", "timeout", ...

struct PeerStatus {
  NodeId id = kNoNode;
  std::string address;                 // host:port
  bool connected = false;              // an outbound connection is established and greeted
  std::uint64_t sent = 0;              // messages written to the socket
  std::uint64_t received = 0;          // messages received from this peer
  std::uint64_t dropped = 0;           // messages dropped (queue full or peer unreachable)
  std::int64_t last_received_ms = -1;  // steady-clock ms of the last message, -1 if never
  std::uint64_t disconnects = 0;       // established outbound connections lost so far
  bool greeted = false;                // it has answered a hello since this node started
  std::uint16_t minor = 0;             // the wire minor of its latest hello answer
  std::array<std::uint64_t, kPeerErrorKinds> errors{};  // by PeerError
};

class Transport {
 public:
  using Handler = std::function<void(raft::Message message)>;

  virtual ~Transport() = default;
  // Must be called before start().
  virtual void set_handler(Handler handler) = 0;
  virtual Status start() = 0;
  // Stops accepting, closes every connection, joins the I/O thread. Idempotent.
  virtual void stop() = 0;
  // Queues the message for m.to. Never blocks; drops it when m.to is unknown or its queue
  // is full.
  virtual void send(const raft::Message& m) = 0;
  virtual std::vector<PeerStatus> peer_status() const = 0;
};

}  // namespace helios::transport
