// SimNode's client layer: the production api::Server (its sessions and executor) hosted on
// the simulated node (node::ClientHost), the leader's chores, and the clients' operations as
// Redis commands on simulated connections.
#include <algorithm>

#include "atlas/command.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "sim/node.h"

namespace helios::sim {

namespace {

using api::Argv;

// Every kAclEvery-th put also changes a user (ACL SETUSER through the log: api/acl_state.h).
// What the simulator checks is that the table replicates: the same at the same applied
// index on every node, through the log, restarts and snapshots (SimNode::digest).
constexpr std::uint64_t kAclEvery = 5;

// WATCH: every other put sends a WATCHed transaction beside it, guarded by the versions of
// "~w" (set by every kWatchedEvery-th put) and "~h" that the client's node sees; writes in
// flight change "~h" now and then, so both outcomes happen. Every replica must decide alike:
// the digest covers what the guarded commands did, and a replica whose versions differ (a
// snapshot that lost them: planted bug `snapshot-drops-versions`; guards that compare
// versions before they started, which replicas restored from a snapshot without versions do
// not hold: planted bug `versions-unestablished`) diverges.
constexpr std::uint64_t kWatchedEvery = 16;
// Every kUnblockEvery-th operation of a client whose blocking pop still waits ends it with
// CLIENT UNBLOCK (SimNode::unblock_pop).
constexpr std::uint64_t kUnblockEvery = 3;

// The collections of the workload: with every put, one change of a hash, a list, a set or a
// sorted set (keys shared by all clients, kept small), through the real object commands,
// SPOP drawing from the seed its plan stamps at the leader. What the simulator checks is
// that they replicate: the digest covers them (SimNode::digest), and a pick that depended on
// a hash table's order would diverge on a replica restored from a snapshot (planted bug
// `unordered-picks`), and so would a lex range over differing scores that followed the skip
// list's levels (planted bug `lex-by-rank`).
std::vector<Argv> collection_commands(std::uint64_t op, const KvCommand& command) {
  const std::string member = command.key + ":" + std::to_string(op % 16);
  std::vector<Argv> out;
  switch (op % 4) {
    case 0:
      out.push_back({"HSET", "~h", member, command.value});
      break;
    case 1:
      // Now and then an element past a quicklist node (8 KiB), so the list spans nodes.
      out.push_back(
          {"LPUSH", "~l", op % 9 == 1 ? command.value + std::string(9000, 'l') : command.value});
      out.push_back({"LTRIM", "~l", "0", "7"});
      break;
    case 2:
      // Members from a bounded pool (keys x 16), so the set stays small.
      out.push_back({"SADD", "~s", member, command.key});
      if (op % 3 == 0) {
        out.push_back({"SPOP", "~s", "2"});
      }
      // An integer set (an IntSet), which now and then holds a text member for a while: a
      // replica that applied the log keeps it a listpack, one restored from a snapshot holds
      // an IntSet again; picks must not depend on which.
      out.push_back({"SADD", "~i", std::to_string(op % 23)});
      if (op % 5 == 0) {
        out.push_back({"SADD", "~i", "x"});
      } else if (op % 5 == 3) {
        out.push_back({"SREM", "~i", "x"});
        out.push_back({"SPOP", "~i", "2"});
      }
      break;
    default:
      // Now and then a member past the compact limit (64 bytes), so the sorted set becomes a
      // skip list, whose levels differ on a replica restored from a snapshot.
      out.push_back({"ZADD", "~z", std::to_string(op % 50),
                     op % 13 == 0 ? member + std::string(64, '.') : member});
      if (op % 5 == 0) {
        out.push_back({"ZPOPMIN", "~z", "3"});
      } else if (op % 7 == 0) {  // a lex range over differing scores
        out.push_back({"ZREMRANGEBYLEX", "~z", "[" + member, "(" + command.key + ":9"});
      }
      break;
  }
  return out;
}

enum class PutOutcome : std::uint8_t { kApplied, kNotApplied, kUncertain };

// What the reply to a put says: OK (or an EXEC array whose first reply, the SET's, is OK),
// -TRYAGAIN (certainly not applied) or -UNCERTAIN. Anything else is a bug.
PutOutcome put_outcome(const resp::Value& reply) {
  using Type = resp::Value::Type;
  if (reply.type == Type::kSimple && reply.str == "OK") {
    return PutOutcome::kApplied;
  }
  if (reply.type == Type::kArray && !reply.elements.empty() &&
      reply.elements.front().type == Type::kSimple && reply.elements.front().str == "OK") {
    return PutOutcome::kApplied;
  }
  if (reply.type == Type::kError && reply.str.starts_with("TRYAGAIN ")) {
    return PutOutcome::kNotApplied;
  }
  if (reply.type == Type::kError && reply.str.starts_with("UNCERTAIN ")) {
    return PutOutcome::kUncertain;
  }
  throw SimFailure("a put got an unexpected reply: " + reply.to_string());
}

// A connection whose replies are this many behind is closed and opened again (the side
// connections' replies are not waited for).
constexpr std::size_t kMaxSideUnanswered = 64;

}  // namespace

void SimNode::configure_client_layer() {
  const Micros election_us = options_.tick_us * static_cast<Micros>(options_.election_ticks);
  const std::uint64_t election_ms = std::max<std::uint64_t>(1, election_us / 1000);
  client_config_.node_id = id();
  client_config_.election_timeout_ms = static_cast<std::uint32_t>(election_ms);
  client_config_.client.redirect = node::Redirect::kForward;
  // Long enough for a few elections (production: 3000 and 5000 ms against 150 ms), and within
  // a client's own timeout (SimOptions::client_timeout_us, twenty election timeouts or more):
  // the executor answers first.
  client_config_.client.leader_wait_ms = 8 * election_ms;
  client_config_.client.write_timeout_ms = 8 * election_ms;
  client_config_.client.max_batches_in_flight = options_.max_batches_in_flight;
  client_config_.client.idle_timeout_ms = options_.idle_timeout_us / 1000;
  // What the membership keeper reads (node_members.cc): the configuration file's peers are
  // the bootstrap voters, as in a production cluster's file.
  client_config_.cluster_id = "sim";
  for (int i = 1; i <= options_.nodes; ++i) {
    const node::Member m = sim_member(static_cast<NodeId>(i));
    client_config_.peers.push_back(node::PeerConfig{m.id, m.peer, m.client, m.admin});
  }
  client_config_.admin = sim_member(id()).admin;
  client_config_.max_entries_per_append = options_.max_entries_per_append;
}

void SimNode::start_client_layer() {
  chores_ = std::make_unique<node::LeaderChores>(
      [this](atlas::Command command, node::CommandCallback done) {
        propose_now(command, std::move(done));
      });
  node::ClientHost& host = *this;
  server_ = std::make_unique<api::Server>(host, client_config_);
  api::Executor& executor = server_->executor();
  if (options_.bugs.uncertain_as_not_applied) {
    executor.plant_uncertain_as_not_applied();
  }
  if (options_.bugs.unrepaid_loan) {
    executor.plant_unrepaid_loan();
  }
  if (options_.bugs.held_batch_stuck) {
    executor.plant_held_batch_stuck();
  }
  if (options_.bugs.ttl_local_clock) {
    server_->plant_ttl_local_clock();
  }
  if (options_.bugs.read_skips_write) {
    server_->plant_read_skips_write();
  }
  if (options_.bugs.blocking_serves_local) {
    server_->plant_blocking_serves_local();
  }
  if (options_.bugs.blocking_drops_late_pop) {
    server_->plant_blocking_drops_late_pop();
  }
  if (options_.bugs.unblock_drops_pop) {
    server_->plant_unblock_drops_pop();
  }
  if (options_.bugs.idle_closes_busy) {
    server_->plant_idle_closes_busy();
  }
  server_->install();
  if (Status s = server_->open(); !s.is_ok()) {
    throw SimFailure("the client layer does not open: " + s.to_string());
  }
  start_members();
  node::TickDuties::Host duties;
  duties.wall_ms = [this]() { return host_.clock_ms(index_); };
  // Versions start once the leader applied options_.versions_start entries, as in a cluster
  // whose last member was upgraded to a release with WATCH then.
  duties.versions_allowed = [this]() {
    return machine_.store().applied_index() >= options_.versions_start;
  };
  duties.removed = [this]() { return removed(); };
  duties_ = std::make_unique<node::TickDuties>(options_.tick_us, *node_, machine_, *chores_,
                                               *members_, std::move(duties));
  node_->start();
  server_->start();
}

api::ExecutorStats SimNode::api_stats() const {
  api::ExecutorStats out = api_before_;
  if (server_ != nullptr) {
    out += server_->executor().stats();
  }
  return out;
}

std::uint64_t SimNode::idle_closed() const {
  return idle_closed_before_ + (server_ != nullptr ? server_->stats().connections_timed_out : 0);
}

void SimNode::stop_client_layer() {
  api_before_ = api_stats();
  idle_closed_before_ = idle_closed();
  loop_.mute(true);  // what this posts is dropped below
  if (server_ != nullptr) {
    // What waits in it is dropped unanswered, and every connection closes, as when a
    // process dies.
    server_->stop();
  }
  connections_.clear();
  side_connections_.clear();
  blocking_connections_.clear();
  role_listeners_.clear();
  forward_handler_ = nullptr;
  loop_.clear();
  loop_.mute(false);
}

node::NodeStatus SimNode::status_now() const {
  node::NodeStatus st;
  st.id = id();
  const raft::Raft& r = node_->raw().raft();
  st.role = r.role();
  st.term = r.term();
  st.commit = r.log().committed();
  st.applied = node_->applied();
  st.last_index = r.log().last_index();
  st.snapshot = node_->last_snapshot();
  st.snapshot_in_progress = node_->snapshotting();
  return st;
}

Status SimNode::request_snapshot() {
  return node_->request_snapshot();
}

SimConnection& SimNode::connection(int client, bool side) {
  std::unique_ptr<SimConnection>& c = (side ? side_connections_ : connections_)[client];
  const std::size_t most = side ? kMaxSideUnanswered : 0;
  if (c == nullptr || !c->open() || c->unanswered() > most) {
    // Every third client's puts and gets go over the JSON-lines protocol (docs/json-lines.md);
    // its side connections, and everyone else's, speak RESP.
    const SimConnection::Protocol protocol = !side && client % 3 == 1
                                                 ? SimConnection::Protocol::kJsonLines
                                                 : SimConnection::Protocol::kResp;
    c = std::make_unique<SimConnection>(
        loop_, [this]() { return node_->applied(); }, protocol);
    watch_closes(*c, side ? -1 : client);
    server_->accept(c->server_end());
  }
  return *c;
}

void SimNode::tick() {
  // The runtime's: the core's tick, then every 100 ms of this node's ticks the leader's
  // chores by this node's clock and the membership keeper's round.
  duties_->tick();
}

std::uint64_t SimNode::leader_clock_ms() {
  const std::uint64_t now = stamp_now();
  if (chores_->wants_clock_entry(machine_.store(), machine_.last_stamp_ms(), now)) {
    loop_.post([this]() { chores_->propose_clock_entry(); });  // inside the Ready loop here
  }
  return now;
}

void SimNode::propose_now(atlas::Command& command, node::CommandCallback done) {
  command.stamp_ms = stamp_now();
  node_->propose(atlas::encode_command(command), [done](Result<node::ApplyReply> reply) {
    if (!reply.is_ok()) {
      done(reply.status());
      return;
    }
    done(node::replies_of(std::move(reply).value()));
  });
}

std::uint64_t SimNode::stamp_now() {
  // Stamped as the runtime does, by this node's skewed clock (node/stamp_clock.h; the planted
  // bug `stamp-below-log` forgets the log, as the runtime once did).
  return stamps_.stamp(host_.clock_ms(index_), machine_.last_stamp_ms());
}

void SimNode::report_puts(const raft::Entry& entry) {
  if (entry.type != raft::EntryType::kNormal || entry.index <= host_.puts_reported_through()) {
    return;
  }
  Result<atlas::Command> cmd = atlas::decode_command(entry.data);
  if (!cmd.is_ok()) {
    return;  // the apply itself stops the node
  }
  // Applied at its stamp, raised to the stamps applied before it (AtlasMachine).
  const std::uint64_t stamp = options_.bugs.stamp_below_log
                                  ? cmd.value().stamp_ms
                                  : std::max(cmd.value().stamp_ms, machine_.last_stamp_ms());
  const std::vector<atlas::Op>& ops = cmd.value().ops;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (const auto* set = std::get_if<atlas::SetOp>(&ops[i])) {
      host_.on_put_applied(set->value, entry.index, static_cast<std::uint32_t>(i), stamp,
                           set->deadline_ms);
    }
  }
}

