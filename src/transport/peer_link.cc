#include "transport/peer_link.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/assert.h"
#include "base/log.h"
#include "tls/context.h"
#include "wire/raft_codec.h"
#include "wire/version.h"

namespace helios::transport {

namespace {

// One gather write takes at most this many frames and bytes (but always at least one frame).
constexpr std::size_t kWriteBatchFramesMax = 64;
constexpr std::size_t kWriteBatchBytesMax = std::size_t{4} << 20;
constexpr std::size_t kReadBufferBytes = 4096;  // outbound reads only the ack and an EOF

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

}  // namespace

PeerLink::PeerLink(asio::io_context& io, const TcpTransportOptions& options, const Peer& peer)
    : options_(options),
      peer_(peer),
      address_(peer.host + ":" + std::to_string(peer.port)),
      io_(io),
      resolver_(io),
      retry_timer_(io),
      deadline_timer_(io),
      backoff_ms_(options.backoff_initial_ms),
      handshake_decoder_(options.max_frame_bytes),
      hello_frame_(wire::encode_frame(
          wire::FrameType::kHello,
          wire::encode_hello({options.cluster_id, options.self, wire::wire_minor()}))),
      read_buffer_(kReadBufferBytes) {
  HELIOS_ASSERT(peer.id != kNoNode);
  HELIOS_ASSERT(peer.id != options.self);
  status_.id = peer.id;
  status_.address = address_;
}

bool PeerLink::enqueue(base::GatherBuffer frame) {
  HELIOS_ASSERT(frame.bytes().size() >= wire::kFrameHeaderSize);
  bool post = false;
  bool queued = false;
  bool log_full = false;
  std::size_t messages = 0;
  std::size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    messages = queue_.size() + writing_.size();
    bytes = queued_bytes_;
    if (messages >= options_.max_queue_messages ||
        frame.size() > options_.max_queue_bytes - std::min(bytes, options_.max_queue_bytes)) {
      ++status_.dropped;
      ++status_.errors[static_cast<std::size_t>(PeerError::kQueueFull)];
      log_full = !dropping_;
      dropping_ = true;
    } else {
      dropping_ = false;
      queued = true;
      queued_bytes_ += frame.size();
      queue_.push_back(std::move(frame));
      post = !flush_posted_;
      flush_posted_ = true;
    }
  }
  if (log_full) {
    HELIOS_LOG_WARN("transport", "queue to peer %llu is full (%zu messages, %zu bytes): dropping",
                    ull(peer_.id), messages, bytes);
  }
  if (post) {
    if (io_.get_executor().running_in_this_thread()) {
      // On the link's own thread (a node's loop): the write starts now, so a message leaves
      // before whatever its sender does next (the leader's WAL write). Frames enqueued while
      // it is in flight go out together in the next gather write.
      on_flush_posted();
    } else {
      asio::post(io_, [this] { on_flush_posted(); });
    }
  }
  return queued;
}

std::vector<std::string> PeerLink::withdraw(wire::FrameType type) {
  constexpr std::size_t kTypeOffset = 6;  // wire/frame.h: the frame type byte
  std::vector<std::string> bodies;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (static_cast<std::uint8_t>(it->bytes()[kTypeOffset]) != static_cast<std::uint8_t>(type)) {
      ++it;
      continue;
    }
    HELIOS_ASSERT(queued_bytes_ >= it->size());
    queued_bytes_ -= it->size();
    HELIOS_ASSERT(!it->has_splices());  // application frames are built as one string
    bodies.push_back(it->bytes().substr(wire::kFrameHeaderSize));
    it = queue_.erase(it);
  }
  return bodies;
}

void PeerLink::note_dropped() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++status_.dropped;
}

void PeerLink::note_error(PeerError kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++status_.errors[static_cast<std::size_t>(kind)];
}

PeerStatus PeerLink::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

QueueDepth PeerLink::queue_depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return QueueDepth{queue_.size() + writing_.size(), queued_bytes_};
}

void PeerLink::note_received(std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++status_.received;
  status_.last_received_ms = now_ms;
}

void PeerLink::start() {
  HELIOS_ASSERT(state_ == State::kIdle);
  connect();
}

