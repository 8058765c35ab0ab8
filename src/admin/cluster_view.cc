#include "admin/cluster_view.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <thread>

#include "admin/admin_client.h"
#include "admin/admin_server.h"

namespace helios::admin {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxAnswerBytes = 4 << 20;
constexpr time_t kConnectUs = 300'000;
constexpr time_t kIoUs = 500'000;

std::string node_name(NodeId id) {
  return "node-" + std::to_string(id);
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- metrics_summary ---------------------------------------------------------------------

struct Histogram {
  std::map<double, double> buckets;  // finite upper bound -> cumulative count
  double count = 0;
  double sum = 0;
  bool seen = false;
};

std::optional<double> parse_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

// The value of label `key` in `labels` (the text between the braces), or "".
std::string_view label(std::string_view labels, std::string_view key) {
  const std::string pattern = std::string(key) + "=\"";
  std::size_t at = 0;
  while ((at = labels.find(pattern, at)) != std::string_view::npos) {
    if (at == 0 || labels[at - 1] == ',') {
      const std::size_t start = at + pattern.size();
      const std::size_t end = labels.find('"', start);
      return end == std::string_view::npos ? "" : labels.substr(start, end - start);
    }
    at += pattern.size();
  }
  return "";
}

// Adds a sample of `family` (a histogram's _bucket, _count or _sum) to h; false if the
// name is not one of them.
bool add_histogram_sample(std::string_view name, std::string_view family, std::string_view labels,
                          double value, Histogram& h) {
  if (name.substr(0, family.size()) != family) {
    return false;
  }
  const std::string_view suffix = name.substr(family.size());
  if (suffix == "_bucket") {
    const std::string_view le = label(labels, "le");
    if (const std::optional<double> bound = parse_number(le); bound.has_value()) {
      h.buckets[*bound] = value;
    }
  } else if (suffix == "_count") {
    h.count = value;
  } else if (suffix == "_sum") {
    h.sum = value;
  } else {
    return false;
  }
  h.seen = true;
  return true;
}

json histogram_json(const Histogram& h) {
  json le = json::array();
  json cumulative = json::array();
  for (const auto& [bound, count] : h.buckets) {
    le.push_back(bound);
    cumulative.push_back(count);
  }
  return {{"le", le}, {"cumulative", cumulative}, {"count", h.count}, {"sum", h.sum}};
}

// --- cluster_json ------------------------------------------------------------------------

json parse_object(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json(nullptr);
}

// The status of the reachable member that leads in the highest term, or null.
const json* leading_status(const std::map<NodeId, json>& statuses) {
  const json* best = nullptr;
  for (const auto& [id, s] : statuses) {
    if (s.value("state", "") == "Leader" &&
        (best == nullptr || s.value("term", 0ULL) > best->value("term", 0ULL))) {
      best = &s;
    }
  }
  return best;
}

// The peer entry for `id` in a status's "peers", or null.
const json* peer_entry(const json& status, NodeId id) {
  if (!status.contains("peers") || !status["peers"].is_array()) {
    return nullptr;
  }
  for (const json& p : status["peers"]) {
    if (p.value("id", kNoNode) == id) {
      return &p;
    }
  }
  return nullptr;
}

bool contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::vector<NodeId> member_ids(const raft::ConfState& conf) {
  std::set<NodeId> ids(conf.voters.begin(), conf.voters.end());
  ids.insert(conf.voters_outgoing.begin(), conf.voters_outgoing.end());
  ids.insert(conf.learners.begin(), conf.learners.end());
  return {ids.begin(), ids.end()};
}

// --- a round -----------------------------------------------------------------------------

// The state a round shares with its probe threads, which may outlive it.
struct Round {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<MemberProbe> probes;
  std::vector<bool> answered;
  std::size_t pending = 0;
};

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connect timed out";
    case httplib::Error::Read:
      return "no answer (read failed or timed out)";
    case httplib::Error::Write:
      return "cannot send the request";
    default:
      return httplib::to_string(error);
  }
}

