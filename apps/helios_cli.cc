// helios-cli: talk to a running cluster.
//
//   helios-cli status [--nodes HOST:PORT,...]   the admin address of each node
//                                               (default: the quick start's 8001..8003)
//
// Prints, for every node, the block of the seed's "Example Cluster Status", then its newest
// snapshot (index, term, size, age), the first index its log still holds and the size of
// its WAL. Exit status 0 when every node answered, 1 otherwise.
//
//   helios-cli snapshot [--admin HOST:PORT]     POST /snapshot (default 127.0.0.1:8001):
//                                               that node starts a snapshot (BGSAVE).
//                                               Prints the answer; exit status 0 when one
//                                               was started (or nothing was new), 1 if not
//
//   helios-cli [--admin HOST:PORT[,HOST:PORT...]] transfer-leader [ID]
//                                               POST /transfer-leader: hands leadership to
//                                               node ID (default: the most up-to-date
//                                               follower). Tries the addresses in turn
//                                               (default: the quick start's 8001..8003)
//                                               until the leader answers. Prints the new
//                                               leader; exit status 0 once it moved (or the
//                                               target already led), 1 if not, 2 on bad usage
//
//   helios-cli [--admin HOST:PORT[,...]] member list | add ID --peer HOST:PORT
//                                        --client HOST:PORT [--learner] | remove ID | promote ID
//                                               membership (apps/cli_members.h)
//
//   helios-cli [--node HOST:PORT] get KEY            (default node: 127.0.0.1:7001; any
//   helios-cli [--node HOST:PORT] set KEY VALUE [--ttl 30s]    node works: -MOVED is
//   helios-cli [--node HOST:PORT] del KEY...                   followed, -TRYAGAIN retried)
//   helios-cli [--node HOST:PORT] expire KEY SECONDS | ttl KEY | incr KEY [BY] | keys [PATTERN]
//
//   helios-cli backup FILE [--admin HOST:PORT] | backup verify FILE
//                                               online backup and its offline check
//                                               (apps/cli_backup.h)
//
//   helios-cli certs create DIR --nodes N1,N2,... | certs issue DIR NAME  (apps/cli_certs.h)
//
// Security options, anywhere on the line (apps/cli_security.h): --tls, --cacert FILE,
// --cert FILE, --key FILE, --user NAME, --pass PASS (or HELIOS_PASSWORD), --token TOKEN
// (or HELIOS_ADMIN_TOKEN).
#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "apps/cli_backup.h"
#include "apps/cli_certs.h"
#include "apps/cli_data.h"
#include "apps/cli_members.h"
#include "apps/cli_security.h"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

