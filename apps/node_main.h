#pragma once
// The body shared by raft-example and helios-atlasd: start a node from a validated
// configuration, log its life in the seed's format, serve the admin API, and shut down
// cleanly on SIGINT or SIGTERM (a leader first hands leadership to its most up-to-date
// follower; a second signal stops at once). Returns the process exit status. Also the
// command-line pieces both binaries share: the tuning flags and the parsing of argv with
// CLI11.

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "node/config.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace helios::apps {

struct RunOptions {
  // The quick start's extras: write the seed's test data as the first leader of a new
  // cluster, and say when the node waits for a quorum.
  bool quick_start = false;
};

int run_node(const node::NodeConfig& config, const RunOptions& options);

// The flags both binaries take for the Raft timing, snapshot and logging knobs, each named
// after its TOML key ("--snapshot-threshold" sets snapshot_threshold; src/node/config.h):
// --heartbeat-timeout, --election-timeout, --max-entries-per-append, --snapshot-threshold,
// --snapshot-interval, --snapshot-trailing-entries, --log-level, and --max-batches-in-flight
// ([client] max_batches_in_flight). Durations take "50ms", "2s", "30m", "1h"
// (parse_duration_ms).
class TuningFlags {
 public:
  // Adds the flags to app; this object must outlive app's parse().
  void add_to(CLI::App& app);
  // Sets in config the knobs given on the command line (the others keep their values). A
  // bad value is an error naming the flag, e.g. "--snapshot-interval: 'soon' is not a
  // duration"; validate() checks the result as a whole afterwards.
  Status apply_to(node::NodeConfig& config) const;

 private:
  std::vector<std::string> values_;    // one per flag, in the order of the flag table
  std::vector<CLI::Option*> options_;  // ... and its option, for whether it was given
};

// Parses argv with app. Returns the exit status when the program is done: 0 after --help
// (usage on stdout), 2 after an error (one line "<app name>: <error>" on stderr); nullopt
// when it should go on.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

}  // namespace helios::apps