void SimNode::deliver_forward(NodeId from, bool reply, const std::string& body) {
  if (forward_handler_) {
    forward_handler_(from, reply, body);
  }
}

// ---------------------------------------------------------------------------------------
// Clients.

bool SimNode::client_put(int client, std::uint64_t op, const KvCommand& command) {
  if (!up()) {
    return false;
  }
  Argv set{"SET", command.key, command.value};
  if (command.ttl_ms != 0) {
    set.insert(set.end(), {"PX", std::to_string(command.ttl_ms)});
  }
  // A third alone, the rest in a MULTI/EXEC (with collection commands for odd ops).
  const bool exec = op % 3 != 0;
  std::vector<Argv> commands{std::move(set)};
  if (exec && op % 2 == 1) {
    for (Argv& argv : collection_commands(op, command)) {
      commands.push_back(std::move(argv));
    }
  }
  SimHost& host = host_;
  ReplyHandler outcome = [&host, client, op](const resp::Value& reply,
                                             std::optional<ReadEvaluation>) {
    switch (put_outcome(reply)) {
      case PutOutcome::kApplied:
        host.put_done(client, op, true);
        break;
      case PutOutcome::kNotApplied:
        host.put_done(client, op, false);
        break;
      case PutOutcome::kUncertain:
        host.put_uncertain(client, op);
        break;
    }
  };
  SimConnection& conn = connection(client, false);
  main_ops_[client] = op;
  if (exec) {
    conn.send({"MULTI"}, nullptr);
    for (const Argv& argv : commands) {
      conn.send(argv, nullptr);
    }
    conn.send({"EXEC"}, std::move(outcome));
  } else {
    conn.send(commands.front(), std::move(outcome));
  }
  SimConnection& side = connection(client, true);
  if (op % 2 == 0) {  // a WATCHed transaction beside it, in the same turn of the loop
    side.send({"WATCH", "~w", "~h"}, nullptr, true);
    side.send({"MULTI"}, nullptr);
    if (op % kWatchedEvery == 0) {
      side.send({"SET", "~w", "w" + command.value}, nullptr);  // not a client's value
    }
    for (Argv& argv : collection_commands(op, command)) {
      side.send(argv, nullptr);
    }
    side.send({"EXEC"}, nullptr);
  }
  if (op % kAclEvery == 0) {
    side.send({"ACL", "SETUSER", command.key, "on", ">" + command.value}, nullptr);
  }
  if (op % 4 == 1) {
    read_own_write(side, client, op);
  }
  if (op % 3 == 2) {  // an element for the work queue
    const std::string element = QueueChecker::element(client, op);
    host_.queue().push_sent(element);
    side.send({"RPUSH", QueueChecker::kKey, element},
              [&host, element](const resp::Value& reply, std::optional<ReadEvaluation>) {
                if (reply.type == resp::Value::Type::kInteger) {
                  host.queue().push_acknowledged(element);
                }
              });
  }
  blocking_pop(client, op);
  return true;
}

