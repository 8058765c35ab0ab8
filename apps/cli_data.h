#pragma once
// helios-cli's data commands: get, set, del, expire, ttl, incr, keys against any node's
// client port (Redis protocol), following -MOVED redirects and retrying -TRYAGAIN.

#include <string>
#include <vector>

namespace helios::apps {

// `args` starts with the command name ("get", "set"...). Prints the answer as redis-cli
// does; returns the process exit status (0 answered, 1 an error reply or unreachable, 2 bad
// usage).
int run_data_command(const std::string& node, const std::vector<std::string>& args);
// True if `name` is one of the data commands.
bool is_data_command_name(const std::string& name);

}  // namespace helios::apps
