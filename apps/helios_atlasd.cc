// helios-atlasd: a Helios node for any cluster size and real addresses.
//
//   helios-atlasd --config /etc/helios/node-1.toml [flags]
//
// Flags override the file (see src/node/config.h for the keys; `helios-atlasd --help` lists
// the flags). Invalid configuration fails at start with a message naming the key or the
// flag (exit status 2), and changes nothing.
//
//   helios-atlasd --config FILE --restore BACKUP   initialise the empty data directory from
//                                                   a backup as the only voter of a new
//                                                   cluster, then run (apps/restore.h)
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "apps/node_main.h"
#include "apps/recovery_flags.h"
#include "apps/restore.h"
#include "apps/security_flags.h"

namespace {

using helios::node::NodeConfig;

// "1=10.0.1.10:9001,2=10.0.1.11:9001", each optionally with "/CLIENT_HOST:CLIENT_PORT"
helios::Status parse_peers(const std::string& text, NodeConfig& config) {
  config.peers.clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return helios::Status(helios::Code::kInvalidArgument,
                            "--peers: '" + item + "' is not ID=HOST:PORT");
    }
    std::string address = item.substr(eq + 1);
    helios::node::HostPort client_address;
    const auto slash = address.find('/');
    if (slash != std::string::npos) {
      helios::Result<helios::node::HostPort> c =
          helios::node::parse_host_port(address.substr(slash + 1));
      if (!c.is_ok()) {
        return helios::Status(helios::Code::kInvalidArgument,
                              "--peers: '" + item + "' has a bad client address");
      }
      client_address = c.value();
      address.resize(slash);
    }
    helios::Result<helios::node::HostPort> hp = helios::node::parse_host_port(address);
    const std::string id_text = item.substr(0, eq);
    helios::NodeId id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (!hp.is_ok() || ec != std::errc() || end != id_text.data() + id_text.size()) {
      return helios::Status(helios::Code::kInvalidArgument,
                            "--peers: '" + item + "' is not ID=HOST:PORT");
    }
    config.peers.push_back({id, hp.value(), client_address, {}});
  }
  return helios::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"helios-atlasd: a Helios (Raft + ATLAS) node", "helios-atlasd"};
  std::string config_path, listen, admin, client, redirect, peers;
  NodeConfig flags;
  app.add_option("--config", config_path, "TOML configuration file");
  app.add_option("--node-id", flags.node_id, "this node's id (a positive integer)");
  app.add_option("--cluster-id", flags.cluster_id, "cluster id shared by every member");
  app.add_option("--data-dir", flags.data_dir, "data directory");
  app.add_option("--listen", listen, "peer address HOST:PORT");
  app.add_option("--admin", admin, "admin HTTP address HOST:PORT");
  app.add_option("--client", client, "client (Redis protocol) address HOST:PORT");
  app.add_option("--redirect", redirect, "writes at a follower: forward (default) or moved");
  app.add_option("--peers", peers, "every voter: ID=HOST:PORT[/CLIENT_HOST:CLIENT_PORT],...");
  std::string join;
  bool learner = false;
  app.add_option("--join", join,
                 "ask the cluster at this admin address to add this node (an empty data "
                 "directory and no peers; listen must be set)")
      ->type_name("HOST:ADMINPORT");
  app.add_flag("--learner", learner, "with --join: stay a learner (never promoted to voter)");
  std::string restore;
  app.add_option("--restore", restore,
                 "initialise the empty data directory from this backup, as the only voter of "
                 "a new cluster (a random cluster id unless one is configured)")
      ->type_name("FILE");
  helios::apps::TuningFlags tuning;
  tuning.add_to(app);
  helios::apps::SecurityFlags security;
  security.add_to(app);
  helios::apps::RecoveryFlags recovery;
  recovery.add_to(app);
  app.footer(
      "Flags override the file; a default shown applies when neither sets the key. "
      "Durations take ms, s, m or h: 50ms, 2s, 30m.");
  if (const std::optional<int> done = helios::apps::parse_command_line(app, argc, argv)) {
    return *done;
  }

  NodeConfig config;
  config.cluster_id.clear();  // set again below unless the file or a flag names one
  if (!config_path.empty()) {
    std::ifstream file(config_path);
    if (!file) {
      std::fprintf(stderr, "helios-atlasd: cannot read %s\n", config_path.c_str());
      return 2;
    }
    std::stringstream text;
    text << file.rdbuf();
    const helios::Status s = helios::node::load_toml(text.str(), config);
    if (!s.is_ok()) {
      std::fprintf(stderr, "helios-atlasd: %s: %s\n", config_path.c_str(), s.message().c_str());
      return 2;
    }
  }
  // Flags override the file.
  std::string overrides;
  if (app.count("--node-id") != 0)
    config.node_id = flags.node_id;
  if (app.count("--cluster-id") != 0)
    config.cluster_id = flags.cluster_id;
  if (app.count("--data-dir") != 0)
    config.data_dir = flags.data_dir;
  const bool cluster_id_named = !config.cluster_id.empty();
  if (!cluster_id_named) {
    config.cluster_id = NodeConfig{}.cluster_id;
  }
  if (!listen.empty())
    overrides += "listen = \"" + listen + "\"\n";
  if (!admin.empty())
    overrides += "admin = \"" + admin + "\"\n";
  if (!client.empty() || !redirect.empty()) {
    overrides += "[client]\n";
  }
  if (!client.empty())
    overrides += "listen = \"" + client + "\"\n";
  if (!redirect.empty())
    overrides += "redirect = \"" + redirect + "\"\n";
  helios::Status s = helios::node::load_toml(overrides, config);
  if (s.is_ok()) {
    s = tuning.apply_to(config);
  }
  if (s.is_ok()) {
    s = security.apply_to(config);
  }
  if (s.is_ok() && !peers.empty()) {
    s = parse_peers(peers, config);
  }
  if (s.is_ok() && !join.empty()) {
    helios::Result<helios::node::HostPort> j = helios::node::parse_host_port(join);
    if (j.is_ok()) {
      config.join = j.value();
      config.join_as_learner = learner;
    } else {
      s = helios::Status(helios::Code::kInvalidArgument, "--join: " + j.status().message());
    }
  } else if (s.is_ok() && learner) {
    s = helios::Status(helios::Code::kInvalidArgument, "--learner needs --join");
  }
  if (s.is_ok() && !restore.empty() && !join.empty()) {
    s = helios::Status(helios::Code::kInvalidArgument,
                       "--restore starts a new cluster; --join joins one: not both");
  }
  if (s.is_ok()) {
    s = recovery.apply_to(config);
  }
  if (s.is_ok()) {
    s = helios::node::validate(config);
  }
  if (s.is_ok() && !restore.empty()) {
    s = helios::apps::restore_from_backup(restore, cluster_id_named, config);
  }
  if (!s.is_ok()) {
    std::fprintf(stderr, "helios-atlasd: %s\n", s.message().c_str());
    return 2;
  }
  return helios::apps::run_node(config, helios::apps::RunOptions{});
}