// GET path at the client's address: the body of a 200 (at most kMaxAnswerBytes), or why not.
Result<std::string> fetch(httplib::Client& client, const std::string& path) {
  std::string body;
  bool too_big = false;
  httplib::Result r = client.Get(path, [&body, &too_big](const char* data, std::size_t n) {
    if (body.size() + n > kMaxAnswerBytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big) {
    return Status(Code::kUnavailable, path + ": answer over 4 MiB");
  }
  if (!r) {
    return Status(Code::kUnavailable, path + ": " + describe(r.error()));
  }
  if (r->status != 200) {
    return Status(Code::kUnavailable, path + ": HTTP " + std::to_string(r->status));
  }
  return body;
}

MemberProbe probe_remote(NodeId id, const node::HostPort& admin, const AdminAuth& auth) {
  MemberProbe p;
  p.id = id;
  const std::unique_ptr<httplib::Client> owned =
      make_admin_client(admin.host, admin.port, auth, 1, 1);
  httplib::Client& client = *owned;
  client.set_connection_timeout(0, kConnectUs);
  client.set_read_timeout(0, kIoUs);
  client.set_write_timeout(0, kIoUs);
  client.set_keep_alive(true);
  Result<std::string> status = fetch(client, "/status");
  if (!status.is_ok()) {
    p.error = status.status().message();
    return p;
  }
  p.reachable = true;
  p.status = std::move(status).value();
  Result<std::string> metrics = fetch(client, "/metrics");
  if (metrics.is_ok()) {
    p.metrics = std::move(metrics).value();
  }
  return p;
}

}  // namespace

struct ClusterView::Outstanding {
  std::mutex mutex;
  std::condition_variable none;  // notified when ids becomes empty
  std::set<NodeId> ids;

  void done(NodeId id) {
    std::lock_guard<std::mutex> lock(mutex);
    ids.erase(id);
    if (ids.empty()) {
      none.notify_all();
    }
  }
};

std::string metrics_summary(std::string_view text) {
  json commands = json::object();
  json out = json::object();
  Histogram commit, fsync, read_index;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const std::size_t space = line.rfind(' ');
    if (space == std::string_view::npos) {
      continue;
    }
    const std::optional<double> value = parse_number(line.substr(space + 1));
    std::string_view series = line.substr(0, space);
    std::string_view labels;
    if (const std::size_t brace = series.find('{'); brace != std::string_view::npos) {
      if (series.back() != '}') {
        continue;
      }
      labels = series.substr(brace + 1, series.size() - brace - 2);
      series = series.substr(0, brace);
    }
    if (!value.has_value()) {
      continue;
    }
    if (series == "helios_client_commands_total") {
      const std::string_view cmd = label(labels, "cmd");
      if (!cmd.empty()) {
        commands[std::string(cmd)] = *value;
      }
    } else if (series == "helios_raft_proposals_committed_total") {
      out["proposals_committed"] = *value;
    } else if (series == "helios_raft_proposals_failed_total") {
      out["proposals_failed"] = *value;
    } else if (!add_histogram_sample(series, "helios_commit_duration_seconds", labels, *value,
                                     commit) &&
               !add_histogram_sample(series, "helios_wal_fsync_duration_seconds", labels, *value,
                                     fsync)) {
      add_histogram_sample(series, "helios_raft_read_index_duration_seconds", labels, *value,
                           read_index);
    }
  }
  out["commands"] = commands;
  for (const auto& [key, h] : {std::pair<const char*, const Histogram*>{"commit_seconds", &commit},
                               {"fsync_seconds", &fsync},
                               {"read_index_seconds", &read_index}}) {
    if (h->seen) {
      out[key] = histogram_json(*h);
    }
  }
  return out.dump();
}

