#include "api/client_port.h"

#include <chrono>
#include <future>

#include "api/tcp_client_stream.h"
#include "base/log.h"
#include "tls/context.h"
#include "transport/listen.h"

namespace helios::api {

ClientPort::ClientPort(node::Runtime& runtime, const node::NodeConfig& config)
    : runtime_(runtime), config_(config), server_(runtime, config), acceptor_(runtime.io()) {}

ClientPort::~ClientPort() {
  stop();
}

void ClientPort::install() {
  server_.install();
  runtime_.add_metrics_sampler([this](metrics::Sample& out) {
    const ServerStats& stats = server_.stats();
    out.gauge("helios_client_connections", "Open client connections",
              static_cast<double>(server_.connections()));
    out.counter("helios_client_connections_received_total", "Client connections accepted",
                static_cast<double>(stats.connections_received));
    out.counter("helios_client_connections_rejected_total",
                "Client connections refused (max_connections reached)",
                static_cast<double>(stats.connections_rejected));
  });
}

Status ClientPort::start() {
  if (Status s = server_.open(); !s.is_ok()) {
    return s;
  }
  const node::HostPort& at = config_.client.listen;
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(at.host, ec);
  if (ec) {
    return Status(Code::kInvalidArgument, "client address " + at.to_string() + ": " + ec.message());
  }
  ec = transport::open_listener(acceptor_, asio::ip::tcp::endpoint(address, at.port));
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
  started_ = true;
  std::promise<void> done;
  asio::post(runtime_.io(), [this, &done]() {
    server_.set_port(port_.load());
    server_.start();
    accept_next();
    done.set_value();
  });
  done.get_future().wait();
  HELIOS_LOG_INFO(
      "api", "serving clients (Redis protocol, JSON lines%s) on %s:%u",
      tls_ ? (config_.tls.require_client_cert ? ", TLS with client certificates" : ", TLS") : "",
      at.host.c_str(), static_cast<unsigned>(port_.load()));
  return Status::ok();
}

void ClientPort::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  asio::post(runtime_.io(), [this, done]() {
    asio::error_code ec;
    acceptor_.close(ec);
    server_.stop();
    done->set_value();
  });
  // The loop may already be stopped (the runtime stopped first): do not wait forever.
  finished.wait_for(std::chrono::seconds(5));
}

void ClientPort::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (!ec) {
      if (server_.full()) {
        server_.note_rejected();
        static const std::string kFull = "-ERR max number of clients reached\r\n";
        asio::error_code ignored;
        if (!tls_) {  // TLS: no handshake is made for a connection that is refused anyway
          asio::write(socket, asio::buffer(kFull), ignored);
        }
        socket.close(ignored);
      } else {
        server_.accept(std::make_unique<TcpClientStream>(std::move(socket), tls_.get()));
      }
    }
    accept_next();
  });
}

}  // namespace helios::api
