// The blocking commands' rows, planners and timeout rule, and the node's queue of blocked
// commands (blocking.h).

#include "api/blocking.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "api/args.h"
#include "api/session.h"
#include "atlas/integer.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "resp/writer.h"

namespace helios::api {

namespace {

// How a blocking command becomes its non-blocking form.
enum class Form : std::uint8_t {
  kPop,   // BLPOP k... t -> LMPOP n k... LEFT COUNT 1 (its reply flat)
  kMove,  // BLMOVE s d f t timeout -> LMOVE s d f t; BRPOPLPUSH s d t -> RPOPLPUSH s d
  kMPop,  // BLMPOP timeout n k... LEFT [COUNT c] -> LMPOP n k... LEFT [COUNT c]
};

struct BlockingRow {
  std::string_view name;
  std::string_view plain;  // the non-blocking command
  Form form;
  std::string_view end;  // kPop: LEFT, RIGHT, MIN, MAX
  atlas::ObjectType type;
  int arity;
  std::string_view flags;  // Redis 7.0's (COMMAND INFO)
  int first_key, last_key, step;
};

constexpr atlas::ObjectType kList = atlas::ObjectType::kList;
constexpr atlas::ObjectType kZSet = atlas::ObjectType::kZSet;

constexpr BlockingRow kRows[] = {
    {"BLPOP", "LMPOP", Form::kPop, "LEFT", kList, -3, "write noscript blocking", 1, -2, 1},
    {"BRPOP", "LMPOP", Form::kPop, "RIGHT", kList, -3, "write noscript blocking", 1, -2, 1},
    {"BZPOPMIN", "ZMPOP", Form::kPop, "MIN", kZSet, -3, "write noscript blocking fast", 1, -2, 1},
    {"BZPOPMAX", "ZMPOP", Form::kPop, "MAX", kZSet, -3, "write noscript blocking fast", 1, -2, 1},
    {"BLMOVE", "LMOVE", Form::kMove, "", kList, 6, "write denyoom noscript blocking", 1, 2, 1},
    {"BRPOPLPUSH", "RPOPLPUSH", Form::kMove, "", kList, 4, "write denyoom noscript blocking", 1, 2,
     1},
    {"BLMPOP", "LMPOP", Form::kMPop, "", kList, -5, "write blocking movablekeys", 0, 0, 0},
    {"BZMPOP", "ZMPOP", Form::kMPop, "", kZSet, -5, "write blocking movablekeys", 0, 0, 0},
};

const BlockingRow* find_row(std::string_view name) {
  const std::string upper_name = upper(name);
  for (const BlockingRow& row : kRows) {
    if (row.name == upper_name) {
      return &row;
    }
  }
  return nullptr;
}

// BLMPOP / BZMPOP timeout numkeys key...: the keys' indexes in args (argv without the name),
// for ACL key patterns (CommandSpec::object); none while numkeys does not parse.
std::vector<std::size_t> mpop_keys(const atlas::Args& args) {
  std::vector<std::size_t> keys;
  const std::optional<std::int64_t> n =
      args.size() >= 2 ? atlas::parse_int64(args[1]) : std::nullopt;
  if (n.has_value() && *n > 0) {
    for (std::size_t i = 2; i < args.size() && i - 2 < static_cast<std::uint64_t>(*n); ++i) {
      keys.push_back(i);
    }
  }
  return keys;
}

constexpr atlas::ObjectCommand kBlmpopKeys{
    .name = "BLMPOP", .arity = -5, .keys = mpop_keys, .client = false};
constexpr atlas::ObjectCommand kBzmpopKeys{
    .name = "BZMPOP", .arity = -5, .keys = mpop_keys, .client = false};

// The non-blocking form of `argv`, its timeout argument, and whether Redis checks the
// timeout before the other arguments.
struct Translated {
  Argv plain;
  std::string_view timeout;
  bool timeout_first = false;
  std::vector<std::string> keys;  // the keys to wait on
};

Translated translate(const BlockingRow& row, const Argv& argv) {
  Translated t;
  t.plain.emplace_back(row.plain);
  switch (row.form) {
    case Form::kPop:
      t.timeout = argv.back();
      t.timeout_first = true;
      t.keys.assign(argv.begin() + 1, argv.end() - 1);
      t.plain.push_back(std::to_string(t.keys.size()));
      t.plain.insert(t.plain.end(), t.keys.begin(), t.keys.end());
      t.plain.emplace_back(row.end);
      t.plain.emplace_back("COUNT");
      t.plain.emplace_back("1");
      break;
    case Form::kMove:
      t.timeout = argv.back();
      t.keys.push_back(argv[1]);
      t.plain.insert(t.plain.end(), argv.begin() + 1, argv.end() - 1);
      break;
    case Form::kMPop: {
      t.timeout = argv[1];
      t.plain.insert(t.plain.end(), argv.begin() + 2, argv.end());
      const atlas::Args args(argv.begin() + 1, argv.end());
      for (std::size_t i : mpop_keys(args)) {
        t.keys.push_back(args[i]);
      }
      break;
    }
  }
  return t;
}

Result<Plan> plan_blocking(PlanArgs& argv, std::uint64_t now_ms) {
  const BlockingRow* row = find_row(argv[0]);
  HELIOS_ASSERT(row != nullptr);  // the table has rows only for these
  const Translated t = translate(*row, argv.all());
  std::string error;
  if (t.timeout_first && !parse_block_timeout(t.timeout, &error).has_value()) {
    return invalid(error);
  }
  const CommandSpec* plain = find_command(row->plain);
  HELIOS_ASSERT(plain != nullptr && plain->plan != nullptr);
  Result<Plan> plan = make_plan(*plain, t.plain, now_ms);
  if (!plan.is_ok()) {
    return plan;
  }
  if (!t.timeout_first && !parse_block_timeout(t.timeout, &error).has_value()) {
    return invalid(error);
  }
  if (row->form == Form::kPop) {
    plan.value().shape = Shape::kKeyedOne;
  }
  return plan;
}

// Redis's string2ld's limit on a long double's text.
constexpr std::size_t kMaxLongDoubleChars = 5 * 1024;

}  // namespace

std::optional<std::int64_t> parse_block_timeout(std::string_view text, std::string* error) {
  *error = "ERR timeout is not a float or out of range";
  if (text.empty() || text.size() >= kMaxLongDoubleChars ||
      std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    return std::nullopt;
  }
  const std::string buf(text);
  char* end = nullptr;
  errno = 0;
  const long double seconds = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(seconds) ||
      (errno == ERANGE && (seconds == HUGE_VALL || seconds == -HUGE_VALL || seconds == 0))) {
    return std::nullopt;
  }
  // Redis truncates to long long; beyond its range x86 gives LLONG_MIN: "negative".
  const long double ms = seconds * 1000.0L;
  constexpr long double kLimit = 9223372036854775808.0L;  // 2^63
  if (!(ms > -kLimit && ms < kLimit) || static_cast<std::int64_t>(ms) < 0) {
    *error = "ERR timeout is negative";
    return std::nullopt;
  }
  error->clear();
  return static_cast<std::int64_t>(ms);
}