std::string cluster_json(const node::MembersView& view, const std::vector<MemberProbe>& probes,
                         std::int64_t time_ms, std::int64_t elapsed_ms) {
  std::map<NodeId, const MemberProbe*> by_id;
  std::map<NodeId, json> statuses;  // the reachable members' /status
  for (const MemberProbe& p : probes) {
    by_id[p.id] = &p;
    if (p.reachable) {
      json s = parse_object(p.status);
      if (s.is_object()) {
        statuses[p.id] = std::move(s);
      }
    }
  }
  const json* leader = leading_status(statuses);
  const auto self = statuses.find(view.self);
  json members = json::array();
  for (NodeId id : member_ids(view.conf)) {
    json m = {{"id", id}, {"name", node_name(id)}};
    m["kind"] = contains(view.conf.voters, id)     ? "voter"
                : contains(view.conf.learners, id) ? "learner"
                                                   : "outgoing voter";
    m["self"] = id == view.self;
    const node::Member* known = node::find_member(view.book, id);
    const bool has_admin = known != nullptr && known->admin.port != 0;
    m["admin"] = has_admin ? json(known->admin.to_string()) : json(nullptr);
    const auto probe = by_id.find(id);
    const auto status = statuses.find(id);
    m["reachable"] = status != statuses.end();
    if (status != statuses.end()) {
      m["error"] = nullptr;
    } else if (probe != by_id.end() && !probe->second->error.empty()) {
      m["error"] = probe->second->error;
    } else if (probe != by_id.end() && probe->second->reachable) {
      m["error"] = "/status: not a JSON object";
    } else {
      m["error"] = has_admin || id == view.self ? "not asked" : "admin address unknown";
    }
    m["status"] = status != statuses.end() ? status->second : json(nullptr);
    m["lag"] = nullptr;
    m["match_index"] = nullptr;
    if (leader != nullptr && leader->value("node_id", kNoNode) == id) {
      m["lag"] = 0;
      m["match_index"] = leader->value("last_log_index", 0ULL);
    } else if (const json* p = leader != nullptr ? peer_entry(*leader, id) : nullptr) {
      m["lag"] = p->value("replication_lag", json(nullptr));
      m["match_index"] = p->value("match_index", json(nullptr));
    }
    m["link"] = nullptr;
    if (const json* p = self != statuses.end() ? peer_entry(self->second, id) : nullptr) {
      m["link"] = {{"connected", p->value("connected", false)},
                   {"last_heard_ms", p->value("last_heard_ms", -1LL)}};
    }
    m["metrics"] = nullptr;
    if (status != statuses.end() && !probe->second->metrics.empty()) {
      m["metrics"] = json::parse(metrics_summary(probe->second->metrics));
    }
    members.push_back(std::move(m));
  }
  json j;
  j["node_id"] = view.self;
  j["name"] = node_name(view.self);
  j["cluster_id"] = view.cluster_id;
  j["time_ms"] = time_ms;
  j["elapsed_ms"] = elapsed_ms;
  j["leader"] = view.leader == kNoNode ? json(nullptr) : json(view.leader);
  j["term"] = view.term;
  j["joint"] = view.conf.joint();
  j["change_in_progress"] = view.change_in_progress;
  j["members"] = std::move(members);
  return j.dump();
}

ClusterView::ClusterView(node::Runtime& runtime)
    : runtime_(runtime), outstanding_(std::make_shared<Outstanding>()) {}

ClusterView::~ClusterView() {
  // Give the probes still running (each bounded by its timeouts) a moment to return, so that
  // none is left behind at exit; they touch only what they share, never this object.
  std::unique_lock<std::mutex> lock(outstanding_->mutex);
  outstanding_->none.wait_for(lock, kRoundMs + std::chrono::seconds(1),
                              [this]() { return outstanding_->ids.empty(); });
}

