#include "transport/inbound_session.h"

#include <chrono>
#include <utility>

#include "base/assert.h"
#include "base/log.h"
#include "tls/context.h"
#include "wire/frame.h"
#include "wire/version.h"

namespace helios::transport {

namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

tls::Stream make_stream(asio::ip::tcp::socket socket, const TcpTransportOptions& options) {
  if (options.tls_server) {
    return tls::Stream(std::move(socket), *options.tls_server);
  }
  return tls::Stream(std::move(socket));
}

std::string endpoint_text(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) {
    return "(unknown address)";
  }
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

InboundSession::InboundSession(asio::ip::tcp::socket socket, const TcpTransportOptions& options,
                               Owner& owner)
    : stream_(make_stream(std::move(socket), options)),
      options_(options),
      owner_(owner),
      remote_(endpoint_text(stream_.socket())),
      remote_ip_(remote_.substr(0, remote_.rfind(':'))),
      handshake_timer_(stream_.get_executor()),
      decoder_(options.max_frame_bytes),
      read_buffer_(kReadBufferBytes) {}

void InboundSession::start() {
  HELIOS_ASSERT(state_ == State::kAwaitingHello);
  handshake_timer_.expires_after(std::chrono::milliseconds(options_.handshake_timeout_ms));
  handshake_timer_.async_wait(
      [self = shared_from_this()](const asio::error_code& ec) { self->on_handshake_deadline(ec); });
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const asio::error_code& ec) { self->on_tls_handshake(ec); });
}

void InboundSession::on_tls_handshake(const asio::error_code& ec) {
  if (state_ == State::kClosed) {
    return;
  }
  if (ec) {
    const std::string why = stream_.is_tls() ? tls::verify_failure(stream_.ssl()) : "";
    refuse("TLS handshake failed: " + (why.empty() ? ec.message() : why));
    return;
  }
  read_more();
}

void InboundSession::close(const std::string& reason) {
  if (state_ == State::kClosed) {
    return;
  }
  // The owner may drop its reference in on_closed(); stay alive until this call returns.
  const std::shared_ptr<InboundSession> self = shared_from_this();
  state_ = State::kClosed;
  if (!reason.empty()) {
    log_limited("closing", reason);
  }
  stream_.close();
  handshake_timer_.cancel();
  owner_.on_closed(this);
}

void InboundSession::log_limited(const char* verb, const std::string& reason) {
  std::uint64_t suppressed = 0;
  if (owner_.refusal_limiter().allow(remote_ip_, steady_ms(), &suppressed)) {
    const std::string more =
        suppressed == 0 ? "" : " (" + std::to_string(suppressed) + " more from it not logged)";
    HELIOS_LOG_WARN("transport", "%s connection from %s: %s%s", verb, remote_.c_str(),
                    reason.c_str(), more.c_str());
  }
}

void InboundSession::refuse(const std::string& reason) {
  log_limited("refusing", reason);
  close("");
}

void InboundSession::note_bad_frame() {
  if (peer_ != kNoNode) {
    owner_.on_bad_frame(peer_);
  }
}

void InboundSession::read_more() {
  stream_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void InboundSession::on_read(const asio::error_code& ec, std::size_t n) {
  if (state_ == State::kClosed) {
    return;
  }
  if (ec) {
    // EOF is how a peer says goodbye (it stopped or restarts): not worth a warning.
    if (ec != asio::error::eof) {
      HELIOS_LOG_INFO("transport", "connection from %s ended: %s", remote_.c_str(),
                      ec.message().c_str());
    }
    close("");
    return;
  }
  decoder_.feed(std::string_view(read_buffer_.data(), n));
  for (;;) {
    Result<wire::FrameView> frame = decoder_.next_view();
    if (!frame.is_ok()) {
      if (frame.status().code() != Code::kUnavailable) {
        note_bad_frame();
        close("bad frame: " + frame.status().to_string());
        return;
      }
      break;
    }
    if (!on_frame(frame.value())) {
      return;
    }
  }
  read_more();
}

bool InboundSession::on_frame(const wire::FrameView& frame) {
  HELIOS_ASSERT(state_ != State::kClosed);
  if (state_ == State::kAwaitingHello) {
    return on_hello(frame);
  }
  return on_raft(frame);
}

bool InboundSession::on_hello(const wire::FrameView& frame) {
  if (frame.type != wire::FrameType::kHello) {
    close("the first frame has type " + std::to_string(static_cast<int>(frame.type)) +
          ", not hello");
    return false;
  }
  Result<wire::HelloBody> hello = wire::decode_hello(frame.body);
  if (!hello.is_ok()) {
    close("bad hello: " + hello.status().to_string());
    return false;
  }
  const Status admitted = owner_.admit(hello.value());
  if (!admitted.is_ok()) {
    refuse(admitted.message());
    return false;
  }
  if (stream_.is_tls()) {
    const std::string name = "node-" + std::to_string(hello.value().node_id);
    X509* cert = SSL_get0_peer_certificate(stream_.ssl());
    if (!tls::certificate_names(cert, name)) {
      char subject[256] = "no certificate";
      if (cert != nullptr) {
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
      }
      refuse("it claims to be " + name + " but its certificate is " + subject);
      return false;
    }
  }
  state_ = State::kGreeted;
  peer_ = hello.value().node_id;
  handshake_timer_.cancel();
  ack_frame_ = wire::encode_frame(
      wire::FrameType::kHelloAck,
      wire::encode_hello({options_.cluster_id, options_.self, wire::wire_minor()}));
  asio::async_write(stream_, asio::buffer(ack_frame_),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                      if (ec && self->state_ != State::kClosed) {
                        self->close("cannot send the hello ack: " + ec.message());
                      }
                    });
  // The peer's wire version: minors may differ (wire/version.h).
  HELIOS_LOG_INFO("transport", "accepted connection from peer %llu at %s (wire %u.%u)", ull(peer_),
                  remote_.c_str(), static_cast<unsigned>(wire::kProtocolVersion),
                  static_cast<unsigned>(hello.value().minor));
  owner_.on_greeted(peer_, this);
  return state_ != State::kClosed;
}

bool InboundSession::on_raft(const wire::FrameView& frame) {
  HELIOS_ASSERT(state_ == State::kGreeted);
  if (frame.type == wire::FrameType::kForward || frame.type == wire::FrameType::kForwardReply ||
      frame.type == wire::FrameType::kSnapshotChunk) {
    owner_.on_app_frame(peer_, frame.type, std::string(frame.body));
    return state_ != State::kClosed;
  }
  if (frame.type != wire::FrameType::kRaft) {
    close("unexpected frame type " + std::to_string(static_cast<int>(frame.type)));
    return false;
  }
  Result<raft::Message> message = wire::decode_message(frame.body);
  if (!message.is_ok()) {
    note_bad_frame();
    close("bad raft message: " + message.status().to_string());
    return false;
  }
  const raft::Message& m = message.value();
  if (m.from != peer_ || m.to != options_.self) {
    HELIOS_LOG_WARN("transport",
                    "dropping a message from %llu to %llu on the connection of peer %llu at %s",
                    ull(m.from), ull(m.to), ull(peer_), remote_.c_str());
    return true;
  }
  owner_.on_message(peer_, std::move(message).value());
  return state_ != State::kClosed;
}

void InboundSession::on_handshake_deadline(const asio::error_code& ec) {
  if (ec || state_ != State::kAwaitingHello) {
    return;
  }
  close("no hello within " + std::to_string(options_.handshake_timeout_ms) + " ms");
}

}  // namespace helios::transport