void SimNode::blocking_pop(int client, std::uint64_t op) {
  BlockingLine& line = blocking_connections_[client];
  std::unique_ptr<SimConnection>& c = line.conn;
  if (c != nullptr && c->open() && c->unanswered() > 0) {
    if (op % kUnblockEvery == 0) {
      unblock_pop(client, op, line);
    }
    return;  // still blocked
  }
  if (c == nullptr || !c->open()) {
    c = std::make_unique<SimConnection>(loop_, [this]() { return node_->applied(); });
    watch_closes(*c);
    server_->accept(c->server_end());
    line.id = std::make_shared<std::int64_t>(0);
    c->send({"CLIENT", "ID"},
            [id = line.id](const resp::Value& reply, std::optional<ReadEvaluation>) {
              if (reply.type != resp::Value::Type::kInteger || reply.integer <= 0) {
                throw SimFailure("CLIENT ID answered " + reply.to_string());
              }
              *id = reply.integer;
            });
  }
  line.error_asked = std::make_shared<bool>(false);
  // Timeouts from 10 ms (often passed while the first pop is in flight) to forever (0). Most
  // are BLMOVEs to a list of the operation's own (the end of the run checks what each moved),
  // some BLPOP or BRPOP.
  static constexpr const char* kTimeouts[] = {"0.01", "0.3", "1", "0"};
  const char* timeout = kTimeouts[op % 4];
  const bool move = op % 5 >= 2;
  const std::string destination = move ? QueueChecker::destination(client, op) : "";
  SimHost& host = host_;
  const std::size_t pop = host.queue().pop_sent(id(), destination);
  Argv argv;
  if (move) {
    argv = {"BLMOVE", QueueChecker::kKey, destination, op % 2 == 0 ? "LEFT" : "RIGHT", "LEFT",
            timeout};
  } else {
    argv = {op % 5 == 0 ? "BRPOP" : "BLPOP", QueueChecker::kKey, timeout};
  }
  const NodeId at = id();
  SimConnection* conn = c.get();  // alive while it delivers replies (closed: none come)
  c->send(argv, [&host, at, pop, move, conn, destination, error_asked = line.error_asked](
                    const resp::Value& reply, std::optional<ReadEvaluation>) {
    using Type = resp::Value::Type;
    const bool unblocked = reply.type == Type::kError && reply.str.starts_with("UNBLOCKED ");
    if (unblocked && !*error_asked) {
      throw SimFailure("a blocking pop at n" + std::to_string(at) +
                       " answered -UNBLOCKED, but no CLIENT UNBLOCK ... ERROR was sent for it");
    }
    if (reply.type == Type::kNull || unblocked) {  // it took nothing
      host.queue().pop_empty(pop);
    } else if (move && reply.type == Type::kBulk) {
      host.queue().pop_delivered(pop, reply.str);
    } else if (!move && reply.type == Type::kArray && reply.elements.size() == 2 &&
               reply.elements[0].type == Type::kBulk &&
               reply.elements[0].str == QueueChecker::kKey &&
               reply.elements[1].type == Type::kBulk) {
      host.queue().pop_delivered(pop, reply.elements[1].str);
      return;
    } else if (reply.type != Type::kError || !reply.str.starts_with("UNCERTAIN ")) {
      throw SimFailure("a blocking pop at n" + std::to_string(at) +
                       " got an unexpected reply: " + reply.to_string());
    } else {
      return;  // its destination is checked at the end
    }
    if (!move) {
      return;
    }
    // What it moved, read behind it on its connection, then deleted.
    conn->send(
        {"LRANGE", destination, "0", "-1"},
        [&host, pop, conn, destination](const resp::Value& moved, std::optional<ReadEvaluation>) {
          if (moved.type != Type::kArray) {
            return;  // refused: checked at the end
          }
          std::vector<std::string> elements;
          for (const resp::Value& e : moved.elements) {
            elements.push_back(e.str);
          }
          host.queue().pop_verified(pop, elements);
          conn->send({"DEL", destination}, nullptr);
        },
        true);
  });
}