std::string human_bytes(unsigned long long bytes) {
  static const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string age_of(long long unix_ms) {
  if (unix_ms < 0) {
    return "before the node's start";
  }
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return std::to_string(std::max(0LL, now - unix_ms) / 1000) + " s ago";
}

// The snapshot and log lines of a /status (absent fields print as nothing: older nodes).
void print_storage(const nlohmann::json& j) {
  if (j.contains("snapshot") && j["snapshot"].is_object()) {
    const nlohmann::json& snap = j["snapshot"];
    const unsigned long long index = snap.value("index", 0ULL);
    std::string line = index == 0 ? std::string("none")
                                  : "index " + std::to_string(index) + ", term " +
                                        std::to_string(snap.value("term", 0ULL)) + ", " +
                                        human_bytes(snap.value("bytes", 0ULL)) + ", taken " +
                                        age_of(snap.value("time_ms", -1LL));
    if (snap.value("in_progress", false)) {
      line += " (a snapshot is in progress)";
    }
    if (snap.contains("error") && snap["error"].is_string()) {
      line += " (the last one failed: " + snap["error"].get<std::string>() + ")";
    }
    std::printf("- Snapshot: %s\n", line.c_str());
  }
  if (j.contains("first_log_index")) {
    std::printf("- First Log Index: %llu\n", j.value("first_log_index", 0ULL));
  }
  if (j.contains("wal_bytes")) {
    const unsigned long long wal = j.value("wal_bytes", 0ULL);
    const std::string exact = wal < 1024 ? "" : " (" + std::to_string(wal) + " bytes)";
    std::printf("- WAL: %s%s\n", human_bytes(wal).c_str(), exact.c_str());
  }
}

void print_block(const std::string& address, const nlohmann::json& j) {
  const std::string state = j.value("state", "?");
  std::printf("%s (%s)%s:\n", j.value("name", address).c_str(), address.c_str(),
              state == "Leader" ? " (Leader)" : "");
  std::printf("- State: %s\n", state.c_str());
  std::printf("- Term: %llu\n", j.value("term", 0ULL));
  std::printf("- Commit Index: %llu\n", j.value("commit_index", 0ULL));
  std::printf("- Last Applied: %llu\n", j.value("last_applied", 0ULL));
  if (state == "Leader") {
    int healthy = 0;
    int total = 0;
    for (const auto& p : j["peers"]) {
      ++total;
      healthy += p.value("connected", false) && p.value("replication_lag", 1ULL) < 1000 ? 1 : 0;
    }
    std::printf("- Peers: %d (%s)\n", total,
                healthy == total ? (total == 2 ? "both healthy" : "all healthy")
                                 : (std::to_string(healthy) + " healthy").c_str());
    for (const auto& p : j["peers"]) {
      std::printf("    %s %s match=%llu lag=%llu %s\n", p.value("name", "?").c_str(),
                  p.value("address", "?").c_str(), p.value("match_index", 0ULL),
                  p.value("replication_lag", 0ULL),
                  p.value("connected", false) ? "connected" : "DISCONNECTED");
    }
  } else {
    const std::string leader = j["leader"].is_string() ? j["leader"].get<std::string>() : "none";
    std::printf("- Leader: %s\n", leader.c_str());
  }
  print_storage(j);
  std::printf("%s\n", helios::apps::membership_lines(j.dump()).c_str());
}

// A client of the admin port at HOST:PORT, or nullptr (after saying so on stderr).
std::unique_ptr<httplib::Client> admin_client(const std::string& address, time_t read_timeout_s) {
  const auto colon = address.rfind(':');
  const std::string port_text = colon == std::string::npos ? "" : address.substr(colon + 1);
  int port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
    std::fprintf(stderr, "helios-cli: '%s' is not HOST:PORT\n", address.c_str());
    return nullptr;
  }
  return helios::admin::make_admin_client(address.substr(0, colon), port,
                                          helios::apps::cli_admin_auth(), 2, read_timeout_s);
}

int status(const std::vector<std::string>& nodes) {
  int failures = 0;
  std::vector<unsigned long long> commits;
  for (const std::string& address : nodes) {
    const std::unique_ptr<httplib::Client> client = admin_client(address, 3);
    if (client == nullptr) {
      return 2;
    }
    auto res = client->Get("/status");
    if (!res || res->status != 200) {
      std::printf("%s: unreachable\n\n", address.c_str());
      ++failures;
      continue;
    }
    const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
      std::printf("%s: answered something that is not JSON\n\n", address.c_str());
      ++failures;
      continue;
    }
    try {
      print_block(address, j);
      commits.push_back(j.value("commit_index", 0ULL));
    } catch (const nlohmann::json::exception& e) {
      std::printf("%s: answered a malformed status (%s)\n\n", address.c_str(), e.what());
      ++failures;
    }
  }
  bool same = !commits.empty();
  for (unsigned long long c : commits) {
    same = same && c == commits.front();
  }
  if (failures == 0 && same) {
    std::printf("All commit indices match - cluster is consistent!\n");
  }
  return failures == 0 ? 0 : 1;
}

// The message of an admin answer: its "error" field, else the whole body.
std::string error_of(const nlohmann::json& j, const std::string& body) {
  return j.is_object() && j.contains("error") && j["error"].is_string()
             ? j["error"].get<std::string>()
             : body;
}

int snapshot(const std::string& address) {
  const std::unique_ptr<httplib::Client> client = admin_client(address, 5);
  if (client == nullptr) {
    return 2;
  }
  auto res = client->Post("/snapshot");
  if (!res) {
    std::printf("%s: unreachable\n", address.c_str());
    return 1;
  }
  const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status == 202) {
    std::printf("%s: snapshot started (index %llu)\n", address.c_str(),
                j.is_object() ? j.value("index", 0ULL) : 0ULL);
    return 0;
  }
  if (res->status == 200) {
    std::printf("%s: nothing to snapshot: nothing was applied since snapshot %llu\n",
                address.c_str(), j.is_object() ? j.value("index", 0ULL) : 0ULL);
    return 0;
  }
  std::printf("%s: no snapshot started (HTTP %d): %s\n", address.c_str(), res->status,
              error_of(j, res->body).c_str());
  return 1;
}

