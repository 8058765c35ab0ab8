#pragma once
// Clients of an admin port (helios-cli, --join, GET /cluster's visits to other members),
// plain HTTP or HTTPS, with the credentials the admin port asks for (docs/security.md):
//   - HTTPS verifies the server's certificate against `ca` (and its name against the host:
//     node certificates carry the --hosts of `helios-cli certs create` as SANs);
//   - `cert`/`key`: a client certificate of the cluster's CA (mutual TLS), which authorizes
//     mutating requests (POST) on a TLS admin port;
//   - `token`: sent as "Authorization: Bearer <token>" (admin_token_file).

#include <ctime>
#include <memory>
#include <string>

#include "base/status.h"
#include "node/config.h"

namespace httplib {
class Client;
}

namespace helios::admin {

struct AdminAuth {
  bool tls = false;
  std::string ca;
  std::string cert;
  std::string key;
  std::string token;
};

// A client of host:port (include <httplib.h> to use it). Timeouts in seconds.
std::unique_ptr<httplib::Client> make_admin_client(const std::string& host, int port,
                                                   const AdminAuth& auth,
                                                   std::time_t connect_timeout_s,
                                                   std::time_t read_timeout_s);
// What a node presents to other members' admin ports: its own certificate when admin_tls,
// the admin token when admin_token_file is set (read now; "" if unreadable).
AdminAuth node_admin_auth(const node::NodeConfig& config);
// The token in `path`: its first line, without surrounding white space. An error if the
// file cannot be read or holds no token.
Result<std::string> read_token_file(const std::string& path);

}  // namespace helios::admin
