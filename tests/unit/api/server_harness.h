#pragma once
// Tests of the client port through a real socket (server_test.cc, observability_test.cc): a
// one-node cluster (a Runtime and an api::ClientPort wired as apps/node_main.cc wires them) on
// 127.0.0.1, and a tiny blocking RESP client (POSIX sockets; requests written with
// resp::Writer, replies read with resp::ReplyParser). Every wait has a deadline; ports come
// from the OS.
#include "api/client_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "api/command_table.h"
#include "atlas/store.h"
#include "base/log.h"
#include "node/config.h"
#include "node/runtime.h"
#include "resp/reply_parser.h"
#include "resp/writer.h"

namespace helios::api::test_support {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using resp::Value;
using Type = resp::Value::Type;
using Args = std::vector<std::string>;

// Generous for sanitizer builds on a busy machine; waits end as soon as they succeed.
constexpr auto kWait = 20s;

// ---- A one-node cluster -------------------------------------------------------------------

// Free ports from the OS (bind port 0), all held until every one is chosen so they differ.
inline std::vector<std::uint16_t> free_ports(std::size_t n) {
  asio::io_context io;
  std::vector<asio::ip::tcp::acceptor> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    asio::ip::tcp::acceptor& a = held.emplace_back(io);
    asio::error_code ec;
    a.open(asio::ip::tcp::v4(), ec);
    a.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), ec);
    EXPECT_FALSE(ec) << ec.message();
    ports.push_back(a.local_endpoint(ec).port());
  }
  return ports;
}

inline std::string make_temp_dir() {
  std::string pattern = testing::TempDir();
  if (pattern.empty() || pattern.back() != '/') {
    pattern += '/';
  }
  pattern += "helios-api-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
    return "";
  }
  return pattern;
}

// A Runtime and an api::ClientPort, created, started and stopped in node_main.cc's order.
// `requirepass`: the default user's password (none if empty).
class TestNode {
 public:
  explicit TestNode(std::uint64_t max_connections = 10000,
                    std::uint64_t max_output_bytes = node::ClientConfig{}.max_output_bytes,
                    const std::string& requirepass = "") {
    dir_ = make_temp_dir();
    const std::vector<std::uint16_t> ports = free_ports(2);
    config_.node_id = 1;
    config_.data_dir = dir_ + "/data";
    config_.admin = node::HostPort{"127.0.0.1", ports[1]};
    config_.heartbeat_timeout_ms = 50;
    config_.election_timeout_ms = 150;
    config_.log_level = base::LogLevel::kWarn;
    config_.peers = {node::PeerConfig{1, node::HostPort{"127.0.0.1", ports[0]}, {}, {}}};
    config_.client.listen = node::HostPort{"127.0.0.1", 0};
    config_.client.max_connections = max_connections;
    config_.client.max_output_bytes = max_output_bytes;
    config_.security.requirepass = requirepass;
    const Status valid = node::validate(config_);
    EXPECT_TRUE(valid.is_ok()) << valid.to_string();
    if (dir_.empty() || !valid.is_ok()) {
      return;
    }
    runtime_ = std::make_unique<node::Runtime>(config_);
    server_ = std::make_unique<ClientPort>(*runtime_, config_);
    server_->install();
    const Status started = runtime_->start();
    EXPECT_TRUE(started.is_ok()) << started.to_string();
    if (!started.is_ok()) {
      return;
    }
    const Status serving = server_->start();
    EXPECT_TRUE(serving.is_ok()) << serving.to_string();
    EXPECT_NE(server_->port(), 0);
    ok_ = serving.is_ok() && wait_for_leader();
  }

