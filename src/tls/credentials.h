#pragma once
// Credentials: a node's certificate, private key and trusted CA, loaded from PEM files and
// replaced while the node runs (SIGHUP, or a periodic check that notices the files changed).
//
// A Material is one loaded, checked set (immutable once built): the leaf certificate, the
// chain that follows it in the certificate file, the private key (which must match the
// certificate), and an X509_STORE of the CA file's certificates. Credentials holds the
// current Material behind a mutex; every new TLS handshake takes current() (see context.h),
// so a reload changes what new connections present and trust while existing connections
// keep the Material they started with (each SSL object holds its own references).
//
// reload() builds a new Material first and swaps it in only if it loads and checks; a
// broken file (unreadable, not PEM, a key of another certificate, an empty CA) leaves the
// old Material in place and returns the error for the caller to log.
//
// Thread-safe: current(), reload() and changed_on_disk() may be called from any thread.

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"

namespace helios::tls {

// The PEM files of one node. `ca` holds one or more CA certificates (the cluster's CA).
struct Files {
  std::string cert;
  std::string key;
  std::string ca;
  bool empty() const { return cert.empty() && key.empty() && ca.empty(); }
};

// The last OpenSSL error of this thread in words (and clears the queue), or `fallback`.
std::string last_error(const char* fallback);

class Material {
 public:
  // Loads and checks the three files.
  static Result<std::shared_ptr<const Material>> load(const Files& files);
  ~Material();
  Material(const Material&) = delete;
  Material& operator=(const Material&) = delete;

  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }
  STACK_OF(X509) * chain() const { return chain_; }
  X509_STORE* store() const { return store_; }
  // The certificate's subject (one line) and its notAfter, for logs and status.
  const std::string& subject() const { return subject_; }
  std::time_t not_after() const { return not_after_; }

 private:
  Material() = default;
  X509* cert_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  STACK_OF(X509) * chain_ = nullptr;
  X509_STORE* store_ = nullptr;
  std::string subject_;
  std::time_t not_after_ = 0;
};

class Credentials {
 public:
  // Loads the files; an error if they do not load and check.
  static Result<std::shared_ptr<Credentials>> open(const Files& files);

  std::shared_ptr<const Material> current() const;
  // Loads the files again; on success new handshakes use the new Material, on failure the
  // old one stays and the error says why.
  Status reload();
  // True if a file's size or modification time differs from when it was last loaded
  // (or last failed to load: a broken file is reported once, not on every check).
  bool changed_on_disk() const;
  const Files& files() const { return files_; }
  std::uint64_t reloads() const;

 private:
  explicit Credentials(Files files) : files_(std::move(files)) {}
  std::string stamp_files() const;

  const Files files_;
  mutable std::mutex mu_;
  std::shared_ptr<const Material> current_;
  std::string stamp_;  // sizes and mtimes of the files at the last load attempt
  std::uint64_t reloads_ = 0;
};

}  // namespace helios::tls
