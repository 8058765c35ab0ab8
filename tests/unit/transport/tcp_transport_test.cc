// TcpTransport over real sockets on 127.0.0.1: delivery both ways and in order, frame and
// queue limits, reconnection with backoff, restarted peers, refused handshakes, garbage from
// raw sockets, shutdown, and mutual TLS (node names, expired certificates, another CA). Ports come
// from the OS (port 0); every wait has a deadline.
#include "transport/tcp_transport.h"
#include "wire/version.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <filesystem>

#include "base/log.h"
#include "tls/cert_factory.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::transport {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Generous: sanitizer builds on a busy machine are slow. Waits end as soon as they succeed.
constexpr auto kWait = 30s;
constexpr char kCluster[] = "c1";

// Waits until pred() holds, polling, for at most `timeout`.
template <typename Pred>
bool wait_until(Pred pred, Clock::duration timeout = kWait) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Messages handed to a transport's handler.
class Inbox {
 public:
  Transport::Handler handler() {
    return [this](raft::Message m) {
      std::lock_guard<std::mutex> lock(mutex_);
      messages_.push_back(std::move(m));
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t count, Clock::duration timeout = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }
  std::vector<raft::Message> messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<raft::Message> messages_;
};

// Captures log lines from the process-wide sink while alive (and still prints them).
class LogCapture {
 public:
  LogCapture() {
    std::lock_guard<std::mutex> lock(mutex());
    lines().clear();
    base::set_log_sink(&LogCapture::sink);
  }
  ~LogCapture() { base::set_log_sink(nullptr); }

  // Waits until `count` captured lines contain every one of `parts`.
  bool wait_for(const std::vector<std::string>& parts, std::size_t count = 1) {
    return wait_until([&] { return matching(parts) >= count; });
  }
  std::size_t matching(const std::vector<std::string>& parts) {
    std::lock_guard<std::mutex> lock(mutex());
    std::size_t n = 0;
    for (const std::string& line : lines()) {
      bool all = true;
      for (const std::string& part : parts) {
        all = all && line.find(part) != std::string::npos;
      }
      n += all ? 1 : 0;
    }
    return n;
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::string>& lines() {
    static std::vector<std::string> l;
    return l;
  }
  static void sink(base::LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex());
    lines().push_back(line);
    std::fprintf(stderr, "%s\n", line.c_str());
  }
};

// Asks the OS for a free port for each of `ids` (bind port 0, read it back), holding every
// port until all are chosen so that they differ, then releases them for the transports.
std::map<NodeId, std::uint16_t> free_ports(const std::vector<NodeId>& ids) {
  asio::io_context io;
  std::vector<asio::ip::tcp::acceptor> held;
  std::map<NodeId, std::uint16_t> ports;
  for (NodeId id : ids) {
    asio::ip::tcp::acceptor& acceptor = held.emplace_back(io);
    asio::error_code ec;
    acceptor.open(asio::ip::tcp::v4(), ec);
    EXPECT_FALSE(ec) << ec.message();
    acceptor.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), ec);
    EXPECT_FALSE(ec) << ec.message();
    ports[id] = acceptor.local_endpoint(ec).port();
    EXPECT_FALSE(ec) << ec.message();
  }
  return ports;
}

// Options for node `self` of a cluster whose members listen on `ports` (self included).
TcpTransportOptions options_for(NodeId self, const std::map<NodeId, std::uint16_t>& ports,
                                const std::string& cluster = kCluster) {
  TcpTransportOptions options;
  options.cluster_id = cluster;
  options.self = self;
  options.listen_host = "127.0.0.1";
  options.listen_port = ports.at(self);
  for (const auto& [id, port] : ports) {
    if (id != self) {
      options.peers.push_back(Peer{id, "127.0.0.1", port});
    }
  }
  return options;
}

// One transport and the messages it received.
struct Node {
  explicit Node(TcpTransportOptions options)
      : transport(std::make_unique<TcpTransport>(std::move(options))) {
    transport->set_handler(inbox.handler());
  }
  [[nodiscard]] bool start() {
    const Status started = transport->start();
    EXPECT_TRUE(started.is_ok()) << started.to_string();
    return started.is_ok();
  }
  PeerStatus status_of(NodeId peer) const {
    for (const PeerStatus& s : transport->peer_status()) {
      if (s.id == peer) {
        return s;
      }
    }
    ADD_FAILURE() << "no status for peer " << peer;
    return PeerStatus{};
  }

