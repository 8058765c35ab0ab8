#include "apps/cli_security.h"

#include <cstdlib>

namespace helios::apps {

namespace {

CliSecurity& current() {
  static CliSecurity security;
  return security;
}

}  // namespace

Result<CliSecurity> take_security_options(std::vector<std::string>& args) {
  CliSecurity s;
  if (const char* pass = std::getenv("HELIOS_PASSWORD"); pass != nullptr) {
    s.pass = pass;
  }
  if (const char* token = std::getenv("HELIOS_ADMIN_TOKEN"); token != nullptr) {
    s.token = token;
  }
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* field = nullptr;
    if (a == "--tls") {
      s.tls = true;
      continue;
    }
    if (a == "--cacert") {
      field = &s.cacert;
    } else if (a == "--cert") {
      field = &s.cert;
    } else if (a == "--key") {
      field = &s.key;
    } else if (a == "--user") {
      field = &s.user;
    } else if (a == "--pass") {
      field = &s.pass;
    } else if (a == "--token") {
      field = &s.token;
    } else {
      rest.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) {
      return Status(Code::kInvalidArgument, a + " needs a value");
    }
    *field = args[++i];
  }
  if (s.cert.empty() != s.key.empty()) {
    return Status(Code::kInvalidArgument, "--cert and --key go together");
  }
  s.tls = s.tls || !s.cacert.empty() || !s.cert.empty();
  args = std::move(rest);
  return s;
}

const CliSecurity& cli_security() {
  return current();
}

void set_cli_security(CliSecurity security) {
  current() = std::move(security);
}

admin::AdminAuth cli_admin_auth() {
  const CliSecurity& s = current();
  admin::AdminAuth auth;
  auth.tls = s.tls;
  auth.ca = s.cacert;
  auth.cert = s.cert;
  auth.key = s.key;
  auth.token = s.token;
  return auth;
}

}  // namespace helios::apps
