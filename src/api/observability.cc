#include "api/observability.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>

#include "api/args.h"
#include "atlas/integer.h"

namespace helios::api {

namespace {

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool has_flag(std::string_view flags, std::string_view flag) {
  std::istringstream in{std::string(flags)};
  for (std::string f; in >> f;) {
    if (f == flag) {
      return true;
    }
  }
  return false;
}

// Replies whose command Redis counts as rejected, not failed: redirections and a replica's
// refusal happen before the command runs.
bool refused_before_running(std::string_view code) {
  return code == "MOVED" || code == "TRYAGAIN" || code == "READONLY";
}

// True if argument `i` is a secret Redis redacts: AUTH's arguments; HELLO's AUTH pair (only
// once the protocol version parsed, as Redis redacts while it parses the options); ACL
// SETUSER's rules; CONFIG SET requirepass's value.
bool is_secret(const CommandRecord& record, const Argv& argv, std::size_t i) {
  if (record.name == "auth") {
    return i >= 1;
  }
  if (record.name == "acl|setuser") {
    return i >= 3;
  }
  if (record.name == "config|set") {
    return i >= 3 && i % 2 == 1 && upper(argv[i - 1]) == "REQUIREPASS";
  }
  if (record.name != "hello" || argv.size() < 4) {
    return false;
  }
  const std::optional<std::int64_t> version = atlas::parse_int64(argv[1]);
  if (!version.has_value() || (*version != 2 && *version != 3)) {
    return false;
  }
  for (std::size_t j = 2; j < argv.size(); ++j) {
    const std::string opt = upper(argv[j]);
    if (opt == "AUTH" && j + 2 < argv.size()) {
      if (i == j + 1 || i == j + 2) {
        return true;
      }
      j += 2;
    } else if (opt == "SETNAME" && j + 1 < argv.size()) {
      ++j;
    } else {
      return false;
    }
  }
  return false;
}

constexpr std::string_view kRedacted = "(redacted)";

// Redis's sdscatrepr: a double-quoted string, \\ \" \n \r \t \a \b escaped, other bytes
// that are not printable as \xHH.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= ' ' && c <= '~') {
          out += c;
        } else {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        }
    }
  }
  out += '"';
}

void write_help(resp::Writer& w, std::initializer_list<std::string_view> lines) {
  w.array(lines.size() + 2);
  for (const std::string_view line : lines) {
    w.simple(line);
  }
  w.simple("HELP");
  w.simple("    Prints this help.");
}

// Redis's CONFIG SET errors.
std::string config_error(std::string_view name, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(why);
}

}  // namespace

Observability::Observability() {
  rows_.resize(command_rows() + 1);
  for (std::size_t row = 0; row < command_rows(); ++row) {
    const CommandSpec& spec = command_at_row(row);
    CommandRecord& r = rows_[row];
    r.name = lower(spec.name);
    r.fast = has_flag(spec.flags, "fast");
    r.skip_slowlog = has_flag(spec.flags, "skip_slowlog");
    r.admin = has_flag(spec.flags, "admin");
    r.keyspace = spec.kind == Kind::kData || spec.kind == Kind::kKeys || spec.kind == Kind::kDebug;
  }
  rows_.back().name = "unknown";
}

CommandRecord& Observability::record_of(const CommandSpec* spec) {
  return spec == nullptr ? rows_.back() : rows_[command_row(*spec)];
}

void Observability::finished(const FinishedCommand& f) {
  CommandRecord& r = *f.record;
  Outcome outcome = f.outcome;
  if (outcome == Outcome::kCall && refused_before_running(f.error_code)) {
    outcome = Outcome::kRejected;
  }
  if (outcome == Outcome::kUncounted) {
    return;
  }
  if (outcome == Outcome::kRejected) {
    ++r.stats.rejected_calls;
    return;
  }
  r.stats.record_call(f.ns, !f.error_code.empty());
  const std::uint64_t us = f.ns / 1000;
  const std::int64_t slower_than = settings_.slowlog_log_slower_than;
  if (slower_than >= 0 && us >= static_cast<std::uint64_t>(slower_than) && !r.skip_slowlog &&
      f.logged != nullptr && !f.logged->empty()) {
    slowlog_.push_front(SlowlogEntry{next_slowlog_id_++, unix_now_s(), us, f.logged->decode(),
                                     *f.addr, *f.client_name});
    while (slowlog_.size() > static_cast<std::uint64_t>(settings_.slowlog_max_len)) {
      slowlog_.pop_back();
    }
  }
  const std::uint64_t ms = us / 1000;
  const std::int64_t threshold = settings_.latency_monitor_threshold;
  if (threshold > 0 && ms >= static_cast<std::uint64_t>(threshold)) {
    add_latency_sample(r.fast ? "fast-command" : "command", ms);
  }
}

