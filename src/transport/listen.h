#pragma once
// open_listener: a TCP listening socket as both of a node's ports make it (the peer port,
// transport/tcp_transport.h, and the client port, api/client_port.h): open, SO_REUSEADDR
// (a restarted node binds again at once), bind, listen with the system's backlog.

#include <system_error>  // before asio's: see api/tcp_client_stream.h

#include <asio.hpp>

namespace helios::transport {

// The error of the first step that failed (the acceptor is left to the caller to close).
inline asio::error_code open_listener(asio::ip::tcp::acceptor& acceptor,
                                      const asio::ip::tcp::endpoint& endpoint) {
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  return ec;
}

}  // namespace helios::transport
