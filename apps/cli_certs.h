#pragma once
// helios-cli certs: certificates for people who have none (src/tls/cert_factory.h).
//
//   helios-cli certs create DIR --nodes node-1,node-2,node-3 [--hosts H1,H2,...]
//                               [--days N] [--client NAME] [--force]
//       a CA (DIR/ca.crt, ca.key), one certificate per node (DIR/<node>.crt, .key) and one
//       client certificate (DIR/client.crt, .key); --hosts adds subject alternative names
//       (the addresses clients and peers use to reach the nodes); --force overwrites
//   helios-cli certs issue DIR NAME [--client] [--hosts H1,...] [--days N] [--out DIR2]
//       one more certificate signed by the CA in DIR (a node added later, another client)
//       [--not-after-seconds S]: expires S seconds from now (negative: already expired; for
//       tests of refusal)

#include <string>
#include <vector>

namespace helios::apps {

// `args` starts with "certs". Returns the exit status (0 done, 1 failed, 2 bad usage).
int run_certs_command(const std::vector<std::string>& args);

}  // namespace helios::apps
