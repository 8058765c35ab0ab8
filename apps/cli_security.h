#pragma once
// helios-cli's connection security options, accepted anywhere on its command line
// (docs/security.md):
//   --tls              TLS to the client port and HTTPS to the admin port
//   --cacert FILE      the CA that signed the nodes' certificates (implies --tls)
//   --cert FILE, --key FILE    a client certificate (mutual TLS; authorizes admin changes)
//   --user NAME        the ACL user (default: "default")
//   --pass PASS        its password (or the HELIOS_PASSWORD environment variable): data
//                      commands send AUTH first
//   --token TOKEN      the admin token (or HELIOS_ADMIN_TOKEN): admin requests send
//                      "Authorization: Bearer TOKEN"

#include <string>
#include <vector>

#include "admin/admin_client.h"
#include "base/status.h"

namespace helios::apps {

struct CliSecurity {
  bool tls = false;
  std::string cacert;
  std::string cert;
  std::string key;
  std::string user;
  std::string pass;
  std::string token;
};

// Takes the options above out of `args` (the rest keep their order) and reads the
// environment variables; an error for an option without its value or --cert without --key.
Result<CliSecurity> take_security_options(std::vector<std::string>& args);
// The options of this run (set once by main).
const CliSecurity& cli_security();
void set_cli_security(CliSecurity security);
// The admin client's credentials from them.
admin::AdminAuth cli_admin_auth();

}  // namespace helios::apps
