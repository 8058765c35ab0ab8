#include "api/info.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "api/args.h"
#include "api/server.h"
#include "atlas/glob.h"
#include "env/posix/memory.h"
#include "raft/raft.h"

namespace helios::api {

namespace {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string process_id() {
  std::ifstream stat("/proc/self/stat");
  std::string pid;
  stat >> pid;
  return pid;
}

std::string human(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fM", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

void section_server(Server& s, std::ostringstream& o) {
  const std::uint64_t up = (now_ms() - s.started_ms()) / 1000;
  o << "# Server\r\nredis_version:" << kRedisCompatVersion
    << "\r\nhelios_version:" << kHeliosVersion
    << "\r\nredis_mode:standalone\r\nos:Linux\r\narch_bits:64\r\n"
    << "process_id:" << process_id() << "\r\ntcp_port:" << s.port()
    << "\r\nnode_id:" << s.config().node_id << "\r\ncluster_id:" << s.config().cluster_id
    << "\r\nuptime_in_seconds:" << up << "\r\nuptime_in_days:" << up / 86400 << "\r\n";
}

void section_clients(Server& s, std::ostringstream& o) {
  o << "# Clients\r\nconnected_clients:" << s.connections()
    << "\r\nmaxclients:" << s.config().client.max_connections
    << "\r\nblocked_clients:" << s.blocking().blocked() << "\r\n";
}

void section_memory(std::ostringstream& o) {
  const std::uint64_t rss = env::resident_bytes();
  o << "# Memory\r\nused_memory:" << rss << "\r\nused_memory_human:" << human(rss)
    << "\r\nused_memory_rss:" << rss << "\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n";
}

// Redis's fields where they mean the same (a snapshot is Helios's RDB file), then Helios's.
// Only what the loop thread can read from the Node: the snapshot's size and time, its last
// error and the WAL's size are in node::NodeStatus (admin /status).
void section_persistence(Server& s, std::ostringstream& o) {
  const node::ClientHost& host = s.host();
  const node::NodeStatus st = host.status_now();
  const Index applied = st.applied;
  o << "# Persistence\r\nloading:0\r\nasync_loading:0"
    << "\r\nrdb_changes_since_last_save:" << applied - std::min(applied, st.snapshot.index)
    << "\r\nrdb_bgsave_in_progress:" << (st.snapshot_in_progress ? 1 : 0)
    << "\r\nrdb_last_save_time:" << host.last_save_unix_s()
    << "\r\nrdb_last_bgsave_status:" << (st.snapshot_error.empty() ? "ok" : "err")
    << "\r\nsnapshot_index:" << st.snapshot.index << "\r\nsnapshot_term:" << st.snapshot.term
    << "\r\nsnapshot_bytes:" << st.snapshot_bytes << "\r\nsnapshot_time_ms:" << st.snapshot_unix_ms
    << "\r\nsnapshot_log_bytes:" << st.snapshot_log_bytes
    << "\r\nsnapshot_next_at_bytes:" << st.snapshot_next_at_bytes
    << "\r\nlog_first_index:" << st.first_index << "\r\nwal_bytes:" << st.wal_bytes << "\r\n";
}

void section_stats(Server& s, std::ostringstream& o) {
  const ServerStats st = s.stats_since_reset();
  const ExecutorStats& ex = s.executor().stats();
  o << "# Stats\r\ntotal_connections_received:" << st.connections_received
    << "\r\ntotal_commands_processed:" << st.commands_processed
    << "\r\nrejected_connections:" << st.connections_rejected
    << "\r\nclient_output_buffer_limit_disconnections:" << st.output_overflows
    << "\r\ntotal_error_replies:" << s.observability().total_error_replies()
    << "\r\nwrite_commands:" << ex.writes << "\r\nwrite_batches:" << ex.batches
    << "\r\nwrite_batches_held:" << ex.batches_held << "\r\nwrites_forwarded:" << ex.forwarded
    << "\r\nwrites_forwarded_here:" << ex.forwards_served << "\r\nmoved_replies:" << ex.moved
    << "\r\ntryagain_replies:" << ex.tryagain << "\r\nuncertain_replies:" << ex.uncertain
    << "\r\nread_barriers:" << ex.barriers << "\r\nforwards_sent_again:" << ex.forwards_withdrawn
    << "\r\nforwards_given_up:" << ex.forwards_given_up << "\r\n";
}

// The member's client address (the configuration's, else the file's), or "" if unknown.
std::string client_address(Server& s, NodeId id) {
  const node::HostPort at = s.host().member_client(id);
  return at.port != 0 ? at.to_string() : "";
}

std::string id_list(const std::vector<NodeId>& ids) {
  std::string out;
  for (NodeId id : ids) {
    out += (out.empty() ? "" : ",") + std::to_string(id);
  }
  return out;
}

void section_replication(Server& s, std::ostringstream& o) {
  const raft::Raft& r = s.host().node().raw().raft();
  const bool leader = r.role() == raft::Role::kLeader;
  o << "# Replication\r\nrole:" << (leader ? "master" : "slave") << "\r\n";
  if (!leader) {
    const std::string at = client_address(s, r.leader());
    const std::size_t colon = at.rfind(':');
    o << "master_host:" << (colon == std::string::npos ? "" : at.substr(0, colon))
      << "\r\nmaster_port:" << (colon == std::string::npos ? "0" : at.substr(colon + 1))
      << "\r\nmaster_link_status:" << (r.leader() != kNoNode ? "up" : "down") << "\r\n";
  } else {
    o << "connected_slaves:" << r.progress().size() - 1 << "\r\n";
    int n = 0;
    for (const auto& [id, pr] : r.progress()) {
      if (id == s.config().node_id) {
        continue;
      }
      o << "slave" << n++ << ":node=" << id << ",addr=" << client_address(s, id)
        << ",state=online,offset=" << pr.match()
        << ",lag=" << r.log().last_index() - std::min(r.log().last_index(), pr.match()) << "\r\n";
    }
  }
  o << "raft_role:" << raft::role_name(r.role()) << "\r\nraft_term:" << r.term()
    << "\r\nraft_leader_id:" << r.leader()
    << "\r\nraft_leader_client:" << client_address(s, r.leader())
    << "\r\nraft_commit_index:" << r.log().committed()
    << "\r\nraft_applied_index:" << s.host().node().applied()
    << "\r\nraft_last_index:" << r.log().last_index()
    << "\r\nraft_voters:" << id_list(r.conf().voters)
    << "\r\nraft_learners:" << id_list(r.conf().learners)
    << "\r\nraft_voters_outgoing:" << id_list(r.conf().voters_outgoing)
    << "\r\nraft_joint:" << (r.conf().joint() ? 1 : 0) << "\r\nraft_conf_index:" << r.conf_index()
    << "\r\n";
}

void section_keyspace(Server& s, std::ostringstream& o) {
  const std::uint64_t keys = s.store().size(now_ms());
  o << "# Keyspace\r\n";
  if (keys > 0) {
    o << "db0:keys=" << keys << ",expires=" << s.store().deadline_count() << ",avg_ttl=0\r\n";
  }
}

}  // namespace

std::string info_text(Server& server, const Argv& argv) {
  struct Section {
    const char* name;
    bool in_default;
  };
  static constexpr Section kAll[] = {{"server", true},        {"clients", true},
                                     {"memory", true},        {"persistence", true},
                                     {"stats", true},         {"replication", true},
                                     {"commandstats", false}, {"errorstats", true},
                                     {"latencystats", false}, {"keyspace", true}};
  std::ostringstream o;
  bool first = true;
  for (const Section& section : kAll) {
    bool wanted = argv.size() <= 1 && section.in_default;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string a = lower(argv[i]);
      wanted = wanted || a == section.name || a == "all" || a == "everything" ||
               (a == "default" && section.in_default);
    }
    if (!wanted) {
      continue;
    }
    if (!first) {
      o << "\r\n";
    }
    first = false;
    const std::string_view name = section.name;
    std::string text;
    if (name == "server") {
      section_server(server, o);
    } else if (name == "clients") {
      section_clients(server, o);
    } else if (name == "memory") {
      section_memory(o);
    } else if (name == "persistence") {
      section_persistence(server, o);
    } else if (name == "stats") {
      section_stats(server, o);
    } else if (name == "replication") {
      section_replication(server, o);
    } else if (name == "commandstats") {
      server.observability().info_commandstats(text);
    } else if (name == "errorstats") {
      server.observability().info_errorstats(text);
    } else if (name == "latencystats") {
      server.observability().info_latencystats(text);
    } else {
      section_keyspace(server, o);
    }
    o << text;
  }
  return o.str();
}

namespace {

std::vector<std::pair<std::string, std::string>> config_params(const node::NodeConfig& c,
                                                               std::uint16_t port) {
  return {
      {"save", ""},
      {"appendonly", "yes"},
      {"appendfsync", "always"},
      {"databases", "1"},
      {"maxmemory", "0"},
      {"maxmemory-policy", "noeviction"},
      {"maxclients", std::to_string(c.client.max_connections)},
      {"proto-max-bulk-len",
       std::to_string(std::min<std::uint64_t>(c.client.max_bulk_bytes, atlas::kMaxValueBytes))},
      {"client-query-buffer-limit", std::to_string(c.client.max_bulk_bytes)},
      {"timeout", std::to_string(c.client.idle_timeout_ms / 1000)},  // Redis: seconds
      {"port", std::to_string(port)},
      {"bind", c.client.listen.host},
      {"cluster-enabled", "no"},
      {"replica-read-only", "yes"},
      {"tls-port", c.tls.client_tls ? std::to_string(port) : "0"},
      {"tls-replication", c.tls.peer_tls ? "yes" : "no"},
      {"tls-auth-clients", c.tls.require_client_cert ? "yes" : "no"},
      {"aclfile", c.security.aclfile},
  };
}

}  // namespace

std::vector<std::string> config_file_parameters() {
  std::vector<std::string> names;
  for (const auto& p : config_params(node::NodeConfig{}, 0)) {
    names.push_back(p.first);
  }
  return names;
}

void reply_config_get(Server& server, const Argv& argv, resp::Writer& w) {
  std::vector<std::pair<std::string, std::string>> params =
      config_params(server.config(), server.port());
  for (auto& p : server.observability().config_values()) {
    params.push_back(std::move(p));
  }
  std::vector<const std::pair<std::string, std::string>*> hits;
  for (const auto& p : params) {
    for (std::size_t i = 2; i < argv.size(); ++i) {
      if (atlas::glob_match(lower(argv[i]), p.first)) {
        hits.push_back(&p);
        break;
      }
    }
  }
  w.map(hits.size());
  for (const auto* p : hits) {
    w.bulk(p->first);
    w.bulk(p->second);
  }
}

std::int64_t replicas_holding_writes(Server& server) {
  const raft::Raft& r = server.host().node().raw().raft();
  const std::int64_t voters = static_cast<std::int64_t>(r.conf().voters.size());
  if (r.role() != raft::Role::kLeader) {
    return voters / 2;  // a committed write is on a majority, the leader being one of them
  }
  std::int64_t n = 0;
  for (const auto& [id, pr] : r.progress()) {
    if (id != server.config().node_id && pr.match() >= r.log().committed()) {
      ++n;
    }
  }
  return n;
}

void write_command_info(const CommandSpec& spec, resp::Writer& w) {
  w.array(10);
  w.bulk(lower(spec.name));
  w.integer(spec.arity);
  std::vector<std::string> flags;
  std::istringstream in{std::string(spec.flags)};
  for (std::string f; in >> f;) {
    flags.push_back(f);
  }
  w.set(flags.size());
  for (const std::string& f : flags) {
    w.simple(f);
  }
  w.integer(spec.first_key);
  w.integer(spec.last_key);
  w.integer(spec.step);
  w.set(0);    // ACL categories
  w.set(0);    // tips
  w.array(0);  // key specs
  w.array(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) {
    write_command_info(sub, w);
  }
}

void write_command_docs(const CommandSpec& spec, resp::Writer& w) {
  const bool write = spec.flags.find("write") != std::string_view::npos;
  w.map(3);
  w.bulk("summary");
  w.bulk(spec.kind == Kind::kData ? (write ? "A write, replicated through Raft"
                                           : "A linearizable read (stale with READONLY)")
                                  : "Helios server command");
  w.bulk("since");
  w.bulk("1.0.0");
  w.bulk("group");
  w.bulk(spec.kind == Kind::kData || spec.kind == Kind::kKeys ? "string" : "server");
}

}  // namespace helios::api