void Observability::note_error(std::string_view code) {
  ++total_error_replies_;
  auto it = errors_.find(code);
  if (it == errors_.end()) {
    if (errors_.size() >= kMaxErrorCodes) {
      return;  // Redis's bound: a new code beyond it is only in total_error_replies
    }
    it = errors_.emplace(std::string(code), 0).first;
  }
  ++it->second;
}

void Observability::reset_stats() {
  for (CommandRecord& r : rows_) {
    r.stats.reset();
  }
  errors_.clear();
  total_error_replies_ = 0;
}

void Observability::info_commandstats(std::string& out) const {
  out += "# Commandstats\r\n";
  char line[256];
  for (const CommandRecord& r : rows_) {
    const metrics::CommandStats& s = r.stats;
    if (!s.any() || &r == &rows_.back()) {
      continue;
    }
    const std::uint64_t usec = s.duration_ns / 1000;
    const double per_call =
        s.calls == 0 ? 0.0 : static_cast<double>(usec) / static_cast<double>(s.calls);
    std::snprintf(line, sizeof line,
                  ":calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                  "failed_calls=%llu\r\n",
                  static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(usec),
                  per_call, static_cast<unsigned long long>(s.rejected_calls),
                  static_cast<unsigned long long>(s.failed_calls));
    out += "cmdstat_" + r.name + line;
  }
}

void Observability::info_errorstats(std::string& out) const {
  out += "# Errorstats\r\n";
  for (const auto& [code, count] : errors_) {
    out += "errorstat_" + code + ":count=" + std::to_string(count) + "\r\n";
  }
}

void Observability::info_latencystats(std::string& out) const {
  out += "# Latencystats\r\n";
  char line[128];
  for (const CommandRecord& r : rows_) {
    const metrics::LatencySketch& l = r.stats.latency;
    if (l.count() == 0) {
      continue;
    }
    std::snprintf(line, sizeof line, ":p50=%.3f,p99=%.3f,p99.9=%.3f\r\n", l.value_at(50) / 1000,
                  l.value_at(99) / 1000, l.value_at(99.9) / 1000);
    out += "latency_percentiles_usec_" + r.name + line;
  }
}

void Observability::add_latency_sample(const char* event, std::uint64_t ms) {
  LatencyEvent& e = latency_events_[event];
  const std::int64_t now = unix_now_s();
  e.max_ms = std::max(e.max_ms, ms);
  // One sample a second: the worst of that second (Redis's latencyAddSample).
  LatencySample& prev = e.samples[(e.next + kLatencySamples - 1) % kLatencySamples];
  if (prev.unix_s == now) {
    prev.ms = std::max(prev.ms, ms);
    return;
  }
  e.samples[e.next] = LatencySample{now, ms};
  e.next = (e.next + 1) % kLatencySamples;
}

void Observability::write_slowlog_entry(const SlowlogEntry& e, resp::Writer& w) const {
  w.array(6);
  w.integer(static_cast<std::int64_t>(e.id));
  w.integer(e.unix_s);
  w.integer(static_cast<std::int64_t>(e.duration_us));
  w.array(e.argv.size());
  for (const std::string& a : e.argv) {
    w.bulk(a);
  }
  w.bulk(e.addr);
  w.bulk(e.client_name);
}