  Inbox inbox;
  std::unique_ptr<TcpTransport> transport;
};

raft::Message make_message(NodeId from, NodeId to, std::uint64_t seq, std::size_t entries = 0,
                           std::size_t entry_bytes = 0) {
  raft::Message m;
  m.type = seq % 2 == 0 ? raft::MessageType::kAppend : raft::MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 7;
  m.log_term = 6;
  m.index = seq;
  m.commit = seq / 2;
  m.context = seq * 31;
  for (std::size_t i = 0; i < entries; ++i) {
    m.entries.push_back(raft::Entry{7, seq + i + 1, raft::EntryType::kNormal,
                                    std::string(entry_bytes, static_cast<char>('a' + i % 26))});
  }
  return m;
}

// A plain TCP client that speaks (or breaks) the protocol by hand.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    asio::error_code ec;
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  void write(const std::string& bytes) {
    asio::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  // Reads until a whole frame arrives, the connection ends or the timeout passes.
  std::optional<wire::Frame> read_frame(Clock::duration timeout = kWait) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      Result<wire::Frame> frame = decoder_.next();
      if (frame.is_ok()) {
        return std::move(frame).value();
      }
      if (frame.status().code() != Code::kUnavailable || !read_some(deadline)) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
  // True once the other end closed the connection (within the timeout).
  bool wait_closed(Clock::duration timeout = kWait) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!read_some(deadline)) {
        return closed_;
      }
    }
    return false;
  }

 private:
  // One read with a deadline; false when the connection ended or the deadline passed.
  bool read_some(Clock::time_point deadline) {
    std::size_t got = 0;
    asio::error_code read_ec;
    bool done = false;
    socket_.async_read_some(asio::buffer(buffer_), [&](const asio::error_code& ec, std::size_t n) {
      done = true;
      read_ec = ec;
      got = n;
    });
    io_.restart();
    io_.run_until(deadline);
    if (!done) {
      asio::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();  // drains the cancelled read
      return false;
    }
    if (read_ec) {
      closed_ = true;
      return false;
    }
    decoder_.feed(std::string_view(buffer_.data(), got));
    return true;
  }

  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::array<char, 65536> buffer_{};
  wire::FrameDecoder decoder_;
  bool closed_ = false;
};

std::string hello_frame(const std::string& cluster, NodeId node) {
  return wire::encode_frame(wire::FrameType::kHello, wire::encode_hello({cluster, node}));
}

std::string raft_frame(const raft::Message& m) {
  return wire::encode_frame(wire::FrameType::kRaft, wire::encode_message(m));
}

TEST(TcpTransportTest, send_exchangesMessagesBothWays) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  Node b(options_for(2, ports));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  EXPECT_EQ(a.transport->listen_port(), ports.at(1));

  std::vector<raft::Message> to_b;
  std::vector<raft::Message> to_a;
  for (std::uint64_t i = 0; i < 50; ++i) {
    to_b.push_back(make_message(1, 2, i, i % 4, i * 10));
    to_a.push_back(make_message(2, 1, i, 1, 3));
    a.transport->send(to_b.back());
    b.transport->send(to_a.back());
  }
  ASSERT_TRUE(b.inbox.wait_for(50));
  ASSERT_TRUE(a.inbox.wait_for(50));
  EXPECT_EQ(b.inbox.messages(), to_b);
  EXPECT_EQ(a.inbox.messages(), to_a);

  EXPECT_TRUE(wait_until([&] { return a.status_of(2).sent == 50; }));
  const PeerStatus seen_by_b = b.status_of(1);
  EXPECT_TRUE(seen_by_b.connected);
  EXPECT_EQ(seen_by_b.received, 50u);
  EXPECT_GE(seen_by_b.last_received_ms, 0);
  EXPECT_EQ(seen_by_b.dropped, 0u);
  EXPECT_EQ(seen_by_b.address, "127.0.0.1:" + std::to_string(ports.at(1)));
  a.transport->stop();
  b.transport->stop();
}

