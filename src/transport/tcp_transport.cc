#include "transport/tcp_transport.h"

#include <chrono>
#include <set>
#include <system_error>
#include <utility>

#include "base/assert.h"
#include "base/log.h"
#include "tls/context.h"
#include "transport/listen.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::transport {

const char* peer_error_name(PeerError kind) {
  switch (kind) {
    case PeerError::kRefused:
      return "refused";
    case PeerError::kReset:
      return "reset";
    case PeerError::kTimeout:
      return "timeout";
    case PeerError::kQueueFull:
      return "queue_full";
    case PeerError::kBadFrame:
      return "bad_frame";
    case PeerError::kTls:
      return "tls";
  }
  return "unknown";
}

namespace {

// After a failed accept (out of file descriptors, say), wait this long before the next one.
constexpr int kAcceptRetryMs = 100;

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void check_options(const TcpTransportOptions& options) {
  HELIOS_ASSERT(!options.cluster_id.empty());
  HELIOS_ASSERT(options.self != kNoNode);
  HELIOS_ASSERT(options.max_queue_messages > 0);
  HELIOS_ASSERT(options.max_queue_bytes > 0);
  HELIOS_ASSERT(options.max_frame_bytes > 0);
  HELIOS_ASSERT(options.backoff_initial_ms > 0);
  HELIOS_ASSERT(options.backoff_initial_ms <= options.backoff_max_ms);
  HELIOS_ASSERT(options.handshake_timeout_ms > 0);
  HELIOS_ASSERT(options.max_inbound_connections > 0);
  std::set<NodeId> ids;
  for (const Peer& peer : options.peers) {
    HELIOS_ASSERT(peer.id != kNoNode);
    HELIOS_ASSERT_MSG(peer.id != options.self, "peers must not include self");
    HELIOS_ASSERT_MSG(ids.insert(peer.id).second, "duplicate peer id");
  }
}

// The options with their TLS contexts made (when TLS is on). Peers always authenticate each
// other: the server side requires a certificate too.
TcpTransportOptions with_tls_contexts(TcpTransportOptions options) {
  if (options.tls) {
    options.tls_server = tls::server_context(*options.tls, tls::ClientCert::kRequired);
    options.tls_client = tls::client_context(*options.tls);
  }
  return options;
}

}  // namespace

TcpTransport::TcpTransport(TcpTransportOptions options)
    : options_(with_tls_contexts(std::move(options))),
      own_io_(std::make_unique<asio::io_context>()),
      io_(*own_io_),
      work_(asio::make_work_guard(io_)),
      acceptor_(io_),
      accept_retry_timer_(io_) {
  init_links();
}

TcpTransport::TcpTransport(TcpTransportOptions options, asio::io_context& io)
    : options_(with_tls_contexts(std::move(options))),
      io_(io),
      acceptor_(io_),
      accept_retry_timer_(io_) {
  init_links();
}

void TcpTransport::init_links() {
  check_options(options_);
  for (const Peer& peer : options_.peers) {
    links_.emplace(peer.id, std::make_unique<PeerLink>(io_, options_, peer));
    peer_of_.emplace(peer.id, peer);
  }
}

PeerLink* TcpTransport::find_link(NodeId id) const {
  std::lock_guard<std::mutex> lock(links_mutex_);
  const auto it = links_.find(id);
  return it == links_.end() ? nullptr : it->second.get();
}

void TcpTransport::retire_locked(NodeId id) {
  const auto it = links_.find(id);
  if (it == links_.end()) {
    return;
  }
  PeerLink* link = it->second.get();
  retired_.push_back(std::move(it->second));
  links_.erase(it);
  peer_of_.erase(id);
  if (links_started_) {
    asio::post(io_, [this, link, id] {
      link->shutdown();
      const auto session = greeted_.find(id);
      if (session != greeted_.end()) {
        session->second->close("peer " + std::to_string(id) + " was removed");
      }
    });
  }
}

