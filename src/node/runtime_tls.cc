// Runtime: the TLS credentials its ports share, and their reload (SIGHUP or changed files).

#include <ctime>

#include "base/log.h"
#include "node/runtime.h"

namespace helios::node {

Status Runtime::open_tls() {
  if (!config_.tls.any()) {
    return Status::ok();
  }
  Result<std::shared_ptr<tls::Credentials>> c =
      tls::Credentials::open(tls::Files{config_.tls.cert, config_.tls.key, config_.tls.ca});
  if (!c.is_ok()) {
    return Status(c.status().code(), "TLS: " + c.status().message());
  }
  tls_ = c.value();
  const std::shared_ptr<const tls::Material> m = tls_->current();
  HELIOS_LOG_INFO(
      "tls", "loaded certificate %s (valid until %lld) for the%s%s%s port%s", m->subject().c_str(),
      static_cast<long long>(m->not_after()), config_.tls.peer_tls ? " peer" : "",
      config_.tls.client_tls ? " client" : "", config_.tls.admin_tls ? " admin" : "",
      (config_.tls.peer_tls + config_.tls.client_tls + config_.tls.admin_tls) > 1 ? "s" : "");
  return Status::ok();
}

Status Runtime::reload_tls() {
  if (!tls_) {
    return Status(Code::kUnavailable, "TLS is not configured");
  }
  const Status s = tls_->reload();
  if (s.is_ok()) {
    HELIOS_LOG_INFO("tls", "reloaded certificate %s: new connections use it",
                    tls_->current()->subject().c_str());
  } else {
    HELIOS_LOG_ERROR("tls", "cannot reload the certificate files (keeping the old ones): %s",
                     s.message().c_str());
  }
  return s;
}

void Runtime::check_tls_files() {
  if (tls_ && tls_->changed_on_disk()) {
    (void)reload_tls();
  }
}

}  // namespace helios::node
