// helios-resp-load: a small Redis-protocol load generator for the snapshot benchmarks
// (bench/snapshots/*.py). One thread, non-blocking sockets and ppoll(); plain RESP2.
//
//   helios-resp-load fill --port P --keys N [--first K] [--value-size B] [--clients C]
//                         [--pipeline D]
//       SET key:<12 digits> for every i in [K, K+N), B-byte values, C connections with up to
//       D requests in flight each (a SET answered with an error is sent again). Prints one
//       summary line.
//   helios-resp-load overwrite --port P --writes W --keyspace K [--value-size B] [--clients C]
//                              [--pipeline D] [--seed S]
//       W SETs of keys drawn uniformly from [0, K).
//   helios-resp-load steady --port P --seconds S --rate R [--clients C] --keyspace K
//                           [--value-size B] [--ping-port P2 --ping-interval-us U]
//                           [--trigger-at S2 --trigger-port P3[,P4...] [--trigger-cmd BGSAVE]]
//                           --out FILE
//       C connections, each with at most one SET in flight, paced so that all together send
//       R SETs/s (a connection whose reply is late sends its next SET as soon as the reply
//       comes). Optionally a separate connection sends PING every U microseconds (one in
//       flight), and at S2 seconds one trigger command (default BGSAVE) is sent to each
//       listed port on a connection of its own. FILE gets one line per request:
//         <kind> <send time, unix us> <latency us>
//       kind: S (SET), P (PING), E (an error reply to a SET), T (trigger; the latency column
//       is the reply's latency and the reply follows on the line).
//
// Keys are "key:" + 12 digits (16 bytes); values are B bytes of a letter pattern (no CR/LF).
// Exit status: 0 ok, 1 a connection failed or a reply was malformed, 2 bad arguments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const char* fmt, const char* arg = "") {
  std::fprintf(stderr, "helios-resp-load: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n");
  std::exit(1);
}

std::int64_t mono_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

std::int64_t unix_us() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

int connect_to(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    die("socket: %s", std::strerror(errno));
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    die("bad host %s", host.c_str());
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    die("connect: %s", std::strerror(errno));
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 5000) != 1) {
    die("connect to port %s timed out", std::to_string(port).c_str());
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    die("connect: %s", std::strerror(err));
  }
  return fd;
}

// The length of the first complete RESP reply in `in`, 0 when it is incomplete, -1 when it
// is malformed.
long reply_length(std::string_view in) {
  if (in.empty()) {
    return 0;
  }
  const std::size_t eol = in.find("\r\n");
  if (eol == std::string_view::npos) {
    return 0;
  }
  const char t = in[0];
  if (t == '+' || t == '-' || t == ':') {
    return static_cast<long>(eol + 2);
  }
  if (t == '$' || t == '*') {
    const long n = std::strtol(std::string(in.substr(1, eol - 1)).c_str(), nullptr, 10);
    if (t == '$') {
      if (n < 0) {
        return static_cast<long>(eol + 2);
      }
      const std::size_t total = eol + 2 + static_cast<std::size_t>(n) + 2;
      return in.size() >= total ? static_cast<long>(total) : 0;
    }
    std::size_t pos = eol + 2;
    for (long i = 0; i < n; ++i) {
      const long l = reply_length(in.substr(pos));
      if (l <= 0) {
        return l;
      }
      pos += static_cast<std::size_t>(l);
    }
    return static_cast<long>(pos);
  }
  return -1;
}

void append_command(std::string& out, const std::vector<std::string_view>& argv) {
  out += '*';
  out += std::to_string(argv.size());
  out += "\r\n";
  for (std::string_view a : argv) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

std::string key_of(std::uint64_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "key:%012" PRIu64, i);
  return b;
}

std::string value_of(std::uint64_t i, std::size_t size) {
  std::string v(size, 'a');
  for (std::size_t k = 0; k < size; ++k) {
    v[k] = static_cast<char>('a' + (i + k * 7) % 26);
  }
  return v;
}

enum class Kind { kSet, kPing, kTrigger };

