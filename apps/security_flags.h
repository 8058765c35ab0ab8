#pragma once
// The security flags raft-example and helios-atlasd share (docs/security.md), each the
// command-line form of a key of the configuration file (src/node/config.h):
//   --tls-dir DIR            TLS on all three ports with DIR/ca.crt, DIR/<node>.crt and
//                            DIR/<node>.key (<node>: node-<id>), as `helios-cli certs
//                            create` lays them out
//   --tls-cert, --tls-key, --tls-ca FILE     [tls] cert, key, ca
//   --peer-tls, --client-tls, --admin-tls    [tls] peer_tls, client_tls, admin_tls
//   --require-client-cert    [tls] require_client_cert
//   --requirepass PASS       requirepass (the default user's password)
//   --aclfile FILE           aclfile
//   --admin-token-file FILE  admin_token_file
//   --timeout DURATION       [client] timeout (idle clients)
//   --handshake-timeout DURATION   [client] handshake_timeout

#include <string>

#include "base/status.h"
#include "node/config.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace helios::apps {

class SecurityFlags {
 public:
  // Adds the flags to app; this object must outlive app's parse().
  void add_to(CLI::App& app);
  // Sets in config what was given (call once config.node_id is known: --tls-dir needs it).
  Status apply_to(node::NodeConfig& config) const;

 private:
  std::string tls_dir_, cert_, key_, ca_, requirepass_, aclfile_, token_file_;
  std::string timeout_, handshake_timeout_;
  bool peer_tls_ = false, client_tls_ = false, admin_tls_ = false, require_cert_ = false;
  CLI::Option* requirepass_option_ = nullptr;
};

}  // namespace helios::apps
