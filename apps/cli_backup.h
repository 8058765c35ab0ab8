#pragma once
// helios-cli's backup commands (docs/operations.md, "Backup and restore"):
//
//   helios-cli backup FILE [--admin HOST:PORT]   GET /backup from that node (default
//       127.0.0.1:8001): a consistent copy of the state machine holding every write
//       acknowledged before the command started. Written to FILE.tmp, fsynced, read back
//       and verified whole (checksum, and the data decodes), then renamed to FILE and the
//       directory fsynced. Prints the backup's index, term, keys and digest. Exit status
//       0 only once FILE is durable and verified; 1 otherwise (FILE is untouched, FILE.tmp
//       removed); 2 on bad usage.
//
//   helios-cli backup verify FILE   checks a backup offline: header, version, size,
//       checksum, and that the state machine data decodes; prints its source cluster and
//       node, index, term, time, keys, data bytes and DEBUG DIGEST. Exit status 0 intact,
//       1 damaged or unreadable, 2 on bad usage.

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace helios::apps {

// A client of the admin port at HOST:PORT with the CLI's security options, or nullptr
// (after saying why on stderr).
using AdminClientFactory =
    std::function<std::unique_ptr<httplib::Client>(const std::string& address, std::time_t)>;

// `args` starts with "backup".
int run_backup_command(const std::vector<std::string>& args, const AdminClientFactory& connect);

}  // namespace helios::apps