void TcpTransport::add_peer(const Peer& peer) {
  HELIOS_ASSERT(peer.id != kNoNode && peer.port != 0);
  if (peer.id == options_.self) {
    return;
  }
  std::lock_guard<std::mutex> lock(links_mutex_);
  const auto known = peer_of_.find(peer.id);
  if (known != peer_of_.end()) {
    if (known->second.host == peer.host && known->second.port == peer.port) {
      return;
    }
    HELIOS_LOG_INFO("transport", "peer %llu moves from %s:%u to %s:%u", ull(peer.id),
                    known->second.host.c_str(), static_cast<unsigned>(known->second.port),
                    peer.host.c_str(), static_cast<unsigned>(peer.port));
    retire_locked(peer.id);
  } else {
    HELIOS_LOG_INFO("transport", "new peer %llu at %s:%u", ull(peer.id), peer.host.c_str(),
                    static_cast<unsigned>(peer.port));
  }
  auto link = std::make_unique<PeerLink>(io_, options_, peer);
  PeerLink* raw = link.get();
  links_.emplace(peer.id, std::move(link));
  peer_of_.emplace(peer.id, peer);
  if (links_started_) {
    asio::post(io_, [this, raw] {
      if (!shutting_down_) {
        raw->start();
      }
    });
  }
}

void TcpTransport::remove_peer(NodeId id) {
  std::lock_guard<std::mutex> lock(links_mutex_);
  if (peer_of_.count(id) != 0) {
    HELIOS_LOG_INFO("transport", "forgetting peer %llu", ull(id));
  }
  retire_locked(id);
}

std::vector<Peer> TcpTransport::peers() const {
  std::lock_guard<std::mutex> lock(links_mutex_);
  std::vector<Peer> out;
  for (const auto& [id, peer] : peer_of_) {
    out.push_back(peer);
  }
  return out;
}

TcpTransport::~TcpTransport() {
  stop();
}

void TcpTransport::set_handler(Handler handler) {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  HELIOS_ASSERT_MSG(!started_, "set_handler() after start()");
  handler_ = std::move(handler);
}

Status TcpTransport::start() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (stopped_.load()) {
    return Status(Code::kAborted, "the transport was stopped; create a new one");
  }
  HELIOS_ASSERT_MSG(!started_, "start() called twice");
  HELIOS_ASSERT_MSG(handler_ != nullptr, "start() without a handler");
  Status listening = open_listener();
  if (!listening.is_ok()) {
    return listening;
  }
  std::vector<PeerLink*> initial;
  {
    std::lock_guard<std::mutex> links_lock(links_mutex_);
    for (auto& [id, link] : links_) {
      initial.push_back(link.get());
    }
    links_started_ = true;
  }
  asio::post(io_, [this, initial] {
    accept_next();
    for (PeerLink* link : initial) {
      if (!shutting_down_) {
        link->start();
      }
    }
  });
  try {
    if (own_io_ != nullptr) {
      io_thread_ = std::thread([this] { io_.run(); });
    }
  } catch (const std::system_error& e) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return Status(Code::kInternal, std::string("cannot start the I/O thread: ") + e.what());
  }
  started_ = true;
  HELIOS_LOG_INFO("transport", "node %llu listening for peers on %s:%u", ull(options_.self),
                  options_.listen_host.c_str(), static_cast<unsigned>(bound_port_.load()));
  return Status::ok();
}

Status TcpTransport::open_listener() {
  const std::string where = options_.listen_host + ":" + std::to_string(options_.listen_port);
  asio::error_code ec;
  asio::ip::address ip = asio::ip::make_address(options_.listen_host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(io_);
    const auto results = resolver.resolve(options_.listen_host, "", ec);
    if (ec || results.empty()) {
      return Status(Code::kInvalidArgument, "cannot resolve listen host " + where + ": " +
                                                (ec ? ec.message() : "no address"));
    }
    ip = results.begin()->endpoint().address();
  }
  const asio::ip::tcp::endpoint endpoint(ip, options_.listen_port);
  ec = transport::open_listener(acceptor_, endpoint);
  asio::ip::tcp::endpoint bound;
  if (!ec) {
    bound = acceptor_.local_endpoint(ec);
  }
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return Status(Code::kIoError, "cannot listen on " + where + ": " + ec.message());
  }
  bound_port_ = bound.port();
  return Status::ok();
}

