#include "api/tcp_client_stream.h"

#include "tls/context.h"

namespace helios::api {

namespace {

std::string endpoint_text(const asio::ip::tcp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

tls::Stream make_stream(asio::ip::tcp::socket socket, asio::ssl::context* tls) {
  if (tls != nullptr) {
    return tls::Stream(std::move(socket), *tls);
  }
  return tls::Stream(std::move(socket));
}

}  // namespace

TcpClientStream::TcpClientStream(asio::ip::tcp::socket socket, asio::ssl::context* tls)
    : stream_(make_stream(std::move(socket), tls)) {
  asio::error_code ec;
  remote_ = endpoint_text(stream_.socket().remote_endpoint(ec));
  local_ = endpoint_text(stream_.socket().local_endpoint(ec));
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
}

void TcpClientStream::async_handshake(HandshakeHandler handler) {
  stream_.async_handshake(asio::ssl::stream_base::server,
                          [this, handler = std::move(handler)](const asio::error_code& ec) {
                            handler(ec, ec ? tls::verify_failure(stream_.ssl()) : std::string());
                          });
}

void TcpClientStream::async_read_some(char* into, std::size_t size, Handler handler) {
  stream_.async_read_some(asio::buffer(into, size), std::move(handler));
}

void TcpClientStream::async_write(const std::string& bytes, Handler handler) {
  asio::async_write(stream_, asio::buffer(bytes), std::move(handler));
}

}  // namespace helios::api
