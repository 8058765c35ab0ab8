#include "apps/cli_members.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "apps/cli_security.h"

namespace helios::apps {

namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: helios-cli [--admin HOST:PORT[,...]] member list\n"
    "       helios-cli [--admin HOST:PORT[,...]] member add ID --peer HOST:PORT "
    "--client HOST:PORT [--member-admin HOST:PORT] [--learner]\n"
    "       helios-cli [--admin HOST:PORT[,...]] member remove ID\n"
    "       helios-cli [--admin HOST:PORT[,...]] member promote ID\n";

struct Command {
  std::vector<std::string> admins;
  std::string verb;
  std::string id;
  std::string peer, client, member_admin;
  bool learner = false;
};

bool is_id(const std::string& s) {
  return !s.empty() && s.size() < 20 && s.find_first_not_of("0123456789") == std::string::npos &&
         s.find_first_not_of('0') != std::string::npos;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

// Parses the command line; an error message on bad usage.
std::string parse(const std::vector<std::string>& args, Command& c) {
  for (int i = 1; i <= 9; ++i) {
    c.admins.push_back("127.0.0.1:800" + std::to_string(i));
  }
  bool seen_member = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--admin" && has_value) {
      c.admins = split(args[++i]);
    } else if (a == "--peer" && has_value) {
      c.peer = args[++i];
    } else if (a == "--client" && has_value) {
      c.client = args[++i];
    } else if (a == "--member-admin" && has_value) {
      c.member_admin = args[++i];
    } else if (a == "--learner") {
      c.learner = true;
    } else if (a == "member" && !seen_member) {
      seen_member = true;
    } else if (seen_member && c.verb.empty()) {
      c.verb = a;
    } else if (!c.verb.empty() && c.id.empty() && is_id(a)) {
      c.id = a;
    } else {
      return "unexpected '" + a + "'";
    }
  }
  if (c.verb != "list" && c.verb != "add" && c.verb != "remove" && c.verb != "promote") {
    return c.verb.empty() ? "a subcommand is missing" : "unknown subcommand '" + c.verb + "'";
  }
  if ((c.verb == "list") != c.id.empty()) {
    return c.verb == "list" ? "list takes no ID" : c.verb + " needs an ID (a positive integer)";
  }
  if (c.verb == "add" && c.peer.empty()) {
    return "add needs --peer HOST:PORT (and --client HOST:PORT)";
  }
  if (c.verb != "add" && (!c.peer.empty() || !c.client.empty() || c.learner)) {
    return "--peer, --client and --learner are for add";
  }
  return "";
}

std::unique_ptr<httplib::Client> client_for(const std::string& address) {
  const auto colon = address.rfind(':');
  int port = 0;
  const std::string text = colon == std::string::npos ? "" : address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() ||
      end != text.data() + text.size() || port <= 0 || port > 65535) {
    return nullptr;
  }
  return admin::make_admin_client(address.substr(0, colon), port, cli_admin_auth(), 2, 30);
}

std::string error_of(const json& j, const std::string& body) {
  return j.is_object() && j.contains("error") && j["error"].is_string()
             ? j["error"].get<std::string>()
             : body;
}

std::string text_or(const json& m, const char* key, const char* none) {
  return m.contains(key) && m[key].is_string() ? m[key].get<std::string>() : std::string(none);
}

void print_members(const json& j) {
  const json leader = j.value("leader", json(nullptr));
  std::printf("cluster %s, leader %s (term %llu), configuration entry %llu\n",
              j.value("cluster_id", std::string("?")).c_str(),
              leader.is_number()
                  ? ("node-" + std::to_string(leader.get<unsigned long long>())).c_str()
                  : "none",
              j.value("term", 0ULL), j.value("conf_index", 0ULL));
  for (const char* list : {"voters", "learners", "outgoing_voters"}) {
    const json& members = j.contains(list) ? j[list] : json::array();
    if (std::string(list) == "outgoing_voters" && members.empty()) {
      continue;
    }
    std::printf("%s (%zu):\n", list, members.size());
    for (const json& m : members) {
      const bool leads = leader.is_number() && leader == m.value("id", json(0));
      std::printf("  %-8s peer %-21s client %-21s admin %-21s%s%s\n",
                  m.value("name", std::string("?")).c_str(), text_or(m, "peer", "?").c_str(),
                  text_or(m, "client", "-").c_str(), text_or(m, "admin", "-").c_str(),
                  leads ? " (leader)" : "", m.value("auto_promote", false) ? " (to promote)" : "");
    }
  }
  if (j.value("change_in_progress", false)) {
    std::printf("a configuration change is in progress%s\n",
                j.value("joint", false) ? " (joint configuration)" : "");
  }
}

void warn_if_even(const json& j) {
  const std::size_t voters = j.contains("voters") ? j["voters"].size() : 0;
  if (voters != 0 && voters % 2 == 0) {
    std::fprintf(stderr,
                 "warning: %zu voters: a cluster of %zu voters tolerates no more failures than "
                 "%zu voters (%zu); prefer an odd number\n",
                 voters, voters, voters - 1, (voters - 2) / 2);
  }
}