void SimNode::watch_closes(SimConnection& conn, int client) {
  // Nothing the clients send makes a session close its connection (no QUIT, no protocol
  // error, no output past the limits), and `timeout` spares a connection that waits for a
  // reply (Redis: a blocked client is not idle); a stopping node closes them all.
  conn.on_server_close([this, client](bool busy) {
    if (loop_.muted()) {
      return;
    }
    if (busy) {
      throw SimFailure("n" + std::to_string(id()) +
                       " closed a client connection that waited for a reply");
    }
    if (client >= 0) {
      // An idle close crossed the operation's request: the client sees its connection
      // closed, as against any server, so that operation owes the cluster no answer.
      host_.connection_lost(client, main_ops_[client]);
    }
  });
}

void SimNode::unblock_pop(int client, std::uint64_t op, const BlockingLine& line) {
  if (line.id == nullptr || *line.id == 0) {
    return;  // its CLIENT ID has not answered
  }
  // As a timeout (the null reply) or as an error; either way the pop took nothing, unless it
  // was in flight: then what it took is its reply (QueueChecker holds it to that).
  const bool error = op % 2 == 1;
  if (error) {
    *line.error_asked = true;
  }
  const NodeId at = id();
  connection(client, true)
      .send({"CLIENT", "UNBLOCK", std::to_string(*line.id), error ? "ERROR" : "TIMEOUT"},
            [at](const resp::Value& reply, std::optional<ReadEvaluation>) {
              if (reply.type != resp::Value::Type::kInteger ||
                  (reply.integer != 0 && reply.integer != 1)) {
                throw SimFailure("CLIENT UNBLOCK at n" + std::to_string(at) + " answered " +
                                 reply.to_string());
              }
            });
}