std::string Observability::slowlog(const Argv& argv, resp::Writer& w) {
  const std::string sub = upper(argv[1]);
  if (sub == "GET" && argv.size() <= 3) {
    std::size_t count = 10;
    if (argv.size() == 3) {
      const std::optional<std::int64_t> n = atlas::parse_int64(argv[2]);
      if (!n.has_value() || *n < -1) {
        return "ERR count should be greater than or equal to -1";
      }
      count = *n == -1 ? slowlog_.size() : static_cast<std::size_t>(*n);
    }
    count = std::min(count, slowlog_.size());
    w.array(count);
    for (std::size_t i = 0; i < count; ++i) {
      write_slowlog_entry(slowlog_[i], w);
    }
  } else if (sub == "LEN") {
    w.integer(static_cast<std::int64_t>(slowlog_.size()));
  } else if (sub == "RESET") {
    slowlog_.clear();
    w.simple("OK");
  } else if (sub == "HELP") {
    write_help(w,
               {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
                "    Reset the slowlog."});
  } else {
    return "ERR unknown subcommand or wrong number of arguments for '" + argv[1].substr(0, 128) +
           "'. Try SLOWLOG HELP.";
  }
  return "";
}

std::string Observability::latency(const Argv& argv, resp::Writer& w) {
  const std::string sub = upper(argv[1]);
  if (sub == "LATEST") {
    w.array(latency_events_.size());
    for (const auto& [name, e] : latency_events_) {
      const LatencySample& last = e.samples[(e.next + kLatencySamples - 1) % kLatencySamples];
      w.array(4);
      w.bulk(name);
      w.integer(last.unix_s);
      w.integer(static_cast<std::int64_t>(last.ms));
      w.integer(static_cast<std::int64_t>(e.max_ms));
    }
  } else if (sub == "HISTORY") {
    const auto it = latency_events_.find(argv[2]);
    std::vector<LatencySample> samples;
    if (it != latency_events_.end()) {
      for (std::size_t j = 0; j < kLatencySamples; ++j) {
        const LatencySample& s = it->second.samples[(it->second.next + j) % kLatencySamples];
        if (s.unix_s != 0) {
          samples.push_back(s);
        }
      }
    }
    w.array(samples.size());
    for (const LatencySample& s : samples) {
      w.array(2);
      w.integer(s.unix_s);
      w.integer(static_cast<std::int64_t>(s.ms));
    }
  } else if (sub == "RESET") {
    std::int64_t reset = 0;
    if (argv.size() == 2) {
      reset = static_cast<std::int64_t>(latency_events_.size());
      latency_events_.clear();
    }
    for (std::size_t i = 2; i < argv.size(); ++i) {
      reset += static_cast<std::int64_t>(latency_events_.erase(argv[i]));
    }
    w.integer(reset);
  } else if (sub == "HELP") {
    write_help(w, {"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                   "HISTORY <event>", "    Return time-latency samples for the <event> class.",
                   "LATEST", "    Return the latest latency samples for all events.",
                   "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
                   "    (default: reset all data for all event classes)"});
  } else {
    return "ERR unknown subcommand or wrong number of arguments for '" + argv[1].substr(0, 128) +
           "'. Try LATENCY HELP.";
  }
  return "";
}