// POST /transfer-leader at each address in turn until one is the leader (the others answer
// 421, or do not answer); target "" lets the leader choose.
int transfer_leader(const std::vector<std::string>& addresses, const std::string& target) {
  std::string last = "no admin address given";
  for (const std::string& address : addresses) {
    // The node waits up to two election timeouts for the new leader.
    const std::unique_ptr<httplib::Client> client = admin_client(address, 10);
    if (client == nullptr) {
      return 2;
    }
    const std::string path =
        target.empty() ? "/transfer-leader" : "/transfer-leader?target=" + target;
    auto res = client->Post(path);
    if (!res) {
      last = address + ": unreachable";
      continue;
    }
    const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status == 421) {
      last = address + ": " + error_of(j, res->body);
      continue;
    }
    if (res->status == 200 && j.is_object() && j.contains("note")) {
      std::printf("%s\n", j.value("note", std::string()).c_str());
      return 0;
    }
    if (res->status == 200 && j.is_object()) {
      std::printf("leader: %s (term %llu, moved in %llu ms)\n",
                  j.value("name", std::string("?")).c_str(), j.value("term", 0ULL),
                  j.value("elapsed_ms", 0ULL));
      return 0;
    }
    std::printf("%s: leadership not transferred (HTTP %d): %s\n", address.c_str(), res->status,
                error_of(j, res->body).c_str());
    return 1;
  }
  std::printf("leadership not transferred: %s\n", last.c_str());
  return 1;
}

// helios-cli [--admin A[,B...]] transfer-leader [ID] [--admin A[,B...]]
int transfer_leader_command(const std::vector<std::string>& args) {
  std::vector<std::string> addresses = {"127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"};
  std::string target;
  bool seen_command = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--admin" && i + 1 < args.size()) {
      addresses = split(args[++i]);
    } else if (args[i] == "transfer-leader" && !seen_command) {
      seen_command = true;
    } else if (target.empty() && !args[i].empty() &&
               args[i].find_first_not_of("0123456789") == std::string::npos) {
      target = args[i];
    } else {
      std::fprintf(stderr, "helios-cli transfer-leader: unexpected '%s' (ID: a node id)\n",
                   args[i].c_str());
      return 2;
    }
  }
  return transfer_leader(addresses, target);
}

constexpr const char* kUsage =
    "usage: helios-cli status [--nodes HOST:PORT,...]\n"
    "       helios-cli snapshot [--admin HOST:PORT]\n"
    "       helios-cli [--admin HOST:PORT[,...]] transfer-leader [ID]\n"
    "       helios-cli [--admin HOST:PORT[,...]] member list|add|remove|promote ...\n"
    "       helios-cli [--node HOST:PORT] get|set|del|expire|ttl|incr|keys ...\n"
    "       helios-cli backup FILE [--admin HOST:PORT] | backup verify FILE\n"
    "       helios-cli certs create DIR --nodes NAME,... | certs issue DIR NAME\n"
    "  security options (anywhere): --tls --cacert FILE --cert FILE --key FILE --user NAME\n"
    "                               --pass PASS (or HELIOS_PASSWORD) --token TOKEN\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  helios::Result<helios::apps::CliSecurity> security = helios::apps::take_security_options(args);
  if (!security.is_ok()) {
    std::fprintf(stderr, "helios-cli: %s\n", security.status().message().c_str());
    return 2;
  }
  helios::apps::set_cli_security(security.value());
  if (!args.empty() && args[0] == "certs") {
    return helios::apps::run_certs_command(args);
  }
  std::string data_node = "127.0.0.1:7001";
  if (args.size() >= 2 && args[0] == "--node") {
    data_node = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (!args.empty() && helios::apps::is_data_command_name(args[0])) {
    return helios::apps::run_data_command(data_node, args);
  }
  if (std::find(args.begin(), args.end(), "member") != args.end() &&
      (args[0] == "member" || args[0] == "--admin")) {
    return helios::apps::run_member_command(args);
  }
  if (std::find(args.begin(), args.end(), "transfer-leader") != args.end() &&
      (args[0] == "transfer-leader" || args[0] == "--admin")) {
    return transfer_leader_command(args);
  }
  if (!args.empty() && args[0] == "backup") {
    return helios::apps::run_backup_command(args, admin_client);
  }
  if (!args.empty() && args[0] == "snapshot") {
    if (args.size() == 3 && args[1] == "--admin") {
      return snapshot(args[2]);
    }
    if (args.size() != 1) {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
    return snapshot("127.0.0.1:8001");
  }
  if (args.empty() || args[0] != "status") {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  std::vector<std::string> nodes = {"127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"};
  if (args.size() == 3 && args[1] == "--nodes") {
    nodes = split(args[2]);
  } else if (args.size() != 1) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  return status(nodes);
}
