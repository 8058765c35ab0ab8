#include "apps/cli_data.h"

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "apps/cli_security.h"
#include "node/config.h"
#include "resp/reply_parser.h"
#include "resp/writer.h"

namespace helios::apps {

namespace {

constexpr int kMaxRedirects = 5;
constexpr int kMaxTryAgain = 20;

void append_command(std::string& request, const std::vector<std::string>& argv) {
  resp::Writer w(request, 2);
  w.array(argv.size());
  for (const std::string& a : argv) {
    w.bulk(a);
  }
}

// Sends `request` and reads `count` replies; returns the last (or the first error reply).
template <typename Stream>
Result<resp::Value> exchange(Stream& stream, const std::string& request, int count) {
  asio::write(stream, asio::buffer(request));
  resp::ReplyParser parser;
  resp::Value value;
  char buf[16384];
  while (true) {
    const resp::ParseStatus s = parser.next(value);
    if (s == resp::ParseStatus::kRequest) {
      if (--count == 0 || value.type == resp::Value::Type::kError) {
        return value;
      }
      continue;
    }
    if (s == resp::ParseStatus::kError) {
      return Status(Code::kInvalidArgument, "malformed reply: " + parser.error());
    }
    const std::size_t n = stream.read_some(asio::buffer(buf));
    parser.feed(std::string_view(buf, n));
  }
}

// One request, one reply, over a fresh connection (a CLI sends one command), over TLS and
// after AUTH when the options say so (apps/cli_security.h).
Result<resp::Value> call(const node::HostPort& at, const std::vector<std::string>& argv) {
  const CliSecurity& security = cli_security();
  std::string request;
  int count = 1;
  if (!security.pass.empty()) {
    append_command(request, security.user.empty()
                                ? std::vector<std::string>{"AUTH", security.pass}
                                : std::vector<std::string>{"AUTH", security.user, security.pass});
    ++count;
  }
  append_command(request, argv);
  try {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    asio::ip::tcp::resolver resolver(io);
    asio::connect(socket, resolver.resolve(at.host, std::to_string(at.port)));
    if (!security.tls) {
      return exchange(socket, request, count);
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (security.cacert.empty()) {
      ctx.set_default_verify_paths();
    } else {
      ctx.load_verify_file(security.cacert);
    }
    if (!security.cert.empty()) {
      ctx.use_certificate_chain_file(security.cert);
      ctx.use_private_key_file(security.key, asio::ssl::context::pem);
    }
    asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, ctx);
    tls.handshake(asio::ssl::stream_base::client);
    return exchange(tls, request, count);
  } catch (const std::system_error& e) {
    return Status(Code::kUnavailable, at.to_string() + ": " + e.what());
  }
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::optional<std::vector<std::string>> to_argv(const std::vector<std::string>& args) {
  const std::string& cmd = args[0];
  const std::size_t n = args.size();
  if (cmd == "get" && n == 2)
    return std::vector<std::string>{"GET", args[1]};
  if (cmd == "ttl" && n == 2)
    return std::vector<std::string>{"TTL", args[1]};
  if (cmd == "expire" && n == 3)
    return std::vector<std::string>{"EXPIRE", args[1], args[2]};
  if (cmd == "incr" && n == 2)
    return std::vector<std::string>{"INCR", args[1]};
  if (cmd == "incr" && n == 3)
    return std::vector<std::string>{"INCRBY", args[1], args[2]};
  if (cmd == "keys" && n <= 2)
    return std::vector<std::string>{"KEYS", n == 2 ? args[1] : "*"};
  if (cmd == "del" && n >= 2) {
    std::vector<std::string> argv = {"DEL"};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return argv;
  }
  if (cmd == "set" && n == 3)
    return std::vector<std::string>{"SET", args[1], args[2]};
  if (cmd == "set" && n == 5 && args[3] == "--ttl") {
    Result<std::uint64_t> ms = node::parse_duration_ms(args[4]);
    if (!ms.is_ok() || ms.value() == 0) {
      std::fprintf(stderr, "helios-cli: --ttl wants a duration such as 30s or 500ms\n");
      return std::nullopt;
    }
    return std::vector<std::string>{"SET", args[1], args[2], "PX", std::to_string(ms.value())};
  }
  return std::nullopt;
}

}  // namespace

bool is_data_command_name(const std::string& name) {
  return name == "get" || name == "set" || name == "del" || name == "expire" || name == "ttl" ||
         name == "incr" || name == "keys";
}

int run_data_command(const std::string& node_address, const std::vector<std::string>& args) {
  const std::optional<std::vector<std::string>> argv = to_argv(args);
  if (!argv.has_value()) {
    std::fprintf(stderr,
                 "usage: helios-cli [--node HOST:PORT] get KEY | set KEY VALUE [--ttl 30s] | "
                 "del KEY... | expire KEY SECONDS | ttl KEY | incr KEY [BY] | keys [PATTERN]\n");
    return 2;
  }
  Result<node::HostPort> at = node::parse_host_port(node_address);
  if (!at.is_ok()) {
    std::fprintf(stderr, "helios-cli: %s\n", at.status().message().c_str());
    return 2;
  }
  node::HostPort target = at.value();
  int redirects = 0;
  int retries = 0;
  while (true) {
    Result<resp::Value> reply = call(target, *argv);
    if (!reply.is_ok()) {
      std::fprintf(stderr, "helios-cli: %s\n", reply.status().message().c_str());
      return 1;
    }
    const resp::Value& v = reply.value();
    if (v.type == resp::Value::Type::kError && starts_with(v.str, "MOVED ") &&
        redirects < kMaxRedirects) {
      const std::size_t space = v.str.rfind(' ');
      Result<node::HostPort> next = node::parse_host_port(v.str.substr(space + 1));
      if (next.is_ok()) {
        target = next.value();
        ++redirects;
        continue;
      }
    }
    if (v.type == resp::Value::Type::kError && starts_with(v.str, "TRYAGAIN") &&
        retries < kMaxTryAgain) {
      ++retries;  // certainly not applied: safe to retry while a leader is elected
      std::this_thread::sleep_for(std::chrono::milliseconds(100 * retries));
      continue;
    }
    std::printf("%s\n", v.to_string().c_str());
    return v.type == resp::Value::Type::kError ? 1 : 0;
  }
}

}  // namespace helios::apps
