#include "acl/verdict.h"

namespace helios::acl {

namespace {

// Redis 7.0's ACL DRYRUN wording (7.2 names the user).
std::string user_cannot(std::string_view) {
  return "This user has no permissions to ";
}

}  // namespace

std::string noperm_error(const Verdict& verdict, std::string_view) {
  if (verdict.kind == Verdict::Kind::kDeniedKey) {
    return "NOPERM this user has no permissions to access one of the keys used as arguments";
  }
  return "NOPERM this user has no permissions to run the '" + std::string(verdict.command) +
         "' command";
}

std::string dryrun_denial(const Verdict& verdict, std::string_view username, std::string_view key) {
  if (verdict.kind == Verdict::Kind::kDeniedKey) {
    return user_cannot(username) + "access the '" + std::string(key) + "' key";
  }
  return user_cannot(username) + "run the '" + std::string(verdict.command) + "' command";
}

}  // namespace helios::acl
