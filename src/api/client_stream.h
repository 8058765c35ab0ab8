#pragma once
// ClientStream: one client connection's bytes, as a Session (session.h) sees them, so that
// the same session code runs on a TCP socket (tcp_client_stream.h: plaintext or TLS, in
// production) and on a simulated connection (the simulator's clients).
//
// Contract:
//   - Every operation completes by calling its handler later, never inside the call that
//     started it, on the session's loop thread.
//   - At most one read and one write are outstanding at a time. async_write writes all of
//     `bytes`, which the caller keeps unchanged until its handler ran.
//   - A failed operation (the peer closed, a reset, a failed handshake) completes with an
//     error; so does every outstanding operation once close() was called. Handlers hold
//     what they need alive: each is called exactly once, unless the stream is destroyed first.
//   - note_read_time() is told the time (unix ms) each linearizable or stale read of the
//     connection was evaluated at; a stream that does not care ignores it (the simulator's
//     history records it, for its checker of TTLs).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

namespace helios::api {

class ClientStream {
 public:
  using Handler = std::function<void(const std::error_code& ec, std::size_t n)>;
  // A failed handshake's reason, beside its error (empty: the error's own message says it).
  using HandshakeHandler = std::function<void(const std::error_code& ec, std::string why)>;

  virtual ~ClientStream() = default;

  // "host:port" of the peer and of this end, for CLIENT LIST and logs.
  virtual std::string remote() const = 0;
  virtual std::string local() const = 0;
  virtual bool is_tls() const = 0;
  // The TLS handshake (a plaintext stream completes it at once, still never inline).
  virtual void async_handshake(HandshakeHandler handler) = 0;
  virtual void async_read_some(char* into, std::size_t size, Handler handler) = 0;
  virtual void async_write(const std::string& bytes, Handler handler) = 0;
  virtual void close() = 0;
  virtual void note_read_time(std::uint64_t /*at_ms*/) {}
};

}  // namespace helios::api
