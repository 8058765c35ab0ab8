#pragma once
// helios-cli's membership commands (docs/operations.md, "Membership"):
//
//   helios-cli [--admin HOST:PORT[,...]] member list
//   helios-cli [--admin HOST:PORT[,...]] member add ID --peer HOST:PORT --client HOST:PORT
//                                        [--member-admin HOST:PORT] [--learner]
//   helios-cli [--admin HOST:PORT[,...]] member remove ID
//   helios-cli [--admin HOST:PORT[,...]] member promote ID
//
// Any node answers `list`; a change goes to the leader: the CLI tries the admin addresses in
// turn (default: the quick start's 8001..8009) and follows a follower's 421 answer to the
// leader's admin address. It prints the members after the change, and warns on stderr when
// the cluster is left with an even number of voters. Exit status 0 done, 1 refused or
// unreachable (the node's message is printed), 2 bad usage.

#include <string>
#include <vector>

namespace helios::apps {

// `args`: the whole command line after the program name (it contains "member").
int run_member_command(const std::vector<std::string>& args);

// The "- Voters: ..." lines of helios-cli status for one node's /status JSON text.
std::string membership_lines(const std::string& status_json);

}  // namespace helios::apps