// On the owner's loop (how a node runs it): the handler runs on the loop's thread, may
// send at once (an echo), and stop() after the loop has stopped closes everything.
TEST(TcpTransportTest, ownersLoop_deliversOnTheLoopThreadAndEchoesFromTheHandler) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  asio::io_context loop;
  auto work = asio::make_work_guard(loop);
  TcpTransport a(options_for(1, ports), loop);
  Node b(options_for(2, ports));  // its own thread: the two modes talk to each other
  std::mutex threads_mutex;
  std::set<std::thread::id> handler_threads;
  Inbox echoed;
  a.set_handler([&](raft::Message m) {
    {
      std::lock_guard<std::mutex> lock(threads_mutex);
      handler_threads.insert(std::this_thread::get_id());
    }
    raft::Message back = m;
    back.from = 1;
    back.to = 2;
    a.send(back);  // from inside the handler, on the loop
    echoed.handler()(std::move(m));
  });
  ASSERT_TRUE(a.start().is_ok());
  ASSERT_TRUE(b.start());
  std::thread runner([&] { loop.run(); });
  const std::thread::id loop_thread = runner.get_id();
  std::vector<raft::Message> sent;
  for (std::uint64_t i = 0; i < 40; ++i) {
    sent.push_back(make_message(2, 1, i, i % 3, 100));
    b.transport->send(sent.back());
  }
  ASSERT_TRUE(echoed.wait_for(40));
  ASSERT_TRUE(b.inbox.wait_for(40));
  EXPECT_EQ(echoed.messages(), sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(b.inbox.messages()[i].index, sent[i].index);
    EXPECT_EQ(b.inbox.messages()[i].from, 1u);
  }
  work.reset();
  loop.stop();
  runner.join();
  EXPECT_EQ(handler_threads, std::set<std::thread::id>{loop_thread});
  a.stop();
  a.stop();
  a.send(make_message(1, 2, 99));  // after stop: dropped, counted, no crash
  EXPECT_FALSE(a.peer_status().empty());
  EXPECT_EQ(a.start().code(), Code::kAborted);
  b.transport->stop();
}

TEST(TcpTransportTest, send_largeMessagesUpToTheFrameLimit) {
  constexpr std::uint32_t kLimit = 1u << 20;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  TcpTransportOptions options_a = options_for(1, ports);
  TcpTransportOptions options_b = options_for(2, ports);
  options_a.max_frame_bytes = kLimit;
  options_b.max_frame_bytes = kLimit;
  Node a(options_a);
  Node b(options_b);
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());

  // One entry sized so that the message body is exactly the limit, then one byte more.
  const std::size_t overhead = wire::encode_message(make_message(1, 2, 0, 1, 0)).size();
  const raft::Message at_limit = make_message(1, 2, 0, 1, kLimit - overhead);
  const raft::Message over_limit = make_message(1, 2, 0, 1, kLimit - overhead + 1);
  ASSERT_EQ(wire::encode_message(at_limit).size(), kLimit);
  a.transport->send(at_limit);
  a.transport->send(over_limit);  // dropped at the sender, counted
  a.transport->send(make_message(1, 2, 1));
  const raft::Message back = make_message(2, 1, 0, 1, kLimit - overhead);
  b.transport->send(back);

  ASSERT_TRUE(b.inbox.wait_for(2));
  ASSERT_TRUE(a.inbox.wait_for(1));
  EXPECT_EQ(b.inbox.messages().at(0), at_limit);
  EXPECT_EQ(b.inbox.messages().at(1), make_message(1, 2, 1));
  EXPECT_EQ(a.inbox.messages().at(0), back);
  EXPECT_EQ(a.status_of(2).dropped, 1u);
  EXPECT_TRUE(a.status_of(2).connected);
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, send_preservesOrderPerPeer) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 3});
  Node n1(options_for(1, ports));
  Node n2(options_for(2, ports));
  Node n3(options_for(3, ports));
  ASSERT_TRUE(n1.start());
  ASSERT_TRUE(n2.start());
  ASSERT_TRUE(n3.start());
  constexpr std::uint64_t kCount = 3000;  // per peer; below max_queue_messages
  for (std::uint64_t i = 0; i < kCount; ++i) {
    n1.transport->send(make_message(1, 2, i, i % 3, 16));
    n1.transport->send(make_message(1, 3, i));
  }
  ASSERT_TRUE(n2.inbox.wait_for(kCount));
  ASSERT_TRUE(n3.inbox.wait_for(kCount));
  for (Node* node : {&n2, &n3}) {
    const std::vector<raft::Message> got = node->inbox.messages();
    ASSERT_EQ(got.size(), kCount);
    for (std::uint64_t i = 0; i < kCount; ++i) {
      ASSERT_EQ(got[i].index, i);
      ASSERT_EQ(got[i].from, 1u);
    }
  }
  n1.transport->stop();
  n2.transport->stop();
  n3.transport->stop();
}