// GET /members at the first address that answers.
bool get_members(const std::vector<std::string>& admins, json& out, std::string& last) {
  for (const std::string& address : admins) {
    const auto client = client_for(address);
    if (client == nullptr) {
      last = "'" + address + "' is not HOST:PORT";
      continue;
    }
    auto res = client->Get("/members");
    if (!res || res->status != 200) {
      last = address + ": " + (res ? "HTTP " + std::to_string(res->status) : "unreachable");
      continue;
    }
    out = json::parse(res->body, nullptr, false);
    if (out.is_object()) {
      return true;
    }
    last = address + ": answered something that is not JSON";
  }
  return false;
}

// Whether the change is visible in GET /members (its answer was lost: the node that took
// it may have been the member it removed, which stops once the change is applied).
bool change_visible(const Command& c, json& members) {
  std::string ignored;
  const unsigned long long id = std::stoull(c.id);
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (get_members(c.admins, members, ignored) && !members.value("change_in_progress", true)) {
      bool voter = false;
      bool learner = false;
      for (const json& m : members["voters"]) {
        voter = voter || m.value("id", 0ULL) == id;
      }
      for (const json& m : members["learners"]) {
        learner = learner || m.value("id", 0ULL) == id;
      }
      const bool done = c.verb == "remove"    ? !voter && !learner
                        : c.verb == "promote" ? voter
                                              : (c.learner ? learner : voter);
      if (done) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int change(const Command& c) {
  std::string method = "POST";
  std::string path = "/members";
  std::string body;
  if (c.verb == "add") {
    json j = {{"id", std::stoull(c.id)}, {"peer", c.peer}, {"learner", c.learner}};
    if (!c.client.empty()) {
      j["client"] = c.client;
    }
    if (!c.member_admin.empty()) {
      j["admin"] = c.member_admin;
    }
    body = j.dump();
  } else if (c.verb == "remove") {
    method = "DELETE";
    path += "/" + c.id;
  } else {
    path += "/" + c.id + "/promote";
  }
  std::vector<std::string> queue = c.admins;
  std::string last = "no admin address given";
  for (std::size_t i = 0; i < queue.size() && i < 32; ++i) {
    const auto client = client_for(queue[i]);
    if (client == nullptr) {
      std::fprintf(stderr, "helios-cli: '%s' is not HOST:PORT\n", queue[i].c_str());
      return 2;
    }
    auto res =
        method == "DELETE" ? client->Delete(path) : client->Post(path, body, "application/json");
    if (!res) {
      last = queue[i] + ": unreachable or no answer";
      json members;
      if (res.error() == httplib::Error::Read && change_visible(c, members)) {
        print_members(members);
        warn_if_even(members);
        return 0;
      }
      continue;
    }
    const json j = json::parse(res->body, nullptr, false);
    if (res->status == 421) {
      last = queue[i] + ": " + error_of(j, res->body);
      if (j.is_object() && j.contains("leader_admin") && j["leader_admin"].is_string()) {
        queue.insert(queue.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                     j["leader_admin"].get<std::string>());
      }
      continue;
    }
    if (res->status == 200 && j.is_object()) {
      std::printf("done in %llu ms\n", j.value("elapsed_ms", 0ULL));
      print_members(j);
      warn_if_even(j);
      return 0;
    }
    std::printf("%s: not changed (HTTP %d): %s\n", queue[i].c_str(), res->status,
                error_of(j, res->body).c_str());
    return 1;
  }
  std::printf("not changed: %s\n", last.c_str());
  return 1;
}

std::string ids_of(const json& j, const char* key) {
  std::string out;
  if (j.contains(key) && j[key].is_array()) {
    for (const json& id : j[key]) {
      out += (out.empty() ? "" : ", ") + ("node-" + std::to_string(id.get<unsigned long long>()));
    }
  }
  return out.empty() ? "none" : out;
}

}  // namespace

int run_member_command(const std::vector<std::string>& args) {
  Command c;
  const std::string error = parse(args, c);
  if (!error.empty()) {
    std::fprintf(stderr, "helios-cli member: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (c.verb != "list") {
    return change(c);
  }
  json members;
  std::string last = "no admin address given";
  if (!get_members(c.admins, members, last)) {
    std::printf("no node answered: %s\n", last.c_str());
    return 1;
  }
  print_members(members);
  return 0;
}

std::string membership_lines(const std::string& status_json) {
  const json j = json::parse(status_json, nullptr, false);
  if (!j.is_object() || !j.contains("voters")) {
    return "";
  }
  std::string out =
      "- Voters: " + ids_of(j, "voters") + "\n- Learners: " + ids_of(j, "learners") + "\n";
  if (j.value("joint", false)) {
    out += "- Joint configuration: outgoing voters " + ids_of(j, "outgoing_voters") + "\n";
  } else if (j.value("conf_change_in_progress", false)) {
    out += "- A configuration change is in progress\n";
  }
  return out;
}

}  // namespace helios::apps
