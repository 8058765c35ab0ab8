#include "admin/admin_client.h"

#include <httplib.h>

#include <fstream>
#include <sstream>

namespace helios::admin {

std::unique_ptr<httplib::Client> make_admin_client(const std::string& host, int port,
                                                   const AdminAuth& auth,
                                                   std::time_t connect_timeout_s,
                                                   std::time_t read_timeout_s) {
  std::unique_ptr<httplib::Client> client;
  if (auth.tls) {
    const std::string url = "https://" + host + ":" + std::to_string(port);
    client = auth.cert.empty() ? std::make_unique<httplib::Client>(url)
                               : std::make_unique<httplib::Client>(url, auth.cert, auth.key);
    if (!auth.ca.empty()) {
      client->set_ca_cert_path(auth.ca.c_str());
    }
    client->enable_server_certificate_verification(true);
  } else {
    client = std::make_unique<httplib::Client>(host, port);
  }
  if (!auth.token.empty()) {
    client->set_bearer_token_auth(auth.token.c_str());
  }
  client->set_connection_timeout(connect_timeout_s);
  client->set_read_timeout(read_timeout_s);
  client->set_write_timeout(read_timeout_s);
  return client;
}

AdminAuth node_admin_auth(const node::NodeConfig& config) {
  AdminAuth auth;
  if (config.tls.admin_tls) {
    auth.tls = true;
    auth.ca = config.tls.ca;
    auth.cert = config.tls.cert;
    auth.key = config.tls.key;
  }
  if (!config.security.admin_token_file.empty()) {
    Result<std::string> token = read_token_file(config.security.admin_token_file);
    if (token.is_ok()) {
      auth.token = token.value();
    }
  }
  return auth;
}

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status(Code::kIoError, "cannot read the admin token file " + path);
  }
  std::string line;
  std::getline(in, line);
  const std::size_t first = line.find_first_not_of(" \t\r\n");
  const std::size_t last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return Status(Code::kInvalidArgument, "the admin token file " + path + " holds no token");
  }
  return line.substr(first, last - first + 1);
}

}  // namespace helios::admin