TEST(TcpTransportTest, send_queuedMessagesReachAPeerThatStartsLater) {
  LogCapture logs;
  base::set_log_level(base::LogLevel::kDebug);
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  ASSERT_TRUE(a.start());
  for (std::uint64_t i = 0; i < 10; ++i) {
    a.transport->send(make_message(1, 2, i, 1, 100));
  }
  // Several failed attempts, retried with backoff, before the peer exists.
  EXPECT_TRUE(logs.wait_for({"cannot reach peer 2", "retrying in"}, 3));
  EXPECT_FALSE(a.status_of(2).connected);
  EXPECT_EQ(a.transport->queue_depth(2).messages, 10u);
  base::set_log_level(base::LogLevel::kInfo);

  Node b(options_for(2, ports));
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(b.inbox.wait_for(10));
  for (std::uint64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(b.inbox.messages()[i], make_message(1, 2, i, 1, 100));
  }
  EXPECT_TRUE(a.status_of(2).connected);
  EXPECT_EQ(a.status_of(2).dropped, 0u);
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, send_reachesARestartedPeer) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  auto b = std::make_unique<Node>(options_for(2, ports));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b->start());
  a.transport->send(make_message(1, 2, 0));
  ASSERT_TRUE(b->inbox.wait_for(1));

  b->transport->stop();
  b.reset();
  ASSERT_TRUE(wait_until([&] { return !a.status_of(2).connected; }));
  for (std::uint64_t i = 1; i <= 5; ++i) {
    a.transport->send(make_message(1, 2, i));
  }
  Node b2(options_for(2, ports));  // same id, same port
  ASSERT_TRUE(b2.start());
  ASSERT_TRUE(b2.inbox.wait_for(5));
  for (std::uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(b2.inbox.messages()[i], make_message(1, 2, i + 1));
  }
  b2.transport->send(make_message(2, 1, 9));
  ASSERT_TRUE(a.inbox.wait_for(1));
  EXPECT_EQ(a.inbox.messages()[0], make_message(2, 1, 9));
  a.transport->stop();
  b2.transport->stop();
}

TEST(TcpTransportTest, handshake_refusesANodeOfAnotherCluster) {
  LogCapture logs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node b(options_for(2, ports));
  Node stranger(options_for(1, ports, "other"));  // right node id, wrong cluster
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(stranger.start());
  for (std::uint64_t i = 0; i < 5; ++i) {
    stranger.transport->send(make_message(1, 2, i));
  }
  // Refused, then refused again after the stranger's backoff.
  EXPECT_TRUE(
      logs.wait_for({"refusing connection from 127.0.0.1:", "cluster 'other' is not 'c1'"}, 2));
  EXPECT_EQ(b.inbox.size(), 0u);
  EXPECT_EQ(b.status_of(1).received, 0u);
  EXPECT_FALSE(stranger.status_of(2).connected);
  EXPECT_EQ(stranger.status_of(2).sent, 0u);
  stranger.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, handshake_refusesAnUnknownNode) {
  LogCapture logs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 7});
  Node b(options_for(2, {{1, ports.at(1)}, {2, ports.at(2)}}));
  Node unknown(options_for(7, {{7, ports.at(7)}, {2, ports.at(2)}}));
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(unknown.start());
  unknown.transport->send(make_message(7, 2, 0));
  EXPECT_TRUE(logs.wait_for({"refusing connection from 127.0.0.1:", ": unknown node 7"}));
  EXPECT_EQ(b.inbox.size(), 0u);
  EXPECT_FALSE(unknown.status_of(2).connected);
  unknown.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, handshake_closesWhenAnotherNodeAnswers) {
  LogCapture logs;
  // Node 1 believes node 2 listens on a port where node 3 (same cluster) actually is.
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 3});
  const std::uint16_t port_1 = ports.at(1);
  const std::uint16_t port_3 = ports.at(3);
  Node a(options_for(1, {{1, port_1}, {2, port_3}}));
  Node c(options_for(3, {{3, port_3}, {1, port_1}}));
  ASSERT_TRUE(c.start());
  ASSERT_TRUE(a.start());
  a.transport->send(make_message(1, 2, 0));
  EXPECT_TRUE(logs.wait_for(
      {"peer 2 at 127.0.0.1:" + std::to_string(port_3), "answered as node 3 of cluster 'c1'"}));
  EXPECT_FALSE(a.status_of(2).connected);
  EXPECT_EQ(a.status_of(2).sent, 0u);
  EXPECT_EQ(c.inbox.size(), 0u);
  a.transport->stop();
  c.transport->stop();
}