void PeerLink::shutdown() {
  state_ = State::kStopped;
  ++attempt_;
  if (stream_) {
    stream_->close();
  }
  retry_timer_.cancel();
  deadline_timer_.cancel();
  resolver_.cancel();
  std::lock_guard<std::mutex> lock(mutex_);
  status_.connected = false;
}

void PeerLink::connect() {
  HELIOS_ASSERT(state_ == State::kIdle || state_ == State::kBackoff);
  state_ = State::kConnecting;
  const std::uint64_t attempt = attempt_;
  deadline_timer_.expires_after(std::chrono::milliseconds(options_.handshake_timeout_ms));
  deadline_timer_.async_wait(
      [this, attempt](const asio::error_code& ec) { on_deadline(attempt, ec); });

  if (options_.tls_client) {
    stream_ = std::make_shared<tls::Stream>(asio::ip::tcp::socket(io_), *options_.tls_client);
  } else {
    stream_ = std::make_shared<tls::Stream>(asio::ip::tcp::socket(io_));
  }
  asio::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(peer_.host, ec);
  if (!ec) {
    stream_->socket().async_connect(
        asio::ip::tcp::endpoint(ip, peer_.port),
        [this, attempt, keep = stream_](const asio::error_code& e) { on_connected(attempt, e); });
    return;
  }
  // A host name: resolve it on every attempt (its address may change while it is down).
  resolver_.async_resolve(
      peer_.host, std::to_string(peer_.port),
      [this, attempt](const asio::error_code& resolve_ec,
                      const asio::ip::tcp::resolver::results_type& endpoints) {
        if (attempt != attempt_) {
          return;
        }
        if (resolve_ec) {
          fail(PeerError::kRefused, "cannot resolve " + peer_.host + ": " + resolve_ec.message());
          return;
        }
        asio::async_connect(stream_->socket(), endpoints,
                            [this, attempt, keep = stream_](const asio::error_code& connect_ec,
                                                            const asio::ip::tcp::endpoint&) {
                              on_connected(attempt, connect_ec);
                            });
      });
}

void PeerLink::on_connected(std::uint64_t attempt, const asio::error_code& ec) {
  if (attempt != attempt_) {
    return;
  }
  HELIOS_ASSERT(state_ == State::kConnecting);
  if (ec) {
    fail(ec == asio::error::timed_out ? PeerError::kTimeout : PeerError::kRefused,
         "cannot connect: " + ec.message());
    return;
  }
  asio::error_code option_ec;
  stream_->socket().set_option(asio::ip::tcp::no_delay(true), option_ec);
  state_ = State::kHandshaking;
  if (stream_->is_tls()) {
    tls::prepare_client(stream_->ssl(), *options_.tls);
  }
  stream_->async_handshake(asio::ssl::stream_base::client,
                           [this, attempt, keep = stream_](const asio::error_code& tls_ec) {
                             on_tls_handshake(attempt, tls_ec);
                           });
}

// TLS: the server's certificate is signed by the CA (checked by OpenSSL) and names the
// node this link is for (checked here). Plaintext: completes at once.
void PeerLink::on_tls_handshake(std::uint64_t attempt, const asio::error_code& ec) {
  if (attempt != attempt_) {
    return;
  }
  if (ec) {
    const std::string why = stream_->is_tls() ? tls::verify_failure(stream_->ssl()) : "";
    fail(PeerError::kTls, "TLS handshake failed: " + (why.empty() ? ec.message() : why));
    return;
  }
  if (stream_->is_tls()) {
    const std::string name = "node-" + std::to_string(peer_.id);
    if (!tls::certificate_names(SSL_get0_peer_certificate(stream_->ssl()), name)) {
      fail(PeerError::kTls, "its certificate does not name " + name);
      return;
    }
  }
  send_hello(attempt);
}

void PeerLink::send_hello(std::uint64_t attempt) {
  handshake_decoder_ = wire::FrameDecoder(options_.max_frame_bytes);
  asio::async_write(*stream_, asio::buffer(hello_frame_),
                    [this, attempt, keep = stream_](const asio::error_code& write_ec, std::size_t) {
                      if (attempt == attempt_ && write_ec) {
                        fail(PeerError::kReset, "cannot send hello: " + write_ec.message());
                      }
                    });
  read_hello_ack();
}