struct Conn {
  int fd = -1;
  Kind kind = Kind::kSet;
  std::string in;
  std::string out;
  std::size_t out_sent = 0;
  std::deque<std::pair<std::int64_t, std::int64_t>> inflight;  // (unix us, mono us) of sends
  std::int64_t next_due = 0;                                   // mono us (steady mode)
  std::int64_t interval = 0;                                   // us between sends (steady)
  int port = 0;                                                // a trigger's, until it connects
  bool done = false;
};

struct Args {
  std::string mode;
  std::string host = "127.0.0.1";
  int port = 0;
  std::uint64_t keys = 0, first = 0, writes = 0, keyspace = 0;
  std::size_t value_size = 100;
  int clients = 16;
  int pipeline = 16;
  std::uint64_t seed = 1;
  double seconds = 10, rate = 1000;
  int ping_port = 0;
  std::int64_t ping_interval_us = 1000;
  double trigger_at = -1;
  std::vector<int> trigger_ports;
  std::string trigger_cmd = "BGSAVE";
  std::string out_path;
};

void flush_out(Conn& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        return;
      }
      die("send: %s", std::strerror(errno));
    }
    c.out_sent += static_cast<std::size_t>(n);
  }
  c.out.clear();
  c.out_sent = 0;
}

// Reads what is there; returns false on EOF.
bool read_in(Conn& c) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) {
        return true;
      }
      continue;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EAGAIN || errno == EINTR) {
      return true;
    }
    die("recv: %s", std::strerror(errno));
  }
}

// fill / overwrite: pipelined SETs as fast as the server takes them. A SET answered with an
// error (e.g. -TRYAGAIN during an election) is sent again, so that in the end exactly the
// asked number of SETs succeeded (fill: every key exists); the errors are counted.
int run_bulk(const Args& a) {
  const bool fill = a.mode == "fill";
  const std::uint64_t total = fill ? a.keys : a.writes;
  if (total == 0 || (!fill && a.keyspace == 0)) {
    std::fprintf(stderr, "helios-resp-load: %s needs %s\n", a.mode.c_str(),
                 fill ? "--keys" : "--writes and --keyspace");
    return 2;
  }
  std::vector<Conn> conns(static_cast<std::size_t>(a.clients));
  std::vector<std::deque<std::uint64_t>> keys(conns.size());  // the key of each in flight
  for (Conn& c : conns) {
    c.fd = connect_to(a.host, a.port);
  }
  std::mt19937_64 rng(a.seed);
  std::deque<std::uint64_t> retry;
  std::uint64_t next = 0, ok = 0, errors = 0;
  const std::int64_t t0 = mono_us();
  std::vector<pollfd> pfds(conns.size());
  std::string last_error;
  while (ok < total) {
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      while (c.inflight.size() < static_cast<std::size_t>(a.pipeline) &&
             (next < total || !retry.empty())) {
        std::uint64_t k = 0;
        if (!retry.empty()) {
          k = retry.front();
          retry.pop_front();
        } else {
          k = fill ? a.first + next : rng() % a.keyspace;
          ++next;
        }
        append_command(c.out, {"SET", key_of(k), value_of(k + next, a.value_size)});
        c.inflight.emplace_back(0, 0);
        keys[i].push_back(k);
      }
      flush_out(c);
      pfds[i] = pollfd{c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0};
    }
    if (::poll(pfds.data(), pfds.size(), 30000) == 0) {
      die("no reply for 30 s");
    }
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (pfds[i].revents & POLLOUT) {
        flush_out(c);
      }
      if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      if (!read_in(c)) {
        die("the server closed a connection");
      }
      std::size_t pos = 0;
      for (;;) {
        const long l = reply_length(std::string_view(c.in).substr(pos));
        if (l < 0) {
          die("malformed reply");
        }
        if (l == 0 || c.inflight.empty()) {
          break;
        }
        if (c.in[pos] == '-') {
          ++errors;
          last_error.assign(c.in, pos, static_cast<std::size_t>(l) - 2);
          retry.push_back(keys[i].front());
        } else {
          ++ok;
        }
        pos += static_cast<std::size_t>(l);
        c.inflight.pop_front();
        keys[i].pop_front();
      }
      c.in.erase(0, pos);
    }
  }
  const double s = static_cast<double>(mono_us() - t0) / 1e6;
  std::printf("%s: %" PRIu64 " SETs of %zu-byte values in %.2f s = %.0f SET/s; %" PRIu64
              " error replies (sent again)%s%s\n",
              a.mode.c_str(), total, a.value_size, s, static_cast<double>(total) / s, errors,
              errors ? "; last: " : "", last_error.c_str());
  for (Conn& c : conns) {
    ::close(c.fd);
  }
  return 0;
}