void TcpTransport::stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (stopped_.exchange(true) || !started_) {
    return;
  }
  if (own_io_ == nullptr) {
    // The owner's loop has stopped: no handler of ours runs any more, so this thread may
    // close everything (what the closing completes is destroyed with the io_context).
    HELIOS_ASSERT_MSG(io_.stopped(), "stop() while the owner's loop still runs");
    shutdown_on_io_thread();
    HELIOS_LOG_INFO("transport", "node %llu stopped its transport", ull(options_.self));
    return;
  }
  HELIOS_ASSERT_MSG(std::this_thread::get_id() != io_thread_.get_id(),
                    "stop() called from the transport's handler");
  asio::post(io_, [this] { shutdown_on_io_thread(); });
  work_.reset();
  io_thread_.join();
  HELIOS_ASSERT(sessions_.empty());
  HELIOS_LOG_INFO("transport", "node %llu stopped its transport", ull(options_.self));
}

// Stops intake, then closes everything; pending handlers then complete with errors and
// schedule nothing new, so io_.run() returns once they have drained.
void TcpTransport::shutdown_on_io_thread() {
  shutting_down_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  {
    std::lock_guard<std::mutex> lock(links_mutex_);
    for (auto& [id, link] : links_) {
      link->shutdown();
    }
  }
  std::map<InboundSession*, std::shared_ptr<InboundSession>> sessions;
  sessions.swap(sessions_);
  for (auto& [raw, session] : sessions) {
    session->close("");
  }
  greeted_.clear();
}

void TcpTransport::send(const raft::Message& m) {
  PeerLink* const found = find_link(m.to);
  if (found == nullptr) {
    HELIOS_LOG_DEBUG("transport", "dropping a message to unknown node %llu", ull(m.to));
    return;
  }
  PeerLink& link = *found;
  if (stopped_.load()) {
    link.note_dropped();
    return;
  }
  // The frame is built in place after its header; large entries' data is spliced in from
  // the log's shared buffers (the link writes it with one gather write, no copy).
  base::GatherBuffer frame = wire::encode_message_frame(m);
  const std::size_t body_bytes = frame.size() - wire::kFrameHeaderSize;
  if (body_bytes > options_.max_frame_bytes) {
    HELIOS_LOG_WARN("transport", "dropping a %zu-byte message to peer %llu: over %u bytes",
                    body_bytes, ull(m.to), options_.max_frame_bytes);
    link.note_dropped();
    return;
  }
  link.enqueue(std::move(frame));
}

void TcpTransport::set_app_handler(AppHandler handler) {
  app_handler_ = std::move(handler);
}

bool TcpTransport::send_app_frame(NodeId to, wire::FrameType type, std::string_view body) {
  HELIOS_ASSERT(type == wire::FrameType::kForward || type == wire::FrameType::kForwardReply ||
                type == wire::FrameType::kSnapshotChunk);
  PeerLink* const link = find_link(to);
  if (link == nullptr || stopped_.load() || body.size() > options_.max_frame_bytes) {
    return false;
  }
  return link->enqueue(wire::encode_frame(type, body));
}

bool TcpTransport::send_encoded_app_frame(NodeId to, std::string frame) {
  HELIOS_ASSERT(frame.size() >= wire::kFrameHeaderSize);
  PeerLink* const link = find_link(to);
  if (link == nullptr || stopped_.load() ||
      frame.size() - wire::kFrameHeaderSize > options_.max_frame_bytes) {
    return false;
  }
  return link->enqueue(std::move(frame));
}

std::vector<std::string> TcpTransport::withdraw_app_frames(NodeId to, wire::FrameType type) {
  PeerLink* const link = find_link(to);
  return link == nullptr ? std::vector<std::string>{} : link->withdraw(type);
}

