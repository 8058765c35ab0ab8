#include "sim/client_conn.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"
#include "sim/json_client.h"

namespace helios::sim {

struct SimConnection::Pipe {
  struct Expected {
    ReplyHandler handler;
    bool read = false;
  };
  env::Loop& loop;
  std::function<Index()> applied;
  const Protocol protocol;
  bool closed = false;
  std::function<void(bool)> server_closed;  // SimConnection::on_server_close
  // Client to server: bytes the session has not read yet, and its read waiting for them.
  std::string inbound;
  char* read_into = nullptr;
  std::size_t read_size = 0;
  api::ClientStream::Handler read_done;
  bool read_posted = false;  // bytes handed to the session whose completion has not run
  // Server to client.
  resp::ReplyParser parser;
  std::string json_lines;  // JSON-lines replies: bytes of a line not yet complete
  std::deque<Expected> expected;
  std::deque<ReadEvaluation> evaluations;

  Pipe(env::Loop& l, std::function<Index()> a, Protocol p)
      : loop(l), applied(std::move(a)), protocol(p) {}

  // Completes the session's waiting read with what arrived (or end-of-file once closed).
  void serve_read(const std::shared_ptr<Pipe>& self) {
    if (!read_done || (inbound.empty() && !closed)) {
      return;
    }
    api::ClientStream::Handler done = std::move(read_done);
    read_done = nullptr;
    if (closed) {
      loop.post([done]() { done(std::make_error_code(std::errc::connection_reset), 0); });
      return;
    }
    const std::size_t n = std::min(read_size, inbound.size());
    std::memcpy(read_into, inbound.data(), n);
    inbound.erase(0, n);
    read_posted = true;
    loop.post([self, done, n]() {
      self->read_posted = false;
      done(std::error_code(), n);
    });
  }

  void receive(std::string_view bytes) {
    if (protocol == Protocol::kJsonLines) {
      json_lines.append(bytes);
      std::size_t end = 0;
      while (!closed && (end = json_lines.find('\n')) != std::string::npos) {
        resp::Value v = json_reply_value(std::string_view(json_lines).substr(0, end));
        json_lines.erase(0, end + 1);
        deliver(v);
      }
      return;
    }
    parser.feed(bytes);
    resp::Value v;
    while (!closed && parser.next(v) == resp::ParseStatus::kRequest) {
      deliver(v);
    }
  }

  void deliver(const resp::Value& v) {
    HELIOS_ASSERT_MSG(!expected.empty(), "a reply to no request");
    Expected e = std::move(expected.front());
    expected.pop_front();
    std::optional<ReadEvaluation> read;
    if (e.read && v.type != resp::Value::Type::kError) {
      HELIOS_ASSERT_MSG(!evaluations.empty(), "a read's reply without its evaluation");
      read = evaluations.front();
      evaluations.pop_front();
    }
    if (e.handler) {
      e.handler(v, read);
    }
  }
};

class SimConnection::ServerEnd final : public api::ClientStream {
 public:
  explicit ServerEnd(std::shared_ptr<Pipe> pipe) : pipe_(std::move(pipe)) {}
  std::string remote() const override { return "sim-client:0"; }
  std::string local() const override { return "sim-node:0"; }
  bool is_tls() const override { return false; }
  void async_handshake(HandshakeHandler handler) override {
    pipe_->loop.post([handler]() { handler(std::error_code(), ""); });
  }
  void async_read_some(char* into, std::size_t size, Handler handler) override {
    HELIOS_ASSERT_MSG(!pipe_->read_done, "two reads outstanding");
    pipe_->read_into = into;
    pipe_->read_size = size;
    pipe_->read_done = std::move(handler);
    pipe_->serve_read(pipe_);
  }
  void async_write(const std::string& bytes, Handler handler) override {
    const std::shared_ptr<Pipe> pipe = pipe_;
    if (pipe->closed) {
      pipe->loop.post([handler]() { handler(std::make_error_code(std::errc::broken_pipe), 0); });
      return;
    }
    // Delivered to the client end in the same turn as the write completes.
    pipe->loop.post([pipe, copy = bytes, handler]() {
      pipe->receive(copy);
      handler(std::error_code(), copy.size());
    });
  }
  void close() override {
    const bool waiting = !pipe_->closed && !pipe_->expected.empty();
    const bool busy = pipe_->inbound.empty() && !pipe_->read_posted;
    pipe_->closed = true;
    pipe_->serve_read(pipe_);
    if (waiting && pipe_->server_closed) {
      std::function<void(bool)> fn = std::move(pipe_->server_closed);
      pipe_->server_closed = nullptr;
      fn(busy);
    }
  }
  void note_read_time(std::uint64_t at_ms) override {
    pipe_->evaluations.push_back(ReadEvaluation{at_ms, pipe_->applied()});
  }

 private:
  std::shared_ptr<Pipe> pipe_;
};

SimConnection::SimConnection(env::Loop& loop, std::function<Index()> applied, Protocol protocol)
    : pipe_(std::make_shared<Pipe>(loop, std::move(applied), protocol)) {}

SimConnection::~SimConnection() {
  close();
}

std::unique_ptr<api::ClientStream> SimConnection::server_end() {
  HELIOS_ASSERT(!handed_out_);
  handed_out_ = true;
  return std::make_unique<ServerEnd>(pipe_);
}

void SimConnection::send(const std::vector<std::string>& argv, ReplyHandler handler, bool read) {
  HELIOS_ASSERT(!pipe_->closed);
  std::string& out = pipe_->inbound;
  if (pipe_->protocol == Protocol::kJsonLines) {
    out += json_request_line(argv);
    pipe_->expected.push_back(Pipe::Expected{std::move(handler), read});
    pipe_->serve_read(pipe_);
    return;
  }
  out += "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  pipe_->expected.push_back(Pipe::Expected{std::move(handler), read});
  pipe_->serve_read(pipe_);
}

void SimConnection::on_server_close(std::function<void(bool busy)> fn) {
  pipe_->server_closed = std::move(fn);
}

std::size_t SimConnection::unanswered() const {
  return pipe_->expected.size();
}

bool SimConnection::open() const {
  return !pipe_->closed;
}

void SimConnection::close() {
  if (pipe_->closed) {
    return;
  }
  pipe_->closed = true;
  pipe_->expected.clear();  // what was not answered never will be
  pipe_->serve_read(pipe_);
}

}  // namespace helios::sim
