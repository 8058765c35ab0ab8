#include "api/server.h"

#include <chrono>
#include <future>

#include "api/session.h"
#include "base/log.h"
#include "tls/context.h"

namespace helios::api {

Server::Server(node::Runtime& runtime, const node::NodeConfig& config)
    : runtime_(runtime),
      config_(config),
      executor_(runtime, config),
      blocking_(runtime, executor_),
      acceptor_(runtime.io()) {
  limits_.max_bulk_bytes = config.client.max_bulk_bytes;
  limits_.max_args = config.client.max_args;
  limits_.max_inline_bytes = config.client.max_inline_bytes;
  limits_.max_request_bytes =
      std::max<std::size_t>(limits_.max_request_bytes, 2 * config.client.max_bulk_bytes);
}

Server::~Server() {
  stop();
}

void Server::install() {
  install_acl_applier();  // before the runtime applies any entry (replay included)
  executor_.install();
  blocking_.install();
  runtime_.add_metrics_sampler([this](metrics::Sample& out) {
    out.gauge("helios_client_connections", "Open client connections",
              static_cast<double>(sessions_.size()));
    out.counter("helios_client_connections_received_total", "Client connections accepted",
                static_cast<double>(stats_.connections_received));
    out.counter("helios_client_connections_rejected_total",
                "Client connections refused (max_connections reached)",
                static_cast<double>(stats_.connections_rejected));
  });
}

CommandRecord& Server::command_record(const CommandSpec* spec) {
  CommandRecord& record = observe_.record_of(spec);
  if (record.series == nullptr) {
    // Prometheus counts by top-level command: "config|get" is "config".
    const std::string& name = record.name;
    record.series = &runtime_.metrics().command(name.substr(0, name.find('|')));
  }
  return record;
}

std::string_view Server::note_error_reply(std::string_view reply) {
  // RESP2/3 simple error "-CODE message\r\n", RESP3 blob error "!len\r\nCODE message\r\n".
  std::string_view line = reply.substr(1);
  if (reply.front() == '!') {
    const std::size_t eol = line.find("\r\n");
    line = eol == std::string_view::npos ? std::string_view() : line.substr(eol + 2);
  }
  const std::size_t end = line.find_first_of(" \r");
  runtime_.metrics().client_error(line.substr(0, end));
  // Redis's code: the first word if a space comes within the first 32 bytes, else "ERR".
  const std::size_t space = line.substr(0, 31).find(' ');
  const std::string_view code = space == std::string_view::npos ? "ERR" : line.substr(0, space);
  observe_.note_error(code);
  return code;
}

void Server::note_error_line(std::string_view line) {
  const std::size_t space = line.substr(0, 31).find(' ');
  runtime_.metrics().client_error(line.substr(0, space));
  observe_.note_error(space == std::string_view::npos ? "ERR" : line.substr(0, space));
}

ServerStats Server::stats_since_reset() const {
  ServerStats s = stats_;
  s.connections_received -= stats_at_reset_.connections_received;
  s.connections_rejected -= stats_at_reset_.connections_rejected;
  s.commands_processed -= stats_at_reset_.commands_processed;
  s.output_overflows -= stats_at_reset_.output_overflows;
  return s;
}

void Server::reset_stats() {
  stats_at_reset_ = stats_;
  observe_.reset_stats();
}

void Server::add_monitor(std::shared_ptr<Session> session) {
  monitors_.push_back(std::move(session));
}

void Server::remove_monitor(std::uint64_t id) {
  std::erase_if(monitors_, [id](const std::shared_ptr<Session>& s) { return s->id() == id; });
}

void Server::feed_monitors(const std::string& lines) {
  // A monitor may close while it is fed (its output over the bound): feed a copy.
  const std::vector<std::shared_ptr<Session>> monitors = monitors_;
  for (const std::shared_ptr<Session>& monitor : monitors) {
    monitor->send_monitor_line(lines);
  }
}

Status Server::start() {
  Result<std::unique_ptr<AclState>> acl = AclState::open(config_);
  if (!acl.is_ok()) {
    return acl.status();
  }
  acl_ = std::move(acl).value();
  const node::HostPort& at = config_.client.listen;
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(at.host, ec);
  if (ec) {
    return Status(Code::kInvalidArgument, "client address " + at.to_string() + ": " + ec.message());
  }
  const asio::ip::tcp::endpoint endpoint(address, at.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Status(Code::kIoError,
                  "cannot listen for clients on " + at.to_string() + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  if (config_.tls.client_tls) {
    HELIOS_ASSERT_MSG(runtime_.tls() != nullptr, "client_tls without loaded credentials");
    tls_ = tls::server_context(*runtime_.tls(), config_.tls.require_client_cert
                                                    ? tls::ClientCert::kRequired
                                                    : tls::ClientCert::kNone);
  }
  started_ms_ = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  started_ = true;
  std::promise<void> done;
  asio::post(runtime_.io(), [this, &done]() {
    executor_.start();
    blocking_.start();
    accept_next();
    schedule_sweep();
    done.set_value();
  });
  done.get_future().wait();
  HELIOS_LOG_INFO(
      "api", "serving clients (Redis protocol, JSON lines%s) on %s:%u",
      tls_ ? (config_.tls.require_client_cert ? ", TLS with client certificates" : ", TLS") : "",
      at.host.c_str(), static_cast<unsigned>(port_.load()));
  return Status::ok();
}

void Server::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  asio::post(runtime_.io(), [this, done]() {
    asio::error_code ec;
    acceptor_.close(ec);
    sweep_timer_.cancel();
    executor_.stop();
    blocking_.stop();
    std::map<std::uint64_t, std::shared_ptr<Session>> sessions = std::move(sessions_);
    sessions_.clear();
    monitors_.clear();
    for (auto& [id, session] : sessions) {
      session->close();
    }
    done->set_value();
  });
  // The loop may already be stopped (the runtime stopped first): do not wait forever.
  finished.wait_for(std::chrono::seconds(5));
}

void Server::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (!ec) {
      ++stats_.connections_received;
      if (sessions_.size() >= config_.client.max_connections) {
        ++stats_.connections_rejected;
        static const std::string kFull = "-ERR max number of clients reached\r\n";
        asio::error_code ignored;
        if (!tls_) {  // TLS: no handshake is made for a connection that is refused anyway
          asio::write(socket, asio::buffer(kFull), ignored);
        }
        socket.close(ignored);
      } else {
        const std::uint64_t id = next_id_++;
        auto session = std::make_shared<Session>(*this, std::move(socket), id, tls_.get());
        sessions_.emplace(id, session);
        session->start();
      }
    }
    accept_next();
  });
}

