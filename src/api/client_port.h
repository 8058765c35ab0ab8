#pragma once
// ClientPort: the client port of a real node: listens on [client] listen, accepts TCP
// connections on the runtime's loop thread and hands each to the node's Server (server.h)
// as a TcpClientStream (TLS when [tls] client_tls: with require_client_cert the client must
// present a certificate of the cluster's CA). One connection beyond max_connections is told
// "-ERR max number of clients reached" and closed (with TLS, just closed). The Server itself
// closes connections past handshake_timeout or timeout (Server::sweep).
//
// Threads: install() before runtime.start(); start() after it and stop() before
// runtime.stop(), from the controlling thread.

#include <atomic>
#include <cstdint>
#include <memory>

#include <asio.hpp>

#include "api/server.h"
#include "node/config.h"
#include "node/runtime.h"

namespace helios::api {

class ClientPort {
 public:
  ClientPort(node::Runtime& runtime, const node::NodeConfig& config);
  ~ClientPort();
  ClientPort(const ClientPort&) = delete;
  ClientPort& operator=(const ClientPort&) = delete;

  void install();
  // Loads the users, binds [client] listen and starts accepting. kIoError if the address
  // cannot be bound.
  Status start();
  // Closes the listener and every connection; waits for the loop thread to do it.
  void stop();
  // The bound port after start() (useful with port 0 in tests).
  std::uint16_t port() const { return port_.load(); }
  Server& server() { return server_; }

 private:
  void accept_next();

  node::Runtime& runtime_;
  const node::NodeConfig& config_;
  Server server_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<std::uint16_t> port_{0};
  bool started_ = false;
  std::shared_ptr<asio::ssl::context> tls_;  // client_tls: the sessions' context
};

}  // namespace helios::api