std::optional<BlockingWait> blocking_wait(const Argv& argv) {
  const BlockingRow* row = argv.empty() ? nullptr : find_row(argv[0]);
  if (row == nullptr) {
    return std::nullopt;
  }
  Translated t = translate(*row, argv);
  std::string error;
  const std::optional<std::int64_t> ms = parse_block_timeout(t.timeout, &error);
  if (!ms.has_value()) {
    return std::nullopt;
  }
  return BlockingWait{row->type, std::move(t.keys), *ms};
}

std::string blocking_null_reply(const Argv&, int protocol) {
  std::string out;
  resp::Writer w(out, protocol);
  render_reply(atlas::Reply::nil_array(), w);
  return out;
}

std::vector<CommandSpec> blocking_command_rows() {
  std::vector<CommandSpec> rows;
  for (const BlockingRow& row : kRows) {
    CommandSpec spec;
    spec.name = row.name;
    spec.arity = row.arity;
    spec.kind = Kind::kData;
    spec.flags = row.flags;
    spec.first_key = row.first_key;
    spec.last_key = row.last_key;
    spec.step = row.step;
    spec.plan = plan_blocking;
    spec.handle = &Session::on_blocking;
    if (row.form == Form::kMPop) {
      spec.object = row.type == kList ? &kBlmpopKeys : &kBzmpopKeys;
    }
    rows.push_back(spec);
  }
  return rows;
}

// --- Blocking ---

Blocking::Blocking(node::ClientHost& host, Executor& executor) : host_(host), executor_(executor) {}

void Blocking::install() {
  // Called inside the Node's Ready loop (AtlasMachine::apply): note the keys, act after.
  host_.set_keys_listener(
      [this](const std::vector<std::string>& keys, bool everything) { on_keys(keys, everything); });
}

void Blocking::start() {
  running_ = true;
  schedule_sweep();
}

void Blocking::stop() {
  running_ = false;
  timer_.reset();
}

std::shared_ptr<BlockedCall> Blocking::make(std::uint64_t session, Argv argv, int protocol,
                                            BlockedCall::Done done) {
  auto call = std::make_shared<BlockedCall>();
  std::optional<BlockingWait> wait = blocking_wait(argv);
  HELIOS_ASSERT(wait.has_value());  // its plan succeeded: the same parse
  call->session = session;
  call->argv = std::move(argv);
  call->protocol = protocol;
  call->wait = std::move(*wait);
  call->done = std::move(done);
  return call;
}