  ~TestNode() {
    if (server_ != nullptr) {
      server_->stop();  // before the runtime, as node_main.cc does
    }
    if (runtime_ != nullptr) {
      runtime_->stop();
    }
    server_.reset();
    runtime_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  TestNode(const TestNode&) = delete;
  TestNode& operator=(const TestNode&) = delete;

  bool ok() const { return ok_; }
  std::uint16_t port() const { return server_ != nullptr ? server_->port() : 0; }
  // GET /metrics's text (Prometheus), or "" if the node does not answer.
  std::string metrics_text() const {
    Result<std::string> text = runtime_->metrics_text();
    return text.is_ok() ? text.value() : "";
  }

 private:
  // A one-voter cluster elects itself within an election timeout or two.
  bool wait_for_leader() {
    const Clock::time_point deadline = Clock::now() + kWait;
    while (Clock::now() < deadline) {
      Result<node::NodeStatus> s = runtime_->status(1s);
      if (s.is_ok() && s.value().role == raft::Role::kLeader && s.value().leader == 1) {
        return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "no leader within " << kWait.count() << " s";
    return false;
  }

  std::string dir_;
  node::NodeConfig config_;  // the Server keeps a reference: it lives as long as the node
  std::unique_ptr<node::Runtime> runtime_;
  std::unique_ptr<ClientPort> server_;
  bool ok_ = false;
};

// ---- A blocking RESP client ---------------------------------------------------------------

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "connect to port " << port << ": " << std::strerror(errno);
      close_fd();
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { close_fd(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  static std::string encode(const Args& argv) {
    std::string out;
    resp::Writer w(out, 2);
    w.array(argv.size());
    for (const std::string& a : argv) {
      w.bulk(a);
    }
    return out;
  }

  // Writes all of `bytes` (bounded by kWait).
  void send_raw(std::string_view bytes) {
    const Clock::time_point deadline = Clock::now() + kWait;
    while (!bytes.empty() && fd_ >= 0) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
        return;  // closed by the server: the next read says so
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        ADD_FAILURE() << "send: " << std::strerror(errno);
        return;
      }
      if (!wait_for(POLLOUT, deadline)) {
        ADD_FAILURE() << "send: timed out";
        return;
      }
    }
  }
  void send(const Args& argv) { send_raw(encode(argv)); }

  // The next reply, or nullopt on a timeout, EOF or unparsable bytes (why() says).
  std::optional<Value> try_next(Clock::duration timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    Value v;
    while (true) {
      if (!inbox_.empty()) {
        parser_.feed(inbox_);
        inbox_.clear();
      }
      const resp::ParseStatus s = parser_.next(v);
      if (s == resp::ParseStatus::kRequest) {
        return v;
      }
      if (s == resp::ParseStatus::kError) {
        why_ = "unparsable reply: " + parser_.error();
        return std::nullopt;
      }
      if (!receive(deadline)) {
        return std::nullopt;
      }
    }
  }
  // The same, and a test failure if there is no reply.
  std::optional<Value> next(Clock::duration timeout = kWait) {
    std::optional<Value> v = try_next(timeout);
    if (!v.has_value()) {
      ADD_FAILURE() << "no reply: " << why_;
    }
    return v;
  }

  Value call(const Args& argv) {
    send(argv);
    std::optional<Value> v = next();
    return v.has_value() ? *v : Value::scalar(Type::kError, "<no reply>");
  }
  // The reply as redis-cli prints it: "OK", "(integer) 3", "\"v\"", "(nil)", "(error) ERR x".
  std::string cmd(const Args& argv) { return call(argv).to_string(); }
  std::string next_text() {
    std::optional<Value> v = next();
    return v.has_value() ? v->to_string() : "<no reply>";
  }

  // Raw bytes up to and including the next "\n" (the parser must hold nothing).
  std::string raw_line() {
    EXPECT_TRUE(parser_.idle());
    const Clock::time_point deadline = Clock::now() + kWait;
    while (inbox_.find('\n') == std::string::npos) {
      if (!receive(deadline)) {
        ADD_FAILURE() << "no line: " << why_ << " (have '" << inbox_ << "')";
        return std::exchange(inbox_, {});
      }
    }
    const std::size_t end = inbox_.find('\n') + 1;
    std::string line = inbox_.substr(0, end);
    inbox_.erase(0, end);
    return line;
  }
  // Exactly `n` raw bytes.
  std::string raw_bytes(std::size_t n) {
    EXPECT_TRUE(parser_.idle());
    const Clock::time_point deadline = Clock::now() + kWait;
    while (inbox_.size() < n && receive(deadline)) {
    }
    std::string out = inbox_.substr(0, n);
    inbox_.erase(0, out.size());
    return out;
  }

  // True once the server has closed the connection (bytes before the close are dropped).
  bool wait_closed(Clock::duration timeout = kWait) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (receive(deadline)) {
      inbox_.clear();
    }
    return eof_;
  }

 private:
  void close_fd() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  bool wait_for(short events, Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return false;
    }
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left)) > 0;
  }

  // Appends received bytes to inbox_; false on EOF, an error or the deadline (why_ says).
  bool receive(Clock::time_point deadline) {
    if (fd_ < 0 || eof_) {
      why_ = "connection closed";
      return false;
    }
    while (true) {
      char buf[64 * 1024];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        inbox_.append(buf, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        eof_ = true;
        why_ = n == 0 ? "closed by the server" : std::string("recv: ") + std::strerror(errno);
        return false;
      }
      if (!wait_for(POLLIN, deadline)) {
        why_ = "timed out";
        return false;
      }
    }
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string why_;
  std::string inbox_;
  resp::ReplyParser parser_;
};

inline std::string array_text(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i == 0 ? "" : "\n") + std::to_string(i + 1) + ") " + lines[i];
  }
  return lines.empty() ? "(empty array)" : out;
}

inline std::int64_t integer_of(const Value& v) {
  EXPECT_EQ(v.type, Type::kInteger) << v.to_string();
  return v.integer;
}

inline std::int64_t unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The bulk strings of an array reply, sorted.
inline std::vector<std::string> sorted_strings(const Value& v) {
  EXPECT_EQ(v.type, Type::kArray) << v.to_string();
  std::vector<std::string> out;
  for (const Value& e : v.elements) {
    out.push_back(e.str);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The value of `field` in INFO's text, or "<none>".
inline std::string info_field(const std::string& info, const std::string& field) {
  const std::string text = "\r\n" + info;
  const std::size_t at = text.find("\r\n" + field + ":");
  const std::size_t begin = at == std::string::npos ? 0 : at + field.size() + 3;
  return at == std::string::npos ? "<none>" : text.substr(begin, text.find('\r', begin) - begin);
}
inline std::int64_t info_int(const std::string& info, const std::string& field) {
  return std::strtoll(info_field(info, field).c_str(), nullptr, 10);
}

}  // namespace helios::api::test_support