void PeerLink::on_deadline(std::uint64_t attempt, const asio::error_code& ec) {
  if (attempt != attempt_ || ec) {
    return;
  }
  if (state_ == State::kConnecting || state_ == State::kHandshaking) {
    fail(PeerError::kTimeout, "no connection and handshake within " +
                                  std::to_string(options_.handshake_timeout_ms) + " ms");
  }
}

void PeerLink::read_hello_ack() {
  const std::uint64_t attempt = attempt_;
  stream_->async_read_some(
      asio::buffer(read_buffer_),
      [this, attempt, keep = stream_](const asio::error_code& ec, std::size_t n) {
        on_hello_ack_read(attempt, ec, n);
      });
}

void PeerLink::on_hello_ack_read(std::uint64_t attempt, const asio::error_code& ec, std::size_t n) {
  if (attempt != attempt_) {
    return;
  }
  HELIOS_ASSERT(state_ == State::kHandshaking);
  if (ec) {
    fail(ec == asio::error::eof ? PeerError::kRefused : PeerError::kReset,
         ec == asio::error::eof ? "closed during the handshake (refused?)"
                                : "handshake read failed: " + ec.message());
    return;
  }
  handshake_decoder_.feed(std::string_view(read_buffer_.data(), n));
  Result<wire::Frame> frame = handshake_decoder_.next();
  if (!frame.is_ok() && frame.status().code() == Code::kUnavailable) {
    read_hello_ack();
    return;
  }
  if (!frame.is_ok()) {
    fail(PeerError::kBadFrame, "bad handshake frame: " + frame.status().to_string());
    return;
  }
  if (!check_hello_ack(frame.value())) {
    fail(PeerError::kBadFrame, "unexpected hello ack");
    return;
  }
  if (handshake_decoder_.buffered() != 0) {
    fail(PeerError::kBadFrame, "unexpected bytes after the hello ack");
    return;
  }
  on_greeted();
}

bool PeerLink::check_hello_ack(const wire::Frame& frame) {
  if (frame.type != wire::FrameType::kHelloAck) {
    HELIOS_LOG_WARN("transport", "peer %llu at %s answered the hello with frame type %d",
                    ull(peer_.id), address_.c_str(), static_cast<int>(frame.type));
    return false;
  }
  Result<wire::HelloBody> hello = wire::decode_hello(frame.body);
  if (!hello.is_ok()) {
    HELIOS_LOG_WARN("transport", "peer %llu at %s sent a bad hello ack: %s", ull(peer_.id),
                    address_.c_str(), hello.status().to_string().c_str());
    return false;
  }
  const wire::HelloBody& ack = hello.value();
  if (ack.cluster_id != options_.cluster_id || ack.node_id != peer_.id) {
    HELIOS_LOG_WARN("transport",
                    "peer %llu at %s answered as node %llu of cluster '%s' (expected node %llu "
                    "of cluster '%s'): closing",
                    ull(peer_.id), address_.c_str(), ull(ack.node_id), ack.cluster_id.c_str(),
                    ull(peer_.id), options_.cluster_id.c_str());
    return false;
  }
  peer_minor_ = ack.minor;
  return true;
}

void PeerLink::on_greeted() {
  state_ = State::kConnected;
  deadline_timer_.cancel();
  backoff_ms_ = options_.backoff_initial_ms;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.connected = true;
    status_.greeted = true;
    status_.minor = peer_minor_;
  }
  HELIOS_LOG_INFO("transport", "connected to peer %llu at %s (wire %u.%u)", ull(peer_.id),
                  address_.c_str(), static_cast<unsigned>(wire::kProtocolVersion),
                  static_cast<unsigned>(peer_minor_));
  watch_for_close();
  flush();
}

// The acceptor never sends after its ack: a read completes only when the connection ends.
void PeerLink::watch_for_close() {
  const std::uint64_t attempt = attempt_;
  stream_->async_read_some(
      asio::buffer(read_buffer_),
      [this, attempt, keep = stream_](const asio::error_code& ec, std::size_t) {
        if (attempt != attempt_) {
          return;
        }
        if (!ec) {
          fail(PeerError::kBadFrame, "unexpected data from the peer");
        } else if (ec == asio::error::eof) {
          fail(PeerError::kReset, "the peer closed the connection");
        } else {
          fail(PeerError::kReset, ec.message());
        }
      });
}

