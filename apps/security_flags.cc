#include "apps/security_flags.h"

#include <CLI/CLI.hpp>

namespace helios::apps {

void SecurityFlags::add_to(CLI::App& app) {
  app.add_option("--tls-dir", tls_dir_,
                 "TLS on the peer, client and admin ports with DIR/ca.crt, DIR/node-N.crt and "
                 "DIR/node-N.key (helios-cli certs create)")
      ->type_name("DIR");
  app.add_option("--tls-cert", cert_, "this node's certificate (PEM)")->type_name("FILE");
  app.add_option("--tls-key", key_, "this node's private key (PEM)")->type_name("FILE");
  app.add_option("--tls-ca", ca_, "the cluster's CA certificate (PEM)")->type_name("FILE");
  app.add_flag("--peer-tls", peer_tls_, "mutual TLS between peers");
  app.add_flag("--client-tls", client_tls_, "TLS on the client port");
  app.add_flag("--admin-tls", admin_tls_, "HTTPS on the admin port");
  app.add_flag("--require-client-cert", require_cert_,
               "clients and admin callers must present a certificate of the CA");
  requirepass_option_ = app.add_option("--requirepass", requirepass_, "the default user's password")
                            ->type_name("PASS");
  app.add_option("--aclfile", aclfile_, "ACL users at bootstrap (Redis's aclfile format)")
      ->type_name("FILE");
  app.add_option("--admin-token-file", token_file_,
                 "bearer token that authorizes the admin API's mutating requests and GET /backup")
      ->type_name("FILE");
  app.add_option("--timeout", timeout_, "close clients idle this long (0: never)")
      ->type_name("DURATION");
  app.add_option("--handshake-timeout", handshake_timeout_,
                 "close connections without a TLS handshake and a first command by then")
      ->type_name("DURATION");
}

Status SecurityFlags::apply_to(node::NodeConfig& config) const {
  node::TlsConfig& t = config.tls;
  if (!tls_dir_.empty()) {
    const std::string dir = tls_dir_.back() == '/' ? tls_dir_ : tls_dir_ + "/";
    t.cert = dir + config.name() + ".crt";
    t.key = dir + config.name() + ".key";
    t.ca = dir + "ca.crt";
    t.peer_tls = t.client_tls = t.admin_tls = true;
  }
  for (const auto& [value, field] : {std::pair<const std::string&, std::string&>{cert_, t.cert},
                                     {key_, t.key},
                                     {ca_, t.ca},
                                     {aclfile_, config.security.aclfile},
                                     {token_file_, config.security.admin_token_file}}) {
    if (!value.empty()) {
      field = value;
    }
  }
  t.peer_tls = t.peer_tls || peer_tls_;
  t.client_tls = t.client_tls || client_tls_;
  t.admin_tls = t.admin_tls || admin_tls_;
  t.require_client_cert = t.require_client_cert || require_cert_;
  if (requirepass_option_ != nullptr && requirepass_option_->count() > 0) {
    config.security.requirepass = requirepass_;
  }
  for (const auto& [flag, text, field] :
       {std::tuple<const char*, const std::string&, std::uint64_t&>{"--timeout", timeout_,
                                                                    config.client.idle_timeout_ms},
        {"--handshake-timeout", handshake_timeout_, config.client.handshake_timeout_ms}}) {
    if (text.empty()) {
      continue;
    }
    const Result<std::uint64_t> ms = node::parse_duration_ms(text);
    if (!ms.is_ok()) {
      return Status(Code::kInvalidArgument, std::string(flag) + ": " + ms.status().message());
    }
    field = ms.value();
  }
  return Status::ok();
}

}  // namespace helios::apps
