#pragma once
// TcpClientStream: a ClientStream on an accepted TCP socket, plaintext or TLS (tls::Stream),
// driven by the io_context the socket belongs to (the runtime's loop thread). Sets
// TCP_NODELAY; close() closes the socket without a TLS close_notify (tls/stream.h).

// A standard header before asio's: asio 1.24 decides how it allocates handler memory
// (aligned_alloc or operator new) from libstdc++'s configuration, which only a standard
// header brings in. A translation unit that reaches asio first decides otherwise than the
// rest, and memory allocated one way is freed the other (the sanitizer preset's
// alloc-dealloc-mismatch).
#include <string>

#include <asio.hpp>

#include "api/client_stream.h"
#include "tls/stream.h"

namespace helios::api {

class TcpClientStream final : public ClientStream {
 public:
  // With `tls` set, a TLS server stream (the context outlives it: the ClientPort holds it).
  TcpClientStream(asio::ip::tcp::socket socket, asio::ssl::context* tls);

  std::string remote() const override { return remote_; }
  std::string local() const override { return local_; }
  bool is_tls() const override { return stream_.is_tls(); }
  void async_handshake(HandshakeHandler handler) override;
  void async_read_some(char* into, std::size_t size, Handler handler) override;
  void async_write(const std::string& bytes, Handler handler) override;
  void close() override { stream_.close(); }

 private:
  tls::Stream stream_;
  std::string remote_;
  std::string local_;
};

}  // namespace helios::api