TEST(TcpTransportTest, inbound_garbageClosesOnlyThatConnection) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  Node b(options_for(2, ports));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  a.transport->send(make_message(1, 2, 0));
  ASSERT_TRUE(b.inbox.wait_for(1));

  RawClient raw(ports.at(2));
  std::string garbage;
  for (int i = 0; i < 256; ++i) {
    garbage.push_back(static_cast<char>(i * 7 + 3));
  }
  raw.write(garbage);
  EXPECT_TRUE(raw.wait_closed());

  a.transport->send(make_message(1, 2, 1));
  ASSERT_TRUE(b.inbox.wait_for(2));
  EXPECT_EQ(b.inbox.messages()[1], make_message(1, 2, 1));
  EXPECT_TRUE(a.status_of(2).connected);
  EXPECT_EQ(a.status_of(2).dropped, 0u);
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, inbound_dropsMisaddressedMessagesAndClosesOnBadOnes) {
  LogCapture logs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 3});
  Node a(options_for(1, ports));
  Node b(options_for(2, ports));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());

  RawClient raw(ports.at(2));  // greets as node 3, which is not running
  raw.write(hello_frame(kCluster, 3));
  const std::optional<wire::Frame> ack = raw.read_frame();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->type, wire::FrameType::kHelloAck);
  const Result<wire::HelloBody> hello = wire::decode_hello(ack->body);
  ASSERT_TRUE(hello.is_ok());
  EXPECT_EQ(hello.value(), (wire::HelloBody{kCluster, 2, wire::wire_minor()}));

  raw.write(raft_frame(make_message(3, 5, 0)));  // not addressed to node 2: dropped
  raw.write(raft_frame(make_message(1, 2, 1)));  // claims another sender: dropped
  raw.write(raft_frame(make_message(3, 2, 2)));  // delivered
  ASSERT_TRUE(b.inbox.wait_for(1));
  EXPECT_EQ(b.inbox.messages()[0], make_message(3, 2, 2));
  EXPECT_EQ(logs.matching({"dropping a message from 3 to 5"}), 1u);
  EXPECT_EQ(logs.matching({"dropping a message from 1 to 2"}), 1u);

  // A well-formed frame whose body is not a message: only this connection closes.
  raw.write(wire::encode_frame(wire::FrameType::kRaft, "not a raft message"));
  EXPECT_TRUE(raw.wait_closed());
  EXPECT_TRUE(logs.wait_for({"closing connection from 127.0.0.1:", "bad raft message"}));
  a.transport->send(make_message(1, 2, 3));
  ASSERT_TRUE(b.inbox.wait_for(2));
  EXPECT_EQ(b.inbox.messages()[1], make_message(1, 2, 3));
  EXPECT_EQ(b.status_of(3).received, 1u);
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, inbound_closesAConnectionWithoutHelloAfterTheTimeout) {
  LogCapture logs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  TcpTransportOptions options = options_for(2, ports);
  options.handshake_timeout_ms = 200;
  Node b(options);
  ASSERT_TRUE(b.start());
  RawClient raw(ports.at(2));
  raw.write(hello_frame(kCluster, 1).substr(0, 10));  // a hello that never completes
  EXPECT_TRUE(raw.wait_closed());
  EXPECT_TRUE(logs.wait_for({"no hello within 200 ms"}));
  b.transport->stop();
}

TEST(TcpTransportTest, inbound_refusesConnectionsBeyondTheLimit) {
  LogCapture logs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  TcpTransportOptions options = options_for(2, ports);
  options.max_inbound_connections = 2;
  options.handshake_timeout_ms = 600'000;  // only the limit may close a connection here
  Node b(options);
  ASSERT_TRUE(b.start());
  RawClient first(ports.at(2));
  RawClient second(ports.at(2));
  RawClient third(ports.at(2));
  EXPECT_TRUE(third.wait_closed());
  EXPECT_TRUE(logs.wait_for({"refusing connection from 127.0.0.1:", "already 2 connections"}));
  EXPECT_FALSE(first.wait_closed(50ms));
  EXPECT_FALSE(second.wait_closed(50ms));
  b.transport->stop();
  EXPECT_TRUE(first.wait_closed());
  EXPECT_TRUE(second.wait_closed());
}

