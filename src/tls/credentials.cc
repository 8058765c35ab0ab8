#include "tls/credentials.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <filesystem>

namespace helios::tls {

namespace {

struct BioCloser {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioCloser>;

Result<BioPtr> open_file(const std::string& what, const std::string& path) {
  if (path.empty()) {
    return Status(Code::kInvalidArgument, "no " + what + " file configured");
  }
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return Status(Code::kIoError, "cannot read the " + what + " file " + path);
  }
  return bio;
}

std::time_t to_time(const ASN1_TIME* t) {
  struct tm parts = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &parts) != 1) {
    return 0;
  }
  return timegm(&parts);
}

}  // namespace

std::string last_error(const char* fallback) {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) {
    last = code;
  }
  if (last == 0) {
    return fallback;
  }
  char text[256];
  ERR_error_string_n(last, text, sizeof text);
  return text;
}

Material::~Material() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
  sk_X509_pop_free(chain_, X509_free);
  X509_STORE_free(store_);
}

Result<std::shared_ptr<const Material>> Material::load(const Files& files) {
  std::shared_ptr<Material> m(new Material());
  ERR_clear_error();
  {
    Result<BioPtr> bio = open_file("certificate", files.cert);
    if (!bio.is_ok()) {
      return bio.status();
    }
    m->cert_ = PEM_read_bio_X509(bio.value().get(), nullptr, nullptr, nullptr);
    if (m->cert_ == nullptr) {
      return Status(Code::kInvalidArgument, "the certificate file " + files.cert +
                                                " holds no PEM certificate (" +
                                                last_error("unreadable") + ")");
    }
    m->chain_ = sk_X509_new_null();
    while (X509* extra = PEM_read_bio_X509(bio.value().get(), nullptr, nullptr, nullptr)) {
      sk_X509_push(m->chain_, extra);
    }
    ERR_clear_error();  // the end of the file ends the loop with an error queued
  }
  {
    Result<BioPtr> bio = open_file("key", files.key);
    if (!bio.is_ok()) {
      return bio.status();
    }
    m->key_ = PEM_read_bio_PrivateKey(bio.value().get(), nullptr, nullptr, nullptr);
    if (m->key_ == nullptr) {
      return Status(Code::kInvalidArgument, "the key file " + files.key +
                                                " holds no PEM private key (" +
                                                last_error("unreadable") + ")");
    }
  }
  if (X509_check_private_key(m->cert_, m->key_) != 1) {
    ERR_clear_error();
    return Status(Code::kInvalidArgument,
                  "the key " + files.key + " does not belong to the certificate " + files.cert);
  }
  {
    Result<BioPtr> bio = open_file("CA", files.ca);
    if (!bio.is_ok()) {
      return bio.status();
    }
    m->store_ = X509_STORE_new();
    int count = 0;
    while (X509* ca = PEM_read_bio_X509(bio.value().get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(m->store_, ca);
      X509_free(ca);
      ++count;
    }
    ERR_clear_error();
    if (count == 0) {
      return Status(Code::kInvalidArgument,
                    "the CA file " + files.ca + " holds no PEM certificate");
    }
  }
  char subject[512];
  X509_NAME_oneline(X509_get_subject_name(m->cert_), subject, sizeof subject);
  m->subject_ = subject;
  m->not_after_ = to_time(X509_get0_notAfter(m->cert_));
  return std::shared_ptr<const Material>(std::move(m));
}

Result<std::shared_ptr<Credentials>> Credentials::open(const Files& files) {
  std::shared_ptr<Credentials> c(new Credentials(files));
  c->stamp_ = c->stamp_files();
  Result<std::shared_ptr<const Material>> m = Material::load(files);
  if (!m.is_ok()) {
    return m.status();
  }
  c->current_ = m.value();
  return c;
}

std::shared_ptr<const Material> Credentials::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status Credentials::reload() {
  const std::string stamp = stamp_files();
  Result<std::shared_ptr<const Material>> m = Material::load(files_);
  std::lock_guard<std::mutex> lock(mu_);
  stamp_ = stamp;
  if (!m.is_ok()) {
    return m.status();
  }
  current_ = m.value();
  ++reloads_;
  return Status::ok();
}

bool Credentials::changed_on_disk() const {
  const std::string stamp = stamp_files();
  std::lock_guard<std::mutex> lock(mu_);
  return stamp != stamp_;
}

std::uint64_t Credentials::reloads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reloads_;
}

std::string Credentials::stamp_files() const {
  std::string out;
  for (const std::string* path : {&files_.cert, &files_.key, &files_.ca}) {
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(*path, ec);
    const std::uintmax_t size = ec ? 0 : std::filesystem::file_size(*path, ec);
    if (ec) {
      out += "-;";
      continue;
    }
    out += std::to_string(mtime.time_since_epoch().count()) + "/" + std::to_string(size) + ";";
  }
  return out;
}

}  // namespace helios::tls