std::vector<PeerStatus> TcpTransport::peer_status() const {
  std::lock_guard<std::mutex> lock(links_mutex_);
  std::vector<PeerStatus> out;
  out.reserve(links_.size());
  for (const auto& [id, link] : links_) {
    out.push_back(link->status());
  }
  return out;
}

QueueDepth TcpTransport::queue_depth(NodeId peer) const {
  const PeerLink* link = find_link(peer);
  return link == nullptr ? QueueDepth{} : link->queue_depth();
}

void TcpTransport::accept_next() {
  if (shutting_down_) {
    return;
  }
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    on_accepted(ec, std::move(socket));
  });
}

void TcpTransport::on_accepted(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (shutting_down_) {
    return;
  }
  if (ec) {
    HELIOS_LOG_WARN("transport", "accept failed: %s; retrying in %d ms", ec.message().c_str(),
                    kAcceptRetryMs);
    accept_retry_timer_.expires_after(std::chrono::milliseconds(kAcceptRetryMs));
    accept_retry_timer_.async_wait([this](const asio::error_code& timer_ec) {
      if (!timer_ec) {
        accept_next();
      }
    });
    return;
  }
  asio::error_code option_ec;
  socket.set_option(asio::ip::tcp::no_delay(true), option_ec);
  InboundSession::Owner& owner = *this;
  auto session = std::make_shared<InboundSession>(std::move(socket), options_, owner);
  if (sessions_.size() >= options_.max_inbound_connections) {
    const std::string& remote = session->remote();
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count();
    if (full_limiter_.allow(remote.substr(0, remote.rfind(':')), now_ms)) {
      HELIOS_LOG_WARN("transport", "refusing connection from %s: already %zu connections",
                      remote.c_str(), sessions_.size());
    }
    session.reset();  // never started nor registered: its destructor closes the socket
  } else {
    sessions_.emplace(session.get(), session);
    session->start();
  }
  accept_next();
}

Status TcpTransport::admit(const wire::HelloBody& hello) {
  if (hello.cluster_id != options_.cluster_id) {
    return Status(Code::kInvalidArgument,
                  "cluster '" + hello.cluster_id + "' is not '" + options_.cluster_id + "'");
  }
  if (find_link(hello.node_id) == nullptr) {
    return Status(Code::kInvalidArgument, "unknown node " + std::to_string(hello.node_id));
  }
  return Status::ok();
}

void TcpTransport::on_greeted(NodeId peer, InboundSession* session) {
  HELIOS_ASSERT(sessions_.count(session) == 1);
  if (find_link(peer) == nullptr) {
    session->close("peer " + std::to_string(peer) + " was removed");
    return;
  }
  InboundSession*& current = greeted_[peer];
  InboundSession* const older = current;
  current = session;
  if (older != nullptr && older != session) {
    // The peer reconnected (it restarted, or its old connection is half-open): only the
    // newest connection of a peer is kept, so dead ones cannot pile up.
    older->close("peer " + std::to_string(peer) + " connected again from " + session->remote());
  }
}

void TcpTransport::on_message(NodeId peer, raft::Message message) {
  HELIOS_ASSERT(message.from == peer);
  if (PeerLink* link = find_link(peer); link != nullptr) {
    link->note_received(steady_now_ms());
  }
  handler_(std::move(message));
}

void TcpTransport::on_app_frame(NodeId peer, wire::FrameType type, std::string body) {
  if (PeerLink* link = find_link(peer); link != nullptr) {
    link->note_received(steady_now_ms());
  }
  if (app_handler_) {
    app_handler_(peer, type, std::move(body));
  }
}

void TcpTransport::on_bad_frame(NodeId peer) {
  if (PeerLink* link = find_link(peer); link != nullptr) {
    link->note_error(PeerError::kBadFrame);
  }
}

void TcpTransport::on_closed(InboundSession* session) {
  const NodeId peer = session->peer();
  if (peer != kNoNode) {
    const auto it = greeted_.find(peer);
    if (it != greeted_.end() && it->second == session) {
      greeted_.erase(it);
    }
  }
  sessions_.erase(session);
}

}  // namespace helios::transport
