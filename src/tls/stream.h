#pragma once
// Stream: one TCP connection that is either plaintext or TLS, chosen when it is made, with
// the interface asio's composed operations need (asio::async_write, async_read_some), so
// that the transport and the client port use one code path for both.
//
// A TLS Stream must complete async_handshake() before any read or write; a plaintext one
// completes async_handshake() at once (posted, never inline). close() closes the socket
// without a TLS close_notify: callers close on errors, timeouts and shutdown, where waiting
// for the other end is never wanted.
//
// One TLS record carries at most 16 KiB and asio's SSL stream writes only the first buffer
// of a sequence per call: callers that gather many small buffers should join them first
// when is_tls() (PeerLink does).
//
// Not thread-safe: one strand (the io_context's single thread) drives a Stream.

#include <openssl/ssl.h>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/stream.hpp>
#include <optional>
#include <utility>

namespace helios::tls {

class Stream {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using Tls = asio::ssl::stream<asio::ip::tcp::socket>;

  // A plaintext stream.
  explicit Stream(asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}
  // A TLS stream over `socket`, using `context` (kept alive by the caller until the Stream
  // is destroyed).
  Stream(asio::ip::tcp::socket socket, asio::ssl::context& context)
      : tls_(std::in_place, std::move(socket), context) {}

  bool is_tls() const { return tls_.has_value(); }
  executor_type get_executor() { return socket().get_executor(); }
  asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  const asio::ip::tcp::socket& socket() const { return tls_ ? tls_->next_layer() : *plain_; }
  // The TLS connection (nullptr when plaintext).
  SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }

  template <typename Handler>
  void async_handshake(asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    if (tls_) {
      tls_->async_handshake(type, std::forward<Handler>(handler));
    } else {
      asio::post(socket().get_executor(),
                 [h = std::forward<Handler>(handler)]() mutable { h(asio::error_code()); });
    }
  }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  void close() {
    asio::error_code ignored;
    socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::optional<asio::ip::tcp::socket> plain_;
  std::optional<Tls> tls_;
};

}  // namespace helios::tls