void Server::schedule_sweep() {
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !acceptor_.is_open()) {
      return;
    }
    sweep();
    schedule_sweep();
  });
}

void Server::sweep() {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::vector<std::pair<std::shared_ptr<Session>, std::string>> expired;
  for (const auto& [id, session] : sessions_) {
    std::string why = session->expired(now);
    if (!why.empty()) {
      expired.emplace_back(session, std::move(why));
    }
  }
  for (auto& [session, why] : expired) {
    ++stats_.connections_timed_out;
    note_refused(session->remote(), why);
    session->close();
  }
}

void Server::note_refused(const std::string& remote, const std::string& reason) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::uint64_t suppressed = 0;
  if (refusals_.allow(remote.substr(0, remote.rfind(':')), now, &suppressed)) {
    const std::string more =
        suppressed == 0 ? "" : " (" + std::to_string(suppressed) + " more from it not logged)";
    HELIOS_LOG_WARN("api", "closing client %s: %s%s", remote.c_str(), reason.c_str(), more.c_str());
  }
}

bool Server::is_follower() const {
  return runtime_.node().raw().raft().role() != raft::Role::kLeader;
}

void Server::note_output_overflow(const std::string& remote) {
  ++stats_.output_overflows;
  HELIOS_LOG_WARN("api", "closing client %s: over max_output_bytes (%llu) of unsent replies",
                  remote.c_str(), static_cast<unsigned long long>(config_.client.max_output_bytes));
}

void Server::on_closed(std::uint64_t id) {
  sessions_.erase(id);
}

std::string Server::client_list() const {
  std::string out;
  for (const auto& [id, session] : sessions_) {
    out += session->describe() + "\n";
  }
  return out;
}

}  // namespace helios::api