TEST(TcpTransportTest, send_boundsTheQueueOfAnUnreachablePeer) {
  // Nodes 2 and 3 are down: their queues fill up to a bound, then new messages are dropped.
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 3});
  TcpTransportOptions options = options_for(1, ports);
  options.max_queue_messages = 100;
  options.max_queue_bytes = 64 * 1024;
  Node a(options);
  ASSERT_TRUE(a.start());

  for (std::uint64_t i = 0; i < 250; ++i) {
    a.transport->send(make_message(1, 2, i));  // small: the message bound applies
  }
  EXPECT_EQ(a.transport->queue_depth(2).messages, 100u);
  EXPECT_EQ(a.status_of(2).dropped, 150u);

  const std::size_t frame_bytes = raft_frame(make_message(1, 3, 0, 1, 1000)).size();
  const std::size_t fit = options.max_queue_bytes / frame_bytes;  // the byte bound applies
  ASSERT_LT(fit, options.max_queue_messages);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    a.transport->send(make_message(1, 3, 0, 1, 1000));
  }
  const QueueDepth depth = a.transport->queue_depth(3);
  EXPECT_EQ(depth.messages, fit);
  EXPECT_LE(depth.bytes, options.max_queue_bytes);
  EXPECT_EQ(a.status_of(3).dropped, 5000u - fit);

  // The first 100 were kept (new messages are the ones dropped) and arrive once node 2 starts.
  Node b(options_for(2, ports));
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(b.inbox.wait_for(100));
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(b.inbox.messages()[i].index, i);
  }
  EXPECT_TRUE(wait_until([&] { return a.transport->queue_depth(2).bytes == 0; }));
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, stop_isIdempotentAndQuick) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 3});
  TcpTransportOptions options = options_for(1, ports);
  options.backoff_initial_ms = 60'000;  // node 3 is down: a long retry timer is pending
  options.backoff_max_ms = 60'000;
  Node a(options);
  Node b(options_for(2, ports));
  ASSERT_TRUE(b.start());  // first: node 1 retries only once a minute
  ASSERT_TRUE(a.start());
  a.transport->send(make_message(1, 2, 0));
  a.transport->send(make_message(1, 3, 0));
  ASSERT_TRUE(b.inbox.wait_for(1));

  const Clock::time_point before = Clock::now();
  a.transport->stop();
  a.transport->stop();
  EXPECT_LT(Clock::now() - before, 10s);  // the pending 60 s timer did not hold it up
  EXPECT_FALSE(a.status_of(2).connected);
  a.transport->send(make_message(1, 2, 1));  // after stop: dropped, counted, no crash
  EXPECT_EQ(a.status_of(2).dropped, 1u);
  EXPECT_EQ(a.transport->start().code(), Code::kAborted);
  b.transport->stop();

  TcpTransport never_started(options_for(3, ports));
  never_started.stop();
  never_started.stop();
}

TEST(TcpTransportTest, addPeer_atRuntimeConnectsBothWays) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 3});
  // 3 starts knowing nobody; 1 and 2 know each other only.
  Node a(options_for(1, {{1, ports.at(1)}, {2, ports.at(2)}}));
  Node b(options_for(2, {{1, ports.at(1)}, {2, ports.at(2)}}));
  Node c(options_for(3, {{3, ports.at(3)}}));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(c.start());
  EXPECT_TRUE(c.transport->peers().empty());
  c.transport->send(make_message(3, 1, 0));  // unknown: dropped
  a.transport->add_peer(Peer{3, "127.0.0.1", ports.at(3)});
  a.transport->add_peer(Peer{3, "127.0.0.1", ports.at(3)});  // the same again: nothing
  a.transport->add_peer(Peer{1, "127.0.0.1", ports.at(1)});  // self: nothing
  c.transport->add_peer(Peer{1, "127.0.0.1", ports.at(1)});
  ASSERT_EQ(a.transport->peers().size(), 2u);
  EXPECT_EQ(a.transport->peers()[1].id, 3u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    a.transport->send(make_message(1, 3, i));
    c.transport->send(make_message(3, 1, i));
  }
  ASSERT_TRUE(c.inbox.wait_for(10));
  ASSERT_TRUE(a.inbox.wait_for(10));
  EXPECT_EQ(c.inbox.messages().front(), make_message(1, 3, 0));
  EXPECT_TRUE(wait_until([&] { return a.status_of(3).connected; }));
  for (Node* node : {&a, &b, &c}) {
    node->transport->stop();
  }
}