void Blocking::begin(const std::shared_ptr<BlockedCall>& call) {
  HELIOS_ASSERT(call->seq == 0 && !call->finished);
  if (call->wait.timeout_ms > 0) {
    // Beyond a century it is forever (Redis 7.0 overflows there too).
    constexpr std::int64_t kCentury = 100LL * 366 * 24 * 3600 * 1000;
    if (call->wait.timeout_ms < kCentury) {
      call->deadline = host_.loop().now() + std::chrono::milliseconds(call->wait.timeout_ms);
    }
  }
  const bool try_now = worth_trying(*call);
  call->seq = next_seq_++;
  queue_.emplace(call->seq, Entry{call, call->wait.keys});
  for (const std::string& key : call->wait.keys) {
    by_key_[key].insert(call->seq);
  }
  if (try_now) {
    attempt(call);
  }
}

bool Blocking::worth_trying(const BlockedCall& call) const {
  // Not the local store: a follower may not have applied an acknowledged push yet, and the
  // first pop must see it (or a WRONGTYPE). Only earlier waiters of the same type on every
  // key (they get what arrives first) let this one wait without proposing.
  for (const std::string& key : call.wait.keys) {
    auto it = by_key_.find(key);
    const bool claimed =
        it != by_key_.end() && std::any_of(it->second.begin(), it->second.end(), [&](auto seq) {
          const std::shared_ptr<BlockedCall> other = queue_.at(seq).call.lock();
          return other != nullptr && other->wait.type == call.wait.type;
        });
    if (!claimed) {
      return true;
    }
  }
  return false;
}

void Blocking::attempt(const std::shared_ptr<BlockedCall>& call) {
  call->in_flight = true;
  call->signalled = false;
  call->retry_at = Clock::time_point::max();
  std::weak_ptr<BlockedCall> weak = call;
  executor_.write({call->argv}, false, call->protocol, [this, weak](std::string reply) {
    if (std::shared_ptr<BlockedCall> c = weak.lock()) {
      on_outcome(c, std::move(reply));
    }
  });
}

namespace {

bool is_null(std::string_view reply) {
  return reply == "*-1\r\n" || reply == "$-1\r\n" || reply == "_\r\n";
}

bool is_tryagain(std::string_view reply) {
  return reply.starts_with("-TRYAGAIN") ||
         (reply.starts_with("!") && reply.find("\r\nTRYAGAIN") != std::string::npos);
}

}  // namespace

void Blocking::on_outcome(const std::shared_ptr<BlockedCall>& call, std::string reply) {
  call->in_flight = false;
  if (call->finished) {
    return;
  }
  const bool null = is_null(reply);
  const bool retry = is_tryagain(reply);
  if (!null && !retry) {
    const bool got = reply.front() != '-' && reply.front() != '!';
    const std::vector<std::string> keys = call->wait.keys;
    finish(call, std::move(reply));
    if (got) {
      for (const std::string& key : keys) {
        wake(key);  // the next waiter, if elements remain
      }
    }
    return;
  }
  if (!call->unblocked.empty()) {
    finish(call, call->unblocked);
    return;
  }
  if (host_.loop().now() >= call->deadline) {
    finish(call, blocking_null_reply(call->argv, call->protocol));
    return;
  }
  if (retry) {
    call->retry_at = host_.loop().now() + kRetryPause;  // the sweep proposes it again
  } else if (call->signalled) {
    std::weak_ptr<BlockedCall> weak = call;
    host_.loop().post([this, weak]() {
      std::shared_ptr<BlockedCall> c = weak.lock();
      if (c != nullptr && !c->finished && !c->in_flight) {
        attempt(c);
      }
    });
  }
  // Otherwise it waits in its place for a change to one of its keys.
}

void Blocking::finish(const std::shared_ptr<BlockedCall>& call, std::string reply) {
  HELIOS_ASSERT(!call->finished);
  call->finished = true;
  forget(call->seq);
  BlockedCall::Done done = std::move(call->done);
  done(std::move(reply));
}

void Blocking::forget(std::uint64_t seq) {
  auto it = queue_.find(seq);
  if (it == queue_.end()) {
    return;
  }
  for (const std::string& key : it->second.keys) {
    auto k = by_key_.find(key);
    if (k != by_key_.end()) {
      k->second.erase(seq);
      if (k->second.empty()) {
        by_key_.erase(k);
      }
    }
  }
  queue_.erase(it);
}

