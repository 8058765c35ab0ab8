#pragma once
// Configuration of TcpTransport (tcp_transport.h), shared with its connection classes.

#include <system_error>  // before asio's: see api/tcp_client_stream.h

#include <asio/ssl/context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/types.h"
#include "tls/credentials.h"
#include "wire/frame.h"

namespace helios::transport {

// Another member of the cluster: where its peer port listens.
struct Peer {
  NodeId id = kNoNode;
  std::string host;  // an IP address or a host name
  std::uint16_t port = 0;
};

struct TcpTransportOptions {
  std::string cluster_id;
  NodeId self = kNoNode;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: the OS picks one (read it back with listen_port())
  std::vector<Peer> peers;        // every other member; never self
  std::size_t max_queue_messages = 4096;
  std::size_t max_queue_bytes = std::size_t{64} << 20;
  std::uint32_t max_frame_bytes = wire::kDefaultMaxFrameBytes;  // frame body, both ways
  std::uint32_t backoff_initial_ms = 20;
  std::uint32_t backoff_max_ms = 1000;
  std::uint32_t handshake_timeout_ms = 5000;  // connect + hello/ack, both directions
  std::size_t max_inbound_connections = 64;   // greeted or not; more are closed at accept
  // Mutual TLS between peers (null: plaintext). Both ends present a certificate of the
  // cluster's CA that names the node: node-<id> (tls/context.h). The contexts are made by
  // TcpTransport from the credentials.
  std::shared_ptr<tls::Credentials> tls;
  std::shared_ptr<asio::ssl::context> tls_client;
  std::shared_ptr<asio::ssl::context> tls_server;
};

// What waits in one peer's queue, the frames of the write in flight included.
struct QueueDepth {
  std::size_t messages = 0;
  std::size_t bytes = 0;
};

}  // namespace helios::transport