TEST(TcpTransportTest, removePeer_stopsSendingAndRefusesItsHello) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  Node b(options_for(2, ports));
  ASSERT_TRUE(a.start() && b.start());
  a.transport->send(make_message(1, 2, 0));
  b.transport->send(make_message(2, 1, 0));
  ASSERT_TRUE(b.inbox.wait_for(1) && a.inbox.wait_for(1));
  LogCapture logs;

  a.transport->remove_peer(2);
  a.transport->remove_peer(2);  // unknown now: nothing
  EXPECT_TRUE(a.transport->peers().empty());
  EXPECT_TRUE(a.transport->peer_status().empty());
  a.transport->send(make_message(1, 2, 1));  // dropped: 2 is unknown
  EXPECT_FALSE(a.transport->send_app_frame(2, wire::FrameType::kForward, "x"));
  // 2's connection to 1 is closed, and its next hello is refused.
  EXPECT_TRUE(logs.wait_for({"refusing connection from 127.0.0.1:", ": unknown node 2"}));
  b.transport->send(make_message(2, 1, 1));

  // Added back at its address, it is reachable again, both ways.
  a.transport->add_peer(Peer{2, "127.0.0.1", ports.at(2)});
  a.transport->send(make_message(1, 2, 2));
  ASSERT_TRUE(b.inbox.wait_for(2));
  EXPECT_EQ(b.inbox.messages().back(), make_message(1, 2, 2));
  b.transport->send(make_message(2, 1, 3));
  EXPECT_TRUE(wait_until([&] {
    const std::vector<raft::Message> got = a.inbox.messages();
    return !got.empty() && got.back() == make_message(2, 1, 3);
  }));
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, addPeer_movesAPeerToANewAddress) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2, 9});
  // 1 believes 2 listens on port[9], where nothing listens.
  Node a(options_for(1, {{1, ports.at(1)}, {2, ports.at(9)}}));
  Node b(options_for(2, ports));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  a.transport->send(make_message(1, 2, 0));  // queued for the old address: lost with it
  a.transport->add_peer(Peer{2, "127.0.0.1", ports.at(2)});
  EXPECT_EQ(a.status_of(2).address, "127.0.0.1:" + std::to_string(ports.at(2)));
  a.transport->send(make_message(1, 2, 1));
  ASSERT_TRUE(b.inbox.wait_for(1));
  EXPECT_EQ(b.inbox.messages().front(), make_message(1, 2, 1));
  a.transport->stop();
  b.transport->stop();
}

TEST(TcpTransportTest, start_failsWhenThePortIsTaken) {
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(options_for(1, ports));
  ASSERT_TRUE(a.start());
  TcpTransportOptions options = options_for(2, ports);
  options.listen_port = ports.at(1);
  Node b(options);
  const Status started = b.transport->start();
  EXPECT_EQ(started.code(), Code::kIoError);
  EXPECT_NE(started.message().find("cannot listen on 127.0.0.1:"), std::string::npos);
  a.transport->stop();
}

// --- mutual TLS between peers (tls/context.h) -------------------------------------------

