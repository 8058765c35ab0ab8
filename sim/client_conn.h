#pragma once
// SimConnection: one simulated client's connection to a node's client port: an in-memory
// byte pipe on the node's loop whose server end is the ClientStream a real api::Session
// reads and writes (so the simulator's clients go through the sessions' RESP parsing,
// pipelining, MULTI/EXEC, WATCH and read times, as a Redis client does), and whose client
// end sends requests as RESP and parses the replies (resp::ReplyParser), or, on a
// connection made with Protocol::kJsonLines, speaks the ATLAS JSON-lines protocol
// (docs/json-lines.md) as a JSON client would: one request object per line (SET's value in
// base64 with "ttl_ms" for PX, "key" for the first argument, "args" for the rest), and each
// reply line read back into the Redis reply it stands for (sim_json_client.h), so the same
// handlers judge both.
//
// The client end pairs replies with requests in order: each request has a handler (or none:
// its reply is read and dropped), called with the parsed reply; a reply to a read (a GET)
// comes with the time the session evaluated it at and the state's applied index then
// (ClientStream::note_read_time), which the history records for the timed checker.
//
// Both ends post their completions to the loop (ClientStream's contract). close() from
// either end ends the connection: the session reads end-of-file, and requests without a
// reply never get one (the client's own timeout covers them).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/client_stream.h"
#include "env/loop.h"
#include "raft/types.h"
#include "resp/reply_parser.h"

namespace helios::sim {

// A reply, with its read's evaluation (nullopt: not a read, or answered without one).
struct ReadEvaluation {
  std::uint64_t at_ms = 0;
  Index applied = 0;
};
using ReplyHandler =
    std::function<void(const resp::Value& reply, std::optional<ReadEvaluation> read)>;

class SimConnection {
 public:
  enum class Protocol { kResp, kJsonLines };

  // `applied` reads the node's applied index (at each read's evaluation).
  SimConnection(env::Loop& loop, std::function<Index()> applied,
                Protocol protocol = Protocol::kResp);
  ~SimConnection();
  SimConnection(const SimConnection&) = delete;
  SimConnection& operator=(const SimConnection&) = delete;

  // The server end, for api::Server::accept (once).
  std::unique_ptr<api::ClientStream> server_end();
  // Sends one request (a command's argv as a RESP array, or its JSON line); `handler` (may be
  // empty) gets its reply. `read`: the reply is a read's (a GET's), evaluated once it is not an
  // error.
  void send(const std::vector<std::string>& argv, ReplyHandler handler, bool read = false);
  // Requests sent whose reply has not come.
  std::size_t unanswered() const;
  // Called (at most once) if the server end closes while this end waits for replies: `busy`
  // when the session had read every one of those requests in full; false when some were
  // still unread (a close that crossed them, as with any server: they are never handled).
  void on_server_close(std::function<void(bool busy)> fn);
  bool open() const;
  void close();

 private:
  struct Pipe;
  class ServerEnd;
  std::shared_ptr<Pipe> pipe_;
  bool handed_out_ = false;
};

}  // namespace helios::sim