std::vector<std::string> SimNode::list(const std::string& key) const {
  const atlas::ObjOp range{atlas::find_object_command("LRANGE")->code, 0, {key, "0", "-1"}};
  const atlas::Reply r =
      machine_.store().read(atlas::Op{range}, static_cast<std::uint64_t>(host_.clock_ms(index_)));
  std::vector<std::string> out;
  for (const atlas::Reply& e : r.elements) {
    out.push_back(e.text);
  }
  return out;
}

void SimNode::read_own_write(SimConnection& conn, int client, std::uint64_t op) {
  // A key of this operation's own, which nothing else writes: once the SET answered OK, the
  // GET behind it on the same connection must see it. The DEL behind them keeps the store
  // small.
  const std::string key = "~ryw:" + std::to_string(client) + ":" + std::to_string(op);
  auto wrote = std::make_shared<bool>(false);
  conn.send({"SET", key, "v"}, [wrote](const resp::Value& reply, std::optional<ReadEvaluation>) {
    *wrote = reply.type == resp::Value::Type::kSimple && reply.str == "OK";
  });
  const NodeId at = id();
  conn.send(
      {"GET", key},
      [wrote, key, at](const resp::Value& reply, std::optional<ReadEvaluation>) {
        if (*wrote && reply.type != resp::Value::Type::kError &&
            (reply.type != resp::Value::Type::kBulk || reply.str != "v")) {
          throw SimFailure("read your writes: at n" + std::to_string(at) + ", GET " + key +
                           " after its SET answered OK on the same connection read " +
                           reply.to_string());
        }
      },
      true);
  conn.send({"DEL", key}, nullptr);
}

bool SimNode::client_get(int client, std::uint64_t op, const std::string& key) {
  if (!up()) {
    return false;
  }
  SimHost& host = host_;
  main_ops_[client] = op;
  connection(client, false)
      .send(
          {"GET", key},
          [&host, client, op](const resp::Value& reply, std::optional<ReadEvaluation> read) {
            using Type = resp::Value::Type;
            if (reply.type == Type::kError) {
              host.read_failed(client, op);
              return;
            }
            if (reply.type != Type::kBulk && reply.type != Type::kNull) {
              throw SimFailure("a GET got an unexpected reply: " + reply.to_string());
            }
            HELIOS_ASSERT(read.has_value());
            host.read_done(
                client, op,
                reply.type == Type::kBulk ? std::optional<std::string>(reply.str) : std::nullopt,
                read->at_ms, read->applied);
          },
          true);
  return true;
}

bool SimNode::propose_marker(const std::string& value) {
  if (!up() || raw().raft().role() != raft::Role::kLeader) {
    return false;
  }
  atlas::Command command;
  command.ops.emplace_back(atlas::SetOp{.key = "__marker", .value = value});
  propose_now(command, [](Result<std::vector<atlas::Reply>>) {});
  return true;
}

}  // namespace helios::sim