void PeerLink::fail(PeerError kind, const std::string& reason) {
  HELIOS_ASSERT(state_ != State::kStopped);
  HELIOS_ASSERT(state_ != State::kBackoff);
  const bool was_connected = state_ == State::kConnected;
  ++attempt_;
  stream_->close();
  deadline_timer_.cancel();
  resolver_.cancel();
  write_in_flight_ = false;
  std::size_t lost = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.connected = false;
    ++status_.errors[static_cast<std::size_t>(kind)];
    if (was_connected) {
      ++status_.disconnects;
    }
    lost = writing_.size();
    status_.dropped += lost;
    for (const base::GatherBuffer& frame : writing_) {
      queued_bytes_ -= frame.size();
    }
    writing_.clear();
  }
  if (was_connected) {
    HELIOS_LOG_WARN("transport", "lost connection to peer %llu at %s: %s (%zu messages lost)",
                    ull(peer_.id), address_.c_str(), reason.c_str(), lost);
  } else if (kind == PeerError::kTls) {  // a misconfiguration or an impostor: say so
    HELIOS_LOG_WARN("transport", "refusing peer %llu at %s: %s; retrying in %u ms", ull(peer_.id),
                    address_.c_str(), reason.c_str(), backoff_ms_);
  } else {
    HELIOS_LOG_DEBUG("transport", "cannot reach peer %llu at %s: %s; retrying in %u ms",
                     ull(peer_.id), address_.c_str(), reason.c_str(), backoff_ms_);
  }
  schedule_retry();
}

void PeerLink::schedule_retry() {
  state_ = State::kBackoff;
  const std::uint64_t attempt = attempt_;
  retry_timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
  retry_timer_.async_wait([this, attempt](const asio::error_code& ec) {
    if (attempt == attempt_ && !ec) {
      connect();
    }
  });
  const std::uint64_t doubled = std::uint64_t{backoff_ms_} * 2;
  backoff_ms_ =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(doubled, options_.backoff_max_ms));
}

void PeerLink::on_flush_posted() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    flush_posted_ = false;
  }
  flush();
}

// Starts one gather write of the oldest queued frames, if connected and no write is in flight.
void PeerLink::flush() {
  if (state_ != State::kConnected || write_in_flight_) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    HELIOS_ASSERT(writing_.empty());
    std::size_t bytes = 0;
    while (!queue_.empty() && writing_.size() < kWriteBatchFramesMax &&
           (writing_.empty() || bytes + queue_.front().size() <= kWriteBatchBytesMax)) {
      bytes += queue_.front().size();
      writing_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (writing_.empty()) {
    return;
  }
  write_buffers_.clear();
  if (stream_->is_tls()) {
    joined_.clear();
    for (const base::GatherBuffer& frame : writing_) {
      frame.for_each_piece([this](std::string_view piece) { joined_.append(piece); });
    }
    write_buffers_.push_back(asio::buffer(joined_));
  } else {
    // One gather write: each frame's own bytes and the log's shared entry data it splices.
    for (const base::GatherBuffer& frame : writing_) {
      frame.for_each_piece(
          [this](std::string_view piece) { write_buffers_.push_back(asio::buffer(piece)); });
    }
  }
  write_in_flight_ = true;
  const std::uint64_t attempt = attempt_;
  asio::async_write(*stream_, write_buffers_,
                    [this, attempt, keep = stream_](const asio::error_code& ec, std::size_t) {
                      on_written(attempt, ec);
                    });
}

void PeerLink::on_written(std::uint64_t attempt, const asio::error_code& ec) {
  if (attempt != attempt_) {
    return;
  }
  HELIOS_ASSERT(write_in_flight_);
  if (ec) {
    fail(PeerError::kReset, "write failed: " + ec.message());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.sent += writing_.size();
    for (const base::GatherBuffer& frame : writing_) {
      HELIOS_ASSERT(queued_bytes_ >= frame.size());
      queued_bytes_ -= frame.size();
    }
    writing_.clear();
  }
  write_in_flight_ = false;
  flush();
}

}  // namespace helios::transport