// A CA with node certificates in a fresh temporary directory (helios-cli certs create's
// factory), plus, per test, odd ones: another node's name, another CA, an expired one.
class TlsDir {
 public:
  TlsDir() {
    dir_ = std::filesystem::temp_directory_path() /
           ("helios-transport-tls-" + std::to_string(Clock::now().time_since_epoch().count()));
    tls::CertRequest request;
    request.dir = dir_.string();
    request.nodes = {"node-1", "node-2", "node-3"};
    const Status s = tls::create_certs(request);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  ~TlsDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path(const std::string& file) const { return (dir_ / file).string(); }
  // Credentials with `cert_name`'s certificate and key from `sub` (a subdirectory, or "").
  std::shared_ptr<tls::Credentials> credentials(const std::string& cert_name,
                                                const std::string& sub = "") const {
    const std::filesystem::path d = sub.empty() ? dir_ : dir_ / sub;
    Result<std::shared_ptr<tls::Credentials>> c = tls::Credentials::open(tls::Files{
        (d / (cert_name + ".crt")).string(), (d / (cert_name + ".key")).string(), path("ca.crt")});
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    return c.is_ok() ? c.value() : nullptr;
  }

 private:
  std::filesystem::path dir_;
};

TcpTransportOptions tls_options_for(NodeId self, const std::map<NodeId, std::uint16_t>& ports,
                                    std::shared_ptr<tls::Credentials> credentials) {
  TcpTransportOptions options = options_for(self, ports);
  options.tls = std::move(credentials);
  return options;
}

TEST(TcpTransportTlsTest, peersWithTheirOwnCertificatesExchangeMessages) {
  TlsDir certs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(tls_options_for(1, ports, certs.credentials("node-1")));
  Node b(tls_options_for(2, ports, certs.credentials("node-2")));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  for (std::uint64_t i = 0; i < 20; ++i) {
    a.transport->send(make_message(1, 2, i, 3, 5000));  // joined into TLS records
    b.transport->send(make_message(2, 1, i));
  }
  ASSERT_TRUE(b.inbox.wait_for(20));
  ASSERT_TRUE(a.inbox.wait_for(20));
  EXPECT_EQ(b.inbox.messages().back(), make_message(1, 2, 19, 3, 5000));
  a.transport->stop();
  b.transport->stop();
}

// node-2 presents node-3's certificate (valid, same CA): node-1 refuses it both ways.
TEST(TcpTransportTlsTest, aCertificateOfAnotherNodeIsRefused) {
  LogCapture logs;
  TlsDir certs;
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(tls_options_for(1, ports, certs.credentials("node-1")));
  Node impostor(tls_options_for(2, ports, certs.credentials("node-3")));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(impostor.start());
  impostor.transport->send(make_message(2, 1, 0));
  a.transport->send(make_message(1, 2, 0));
  EXPECT_TRUE(logs.wait_for({"refusing connection from 127.0.0.1:",
                             "it claims to be node-2 but its certificate is", "CN=node-3"}));
  EXPECT_TRUE(logs.wait_for({"refusing peer 2 at", "does not name node-2"}));
  EXPECT_EQ(a.inbox.size(), 0u);
  EXPECT_EQ(impostor.inbox.size(), 0u);
  EXPECT_GE(a.status_of(2).errors[static_cast<std::size_t>(PeerError::kTls)], 1u);
  a.transport->stop();
  impostor.transport->stop();
}

TEST(TcpTransportTlsTest, anExpiredCertificateOrAnotherCaOrPlaintextIsRefused) {
  LogCapture logs;
  TlsDir certs;
  tls::LeafOptions expired;
  expired.not_after_offset_seconds_override = -60;
  ASSERT_TRUE(tls::issue_leaf(certs.path(""), certs.path("expired"), "node-2", expired).is_ok());
  tls::CertRequest other;
  other.dir = certs.path("other");
  other.nodes = {"node-2"};
  ASSERT_TRUE(tls::create_certs(other).is_ok());
  const std::map<NodeId, std::uint16_t> ports = free_ports({1, 2});
  Node a(tls_options_for(1, ports, certs.credentials("node-1")));
  ASSERT_TRUE(a.start());
  {
    Node b(tls_options_for(2, ports, certs.credentials("node-2", "expired")));
    ASSERT_TRUE(b.start());
    b.transport->send(make_message(2, 1, 0));
    // Either side's refusal line (both transports log into this one process, and the
    // accepting side's lines are limited per address and second).
    EXPECT_TRUE(logs.wait_for({"refusing", "certificate has expired"}));
    b.transport->stop();
  }
  {
    Node b(tls_options_for(2, ports, certs.credentials("node-2", "other")));
    ASSERT_TRUE(b.start());
    b.transport->send(make_message(2, 1, 0));
    EXPECT_TRUE(logs.wait_for({"refusing", "unable to get local issuer"}));
    b.transport->stop();
  }
  {
    RawClient plain(ports.at(1));  // plaintext hello to a TLS port: closed
    plain.write(hello_frame(kCluster, 2));
    EXPECT_TRUE(plain.wait_closed());
  }
  EXPECT_EQ(a.inbox.size(), 0u);
  a.transport->stop();
}

}  // namespace
}  // namespace helios::transport