std::string Observability::config_set(const Argv& argv, const std::vector<std::string>& immutable) {
  if (argv.size() % 2 != 0) {
    return std::string(kErrSyntax);
  }
  // Redis's order: the first unknown, immutable or repeated name, then the values.
  std::vector<std::int64_t*> targets;
  std::vector<std::int64_t> minimum;
  for (std::size_t i = 2; i < argv.size(); i += 2) {
    const std::string name = lower(argv[i]);
    std::int64_t* target = name == "slowlog-log-slower-than" ? &settings_.slowlog_log_slower_than
                           : name == "slowlog-max-len"       ? &settings_.slowlog_max_len
                           : name == "latency-monitor-threshold"
                               ? &settings_.latency_monitor_threshold
                               : nullptr;
    if (target == nullptr) {
      const bool known = std::find(immutable.begin(), immutable.end(), name) != immutable.end();
      return known ? config_error(argv[i], "can't set immutable config")
                   : "ERR Unknown option or number of arguments for CONFIG SET - '" + argv[i] + "'";
    }
    if (std::find(targets.begin(), targets.end(), target) != targets.end()) {
      return config_error(argv[i], "duplicate parameter");
    }
    targets.push_back(target);
    minimum.push_back(target == &settings_.slowlog_log_slower_than ? -1 : 0);
  }
  std::vector<std::int64_t> values;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const std::string& name = argv[2 + 2 * k];
    const std::optional<std::int64_t> v = atlas::parse_int64(argv[3 + 2 * k]);
    if (!v.has_value()) {
      return config_error(name, "argument couldn't be parsed into an integer");
    }
    if (*v < minimum[k]) {
      return config_error(name, "argument must be between " + std::to_string(minimum[k]) +
                                    " and 9223372036854775807 inclusive");
    }
    values.push_back(*v);
  }
  for (std::size_t k = 0; k < targets.size(); ++k) {
    *targets[k] = values[k];
  }
  while (slowlog_.size() > static_cast<std::uint64_t>(settings_.slowlog_max_len)) {
    slowlog_.pop_back();
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> Observability::config_values() const {
  return {
      {"slowlog-log-slower-than", std::to_string(settings_.slowlog_log_slower_than)},
      {"slowlog-max-len", std::to_string(settings_.slowlog_max_len)},
      {"latency-monitor-threshold", std::to_string(settings_.latency_monitor_threshold)},
  };
}

// The encoding: the command's argument count (u32), then for each argument kept, its length
// (u32; kSecret for a redacted one) and its first kSlowlogMaxString bytes.
namespace {
constexpr std::uint32_t kSecret = 0xffffffff;
}  // namespace

void LoggedArgs::append(const void* bytes, std::size_t n) {
  if (!on_heap_ && size_ + n > kInlineBytes) {
    heap_.assign(inline_.data(), size_);
    on_heap_ = true;
  }
  if (on_heap_) {
    heap_.append(static_cast<const char*>(bytes), n);
  } else {
    std::memcpy(inline_.data() + size_, bytes, n);
  }
  size_ += n;
}

void LoggedArgs::capture(const CommandRecord& record, const Argv& argv) {
  clear();
  const auto argc = static_cast<std::uint32_t>(argv.size());
  append(&argc, sizeof argc);
  const std::size_t kept = std::min(argv.size(), Observability::kSlowlogMaxArgs);
  for (std::size_t i = 0; i < kept; ++i) {
    if (kept != argv.size() && i == kept - 1) {
      break;  // "... (N more arguments)" instead
    }
    const bool secret = is_secret(record, argv, i);
    const std::uint32_t size = secret ? kSecret : static_cast<std::uint32_t>(argv[i].size());
    append(&size, sizeof size);
    if (!secret) {
      append(argv[i].data(), std::min(argv[i].size(), Observability::kSlowlogMaxString));
    }
  }
}

Argv LoggedArgs::decode() const {
  const char* p = data();
  std::uint32_t argc = 0;
  std::memcpy(&argc, p, sizeof argc);
  std::size_t at = sizeof argc;
  const std::size_t kept = std::min<std::size_t>(argc, Observability::kSlowlogMaxArgs);
  Argv out;
  out.reserve(kept);
  while (at < size_) {
    std::uint32_t size = 0;
    std::memcpy(&size, p + at, sizeof size);
    at += sizeof size;
    if (size == kSecret) {
      out.emplace_back(kRedacted);
      continue;
    }
    const std::size_t held = std::min<std::size_t>(size, Observability::kSlowlogMaxString);
    out.emplace_back(p + at, held);
    at += held;
    if (size > held) {
      out.back() += "... (" + std::to_string(size - held) + " more bytes)";
    }
  }
  if (kept != argc) {
    out.push_back("... (" + std::to_string(argc - kept + 1) + " more arguments)");
  }
  return out;
}

std::string Observability::monitor_line(const CommandRecord& record, const Argv& argv,
                                        std::int64_t unix_us, std::string_view addr) {
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "+%lld.%06lld [0 ", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000));
  std::string out = stamp;
  out.append(addr);
  out += "] ";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    append_quoted(out, is_secret(record, argv, i) ? kRedacted : std::string_view(argv[i]));
    out += i + 1 < argv.size() ? " " : "\r\n";
  }
  return out;
}

}  // namespace helios::api