void Blocking::wake(const std::string& key) {
  auto k = by_key_.find(key);
  if (k == by_key_.end()) {
    return;
  }
  // What the key holds "now" here (expired keys hide at the node's clock, as for reads).
  const std::optional<atlas::ObjectType> holds =
      host_.machine().store().type_of(key, static_cast<std::uint64_t>(host_.wall_ms()));
  if (!holds.has_value()) {
    return;
  }
  std::vector<std::uint64_t> gone;
  std::shared_ptr<BlockedCall> first;
  for (std::uint64_t seq : k->second) {
    std::shared_ptr<BlockedCall> call = queue_.at(seq).call.lock();
    if (call == nullptr) {
      gone.push_back(seq);  // its connection closed
      continue;
    }
    if (call->wait.type == *holds) {
      first = std::move(call);
      break;
    }
  }
  for (std::uint64_t seq : gone) {
    forget(seq);  // `k` may be gone after this: not used again
  }
  if (first == nullptr) {
    return;
  }
  if (first->in_flight) {
    first->signalled = true;
  } else if (bug_serves_local_ && *holds == atlas::ObjectType::kList) {
    serve_local(first, key);
  } else {
    attempt(first);
  }
}

void Blocking::serve_local(const std::shared_ptr<BlockedCall>& call, const std::string& key) {
  const atlas::ObjOp head{atlas::find_object_command("LRANGE")->code, 0, {key, "0", "0"}};
  const atlas::Reply r =
      host_.machine().store().read(atlas::Op{head}, static_cast<std::uint64_t>(host_.wall_ms()));
  if (r.elements.empty()) {
    attempt(call);
    return;
  }
  std::string out;
  resp::Writer w(out, call->protocol);
  const std::string name = upper(call->argv.front());
  if (name != "BLMOVE" && name != "BRPOPLPUSH") {
    w.array(2);  // BLPOP, BRPOP: [key, element]
    w.bulk(key);
  }
  w.bulk(r.elements.front().text);
  finish(call, std::move(out));
}

void Blocking::on_keys(const std::vector<std::string>& keys, bool everything) {
  if (queue_.empty()) {
    return;
  }
  if (everything) {
    everything_ = true;
  } else {
    for (const std::string& key : keys) {
      if (by_key_.contains(key)) {
        grown_.push_back(key);
      }
    }
  }
  if (!drain_posted_ && (everything_ || !grown_.empty())) {
    drain_posted_ = true;
    host_.loop().post([this]() { drain(); });
  }
}

void Blocking::drain() {
  drain_posted_ = false;
  std::vector<std::string> keys = std::move(grown_);
  grown_.clear();
  if (everything_) {
    everything_ = false;
    keys.clear();
    for (const auto& [key, seqs] : by_key_) {
      keys.push_back(key);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& key : keys) {
    wake(key);
  }
}

bool Blocking::unblock(std::uint64_t session, bool error) {
  for (auto& [seq, entry] : queue_) {
    std::shared_ptr<BlockedCall> call = entry.call.lock();
    if (call == nullptr || call->session != session || !call->unblocked.empty()) {
      continue;
    }
    if (error) {
      std::string out;
      resp::Writer w(out, call->protocol);
      w.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
      call->unblocked = std::move(out);
    } else {
      call->unblocked = blocking_null_reply(call->argv, call->protocol);
    }
    if (!call->in_flight || bug_unblock_drops_pop_) {
      finish(call, call->unblocked);
    }
    return true;
  }
  return false;
}

std::size_t Blocking::blocked() const {
  return static_cast<std::size_t>(
      std::count_if(queue_.begin(), queue_.end(),
                    [](const auto& entry) { return !entry.second.call.expired(); }));
}

void Blocking::schedule_sweep() {
  timer_ = host_.loop().schedule_after(kSweepEvery, [this]() {
    if (!running_) {
      return;
    }
    sweep();
    schedule_sweep();
  });
}

void Blocking::sweep() {
  const Clock::time_point now = host_.loop().now();
  std::vector<std::uint64_t> gone;
  std::vector<std::shared_ptr<BlockedCall>> expired;
  std::vector<std::shared_ptr<BlockedCall>> retry;
  for (auto& [seq, entry] : queue_) {
    std::shared_ptr<BlockedCall> call = entry.call.lock();
    if (call == nullptr) {
      gone.push_back(seq);
    } else if ((!call->in_flight || bug_drops_late_pop_) && now >= call->deadline) {
      expired.push_back(std::move(call));
    } else if (!call->in_flight && now >= call->retry_at) {
      retry.push_back(std::move(call));
    }
  }
  for (std::uint64_t seq : gone) {
    forget(seq);
  }
  for (const std::shared_ptr<BlockedCall>& call : expired) {
    if (!call->finished && (!call->in_flight || bug_drops_late_pop_)) {
      finish(call, blocking_null_reply(call->argv, call->protocol));
    }
  }
  for (const std::shared_ptr<BlockedCall>& call : retry) {
    if (!call->finished && !call->in_flight) {
      attempt(call);
    }
  }
}

}  // namespace helios::api
