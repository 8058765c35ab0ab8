#include "api/server.h"

#include <chrono>

#include "api/session.h"
#include "base/log.h"

namespace helios::api {

Server::Server(node::ClientHost& host, const node::NodeConfig& config)
    : host_(host), config_(config), executor_(host, config), blocking_(host, executor_) {
  limits_.max_bulk_bytes = config.client.max_bulk_bytes;
  limits_.max_args = config.client.max_args;
  limits_.max_inline_bytes = config.client.max_inline_bytes;
  limits_.max_request_bytes =
      std::max<std::size_t>(limits_.max_request_bytes, 2 * config.client.max_bulk_bytes);
}

Server::~Server() = default;

void Server::install() {
  install_acl_applier();  // before the host applies any entry (replay included)
  executor_.install();
  blocking_.install();
}

Status Server::open() {
  Result<std::unique_ptr<AclState>> acl = AclState::open(config_);
  if (!acl.is_ok()) {
    return acl.status();
  }
  acl_ = std::move(acl).value();
  executor_.set_acl_base(acl_->bootstrap_encoded());
  return Status::ok();
}

void Server::start() {
  started_ms_ = static_cast<std::uint64_t>(host_.wall_ms());
  executor_.start();
  blocking_.start();
  schedule_sweep();
}

void Server::stop() {
  sweep_timer_.reset();
  executor_.stop();
  blocking_.stop();
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions = std::move(sessions_);
  sessions_.clear();
  monitors_.clear();
  for (auto& [id, session] : sessions) {
    session->close();
  }
}

void Server::accept(std::unique_ptr<ClientStream> stream) {
  ++stats_.connections_received;
  const std::uint64_t id = next_id_++;
  auto session = std::make_shared<Session>(*this, std::move(stream), id);
  sessions_.emplace(id, session);
  session->start();
}

CommandRecord& Server::command_record(const CommandSpec* spec) {
  CommandRecord& record = observe_.record_of(spec);
  if (record.series == nullptr) {
    // Prometheus counts by top-level command: "config|get" is "config".
    const std::string& name = record.name;
    record.series = &host_.metrics().command(name.substr(0, name.find('|')));
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
  host_.metrics().client_error(line.substr(0, end));
  // Redis's code: the first word if a space comes within the first 32 bytes, else "ERR".
  const std::size_t space = line.substr(0, 31).find(' ');
  const std::string_view code = space == std::string_view::npos ? "ERR" : line.substr(0, space);
  observe_.note_error(code);
  return code;
}

void Server::note_error_line(std::string_view line) {
  const std::size_t space = line.substr(0, 31).find(' ');
  host_.metrics().client_error(line.substr(0, space));
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

void Server::schedule_sweep() {
  sweep_timer_ = host_.loop().schedule_after(kSweepEvery, [this]() {
    sweep();
    schedule_sweep();
  });
}

void Server::sweep() {
  const std::int64_t now = host_.wall_ms();
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
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(host_.loop().now().time_since_epoch())
          .count();
  std::uint64_t suppressed = 0;
  if (refusals_.allow(remote.substr(0, remote.rfind(':')), now, &suppressed)) {
    const std::string more =
        suppressed == 0 ? "" : " (" + std::to_string(suppressed) + " more from it not logged)";
    HELIOS_LOG_WARN("api", "closing client %s: %s%s", remote.c_str(), reason.c_str(), more.c_str());
  }
}

bool Server::is_follower() const {
  return host_.node().raw().raft().role() != raft::Role::kLeader;
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