Result<std::string> ClusterView::get() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (last_.has_value() && Clock::now() - last_at_ < kFreshMs) {
    return *last_;
  }
  if (round_.has_value()) {  // someone else runs one: share it
    std::shared_future<Result<std::string>> round = *round_;
    lock.unlock();
    if (round.wait_for(kRoundMs + std::chrono::seconds(3)) != std::future_status::ready) {
      return Status(Code::kUnavailable, "the cluster view did not answer in time");
    }
    return round.get();
  }
  std::promise<Result<std::string>> promise;
  round_ = promise.get_future().share();
  lock.unlock();
  Result<std::string> answer = Status(Code::kInternal, "the cluster view failed");
  try {
    answer = run_round();
  } catch (const std::exception& e) {  // out of memory, say: answer 503, keep serving
    answer = Status(Code::kInternal, std::string("the cluster view failed: ") + e.what());
  }
  lock.lock();
  round_.reset();
  last_ = answer;
  last_at_ = Clock::now();
  lock.unlock();
  promise.set_value(answer);
  return answer;
}

Result<std::string> ClusterView::run_round() {
  const Clock::time_point start = Clock::now();
  auto promise = std::make_shared<std::promise<node::MembersView>>();
  std::future<node::MembersView> future = promise->get_future();
  runtime_.post([&runtime = runtime_, promise]() { promise->set_value(runtime.members_view()); });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    return Status(Code::kUnavailable, "the node's loop did not answer in time");
  }
  const node::MembersView view = future.get();
  const std::vector<NodeId> ids = member_ids(view.conf);

  // Every other member with a known admin address, on a thread of its own.
  auto round = std::make_shared<Round>();
  round->probes.resize(ids.size());
  round->answered.assign(ids.size(), false);
  std::size_t asked = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    MemberProbe& p = round->probes[i];
    p.id = ids[i];
    const node::Member* known = node::find_member(view.book, ids[i]);
    if (ids[i] == view.self) {
      continue;
    }
    if (known == nullptr || known->admin.port == 0) {
      p.error = "admin address unknown";
      continue;
    }
    if (asked == kMaxAsked) {
      p.error = "not asked: more than " + std::to_string(kMaxAsked) + " members";
      continue;
    }
    {
      std::lock_guard<std::mutex> busy(outstanding_->mutex);
      if (!outstanding_->ids.insert(ids[i]).second) {
        p.error = "its previous probe has not returned yet";
        continue;
      }
    }
    const auto run = [round, i, id = ids[i], admin = known->admin, outstanding = outstanding_,
                      auth = node_admin_auth(runtime_.config())]() {
      MemberProbe answer = probe_remote(id, admin, auth);
      {
        std::lock_guard<std::mutex> lock(round->mutex);
        round->probes[i] = std::move(answer);
        round->answered[i] = true;
        round->pending--;
        round->done.notify_all();
      }
      outstanding->done(id);
    };
    {
      std::lock_guard<std::mutex> lock(round->mutex);
      round->pending++;
    }
    try {
      std::thread(run).detach();
      ++asked;
    } catch (const std::system_error& e) {  // out of threads: report it, ask the next one
      outstanding_->done(ids[i]);
      std::lock_guard<std::mutex> lock(round->mutex);
      round->pending--;
      p.error = std::string("cannot start a thread to ask it: ") + e.what();
    }
  }

  // This node itself, meanwhile.
  MemberProbe own;
  own.id = view.self;
  const Result<node::NodeStatus> status = runtime_.status(std::chrono::seconds(1));
  if (status.is_ok()) {
    own.reachable = true;
    own.status = status_json(status.value());
    Result<std::string> metrics = runtime_.metrics_text(std::chrono::seconds(1));
    if (metrics.is_ok()) {
      own.metrics = std::move(metrics).value();
    }
  } else {
    own.error = status.status().message();
  }

  std::vector<MemberProbe> probes;
  {
    std::unique_lock<std::mutex> lock(round->mutex);
    round->done.wait_until(lock, start + kRoundMs, [&round]() { return round->pending == 0; });
    for (std::size_t i = 0; i < ids.size(); ++i) {
      MemberProbe p = round->probes[i];
      if (ids[i] == view.self) {
        p = own;
      } else if (p.error.empty() && !round->answered[i]) {
        p.error = "no answer within " + std::to_string(kRoundMs.count()) + " ms";
      }
      probes.push_back(std::move(p));
    }
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return cluster_json(view, probes, unix_ms(), elapsed);
}

}  // namespace helios::admin
