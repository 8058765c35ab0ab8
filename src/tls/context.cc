#include "tls/context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace helios::tls {

namespace {

// TLS 1.2 suites: forward secrecy and AEAD only (TLS 1.3's defaults are all of that kind).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr unsigned char kSessionContext[] = "helios";

// Sets the current certificate, key, chain and trust store on the connection.
int use_current(SSL* ssl, void* arg) {
  const auto* credentials = static_cast<const Credentials*>(arg);
  const std::shared_ptr<const Material> m = credentials->current();
  if (SSL_use_cert_and_key(ssl, m->cert(), m->key(), m->chain(), 1) != 1) {
    return 0;
  }
  return SSL_set1_verify_cert_store(ssl, m->store()) == 1 ? 1 : 0;
}

void apply_common(SSL_CTX* ctx, const Credentials& credentials) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(ctx, kTls12Ciphers);
  SSL_CTX_set_cert_cb(ctx, use_current, const_cast<Credentials*>(&credentials));
}

}  // namespace

void apply_server_policy(SSL_CTX* ctx, const Credentials& credentials, ClientCert client_cert) {
  apply_common(ctx, credentials);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  int mode = SSL_VERIFY_NONE;
  if (client_cert == ClientCert::kOptional) {
    mode = SSL_VERIFY_PEER;
  } else if (client_cert == ClientCert::kRequired) {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
}

std::shared_ptr<asio::ssl::context> server_context(const Credentials& credentials,
                                                   ClientCert client_cert) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  apply_server_policy(ctx->native_handle(), credentials, client_cert);
  return ctx;
}

bool peer_verified(const SSL* ssl) {
  return ssl != nullptr && SSL_get0_peer_certificate(ssl) != nullptr &&
         SSL_get_verify_result(ssl) == X509_V_OK;
}

std::shared_ptr<asio::ssl::context> client_context(const Credentials& credentials) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  apply_common(ctx->native_handle(), credentials);
  SSL_CTX_set_verify(ctx->native_handle(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

void prepare_client(SSL* ssl, const Credentials& credentials) {
  SSL_set1_verify_cert_store(ssl, credentials.current()->store());
}

bool certificate_names(X509* cert, const std::string& name) {
  return cert != nullptr && X509_check_host(cert, name.data(), name.size(),
                                            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

std::string verify_failure(const SSL* ssl) {
  if (ssl == nullptr) {
    return "";
  }
  const long result = SSL_get_verify_result(ssl);
  if (result != X509_V_OK) {
    return std::string("certificate refused: ") + X509_verify_cert_error_string(result);
  }
  return "";
}

}  // namespace helios::tls