int run_steady(const Args& a) {
  if (a.keyspace == 0 || a.out_path.empty() || a.rate <= 0) {
    std::fprintf(stderr, "helios-resp-load: steady needs --keyspace, --rate and --out\n");
    return 2;
  }
  FILE* out = std::fopen(a.out_path.c_str(), "w");
  if (out == nullptr) {
    die("cannot write %s", a.out_path.c_str());
  }
  std::vector<std::unique_ptr<Conn>> conns;
  const std::int64_t t0 = mono_us() + 100000;
  const auto per_conn = static_cast<std::int64_t>(1e6 * a.clients / a.rate);
  for (int i = 0; i < a.clients; ++i) {
    auto c = std::make_unique<Conn>();
    c->fd = connect_to(a.host, a.port);
    c->interval = per_conn;
    c->next_due = t0 + per_conn * i / a.clients;  // spread the clients over one interval
    conns.push_back(std::move(c));
  }
  if (a.ping_port != 0) {
    auto c = std::make_unique<Conn>();
    c->fd = connect_to(a.host, a.ping_port);
    c->kind = Kind::kPing;
    c->interval = a.ping_interval_us;
    c->next_due = t0;
    conns.push_back(std::move(c));
  }
  const std::int64_t trigger_due =
      a.trigger_at >= 0 ? t0 + static_cast<std::int64_t>(a.trigger_at * 1e6) : -1;
  for (int port : a.trigger_ports) {
    auto c = std::make_unique<Conn>();
    // Connected when it is due: an idle connection would be closed by the node's
    // handshake_timeout (10 s by default) before its command is sent.
    c->fd = -1;
    c->port = port;
    c->kind = Kind::kTrigger;
    c->next_due = trigger_due;
    conns.push_back(std::move(c));
  }
  const std::int64_t end = t0 + static_cast<std::int64_t>(a.seconds * 1e6);
  std::mt19937_64 rng(a.seed);
  std::uint64_t sets = 0, errors = 0, seq = 0;
  std::vector<pollfd> pfds(conns.size());
  for (;;) {
    const std::int64_t now = mono_us();
    bool busy = false;
    std::int64_t wake = now + 100000;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = *conns[i];
      if (!c.inflight.empty()) {
        busy = true;
      }
      if (!c.done && c.inflight.empty() && c.next_due >= 0 && now >= c.next_due && now < end) {
        if (c.kind == Kind::kSet) {
          const std::uint64_t k = rng() % a.keyspace;
          append_command(c.out, {"SET", key_of(k), value_of(k + ++seq, a.value_size)});
          c.next_due += c.interval;
          if (c.next_due < now - 10 * c.interval) {
            c.next_due = now;  // do not make up for a long stall with a burst
          }
        } else if (c.kind == Kind::kPing) {
          append_command(c.out, {"PING"});
          c.next_due += c.interval;
          if (c.next_due < now) {
            c.next_due = now + c.interval;
          }
        } else {
          c.fd = connect_to(a.host, c.port);
          append_command(c.out, {a.trigger_cmd});
          c.done = true;
        }
        c.inflight.emplace_back(unix_us(), mono_us());
        flush_out(c);
        busy = true;
      }
      if (!c.done && c.inflight.empty() && c.next_due >= 0 && now < end) {
        wake = std::min(wake, c.next_due);
      }
      pfds[i] = pollfd{c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0};
    }
    if (now >= end && !busy) {
      break;
    }
    if (now >= end + 10000000) {
      std::fprintf(stderr, "helios-resp-load: replies still missing 10 s after the end\n");
      break;
    }
    const std::int64_t wait = std::max<std::int64_t>(0, std::min(wake, end) - mono_us());
    timespec ts{static_cast<time_t>(wait / 1000000), static_cast<long>(wait % 1000000) * 1000};
    ::ppoll(pfds.data(), pfds.size(), &ts, nullptr);
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = *conns[i];
      if (pfds[i].revents & POLLOUT) {
        flush_out(c);
      }
      if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      if (!read_in(c)) {
        die("the server closed a connection");
      }
      const std::int64_t recv_mono = mono_us();
      std::size_t pos = 0;
      for (;;) {
        const long l = reply_length(std::string_view(c.in).substr(pos));
        if (l < 0) {
          die("malformed reply");
        }
        if (l == 0 || c.inflight.empty()) {
          break;
        }
        const auto [sent_unix, sent_mono] = c.inflight.front();
        c.inflight.pop_front();
        const bool error = c.in[pos] == '-';
        const std::int64_t lat = recv_mono - sent_mono;
        if (c.kind == Kind::kSet) {
          ++sets;
          errors += error ? 1 : 0;
          std::fprintf(out, "%c %" PRId64 " %" PRId64 "\n", error ? 'E' : 'S', sent_unix, lat);
        } else if (c.kind == Kind::kPing) {
          std::fprintf(out, "P %" PRId64 " %" PRId64 "\n", sent_unix, lat);
        } else {
          std::string reply(c.in, pos, static_cast<std::size_t>(l) - 2);
          std::replace(reply.begin(), reply.end(), '\n', ' ');
          std::fprintf(out, "T %" PRId64 " %" PRId64 " %s\n", sent_unix, lat, reply.c_str());
        }
        pos += static_cast<std::size_t>(l);
      }
      c.in.erase(0, pos);
    }
  }
  std::fclose(out);
  std::printf("steady: %" PRIu64 " SETs, %" PRIu64 " errors, in %.1f s\n", sets, errors, a.seconds);
  for (auto& c : conns) {
    ::close(c->fd);
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: helios-resp-load fill|overwrite|steady --port P [options]; see the "
               "comment at the top of bench/resp_load.cc\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string f = argv[i];
    if (i + 1 >= argc) {
      return usage();
    }
    const std::string v = argv[++i];
    if (f == "--host")
      a.host = v;
    else if (f == "--port")
      a.port = std::atoi(v.c_str());
    else if (f == "--keys")
      a.keys = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--first")
      a.first = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--writes")
      a.writes = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--keyspace")
      a.keyspace = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--value-size")
      a.value_size = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--clients")
      a.clients = std::atoi(v.c_str());
    else if (f == "--pipeline")
      a.pipeline = std::atoi(v.c_str());
    else if (f == "--seed")
      a.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (f == "--seconds")
      a.seconds = std::atof(v.c_str());
    else if (f == "--rate")
      a.rate = std::atof(v.c_str());
    else if (f == "--ping-port")
      a.ping_port = std::atoi(v.c_str());
    else if (f == "--ping-interval-us")
      a.ping_interval_us = std::atoll(v.c_str());
    else if (f == "--trigger-at")
      a.trigger_at = std::atof(v.c_str());
    else if (f == "--trigger-cmd")
      a.trigger_cmd = v;
    else if (f == "--trigger-port") {
      std::size_t pos = 0;
      while (pos <= v.size()) {
        const std::size_t comma = std::min(v.find(',', pos), v.size());
        a.trigger_ports.push_back(std::atoi(v.substr(pos, comma - pos).c_str()));
        pos = comma + 1;
      }
    } else if (f == "--out")
      a.out_path = v;
    else
      return usage();
  }
  if (a.port <= 0 || a.clients <= 0 || a.pipeline <= 0) {
    return usage();
  }
  if (a.mode == "fill" || a.mode == "overwrite") {
    return run_bulk(a);
  }
  if (a.mode == "steady") {
    return run_steady(a);
  }
  return usage();
}
