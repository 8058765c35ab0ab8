#pragma once
// TLS contexts with Helios's policy, shared by the peer, client and admin ports:
//   - TLS 1.2 at least (1.3 preferred: OpenSSL negotiates the highest both ends support);
//     TLS 1.2 only with forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305);
//     no compression, no renegotiation;
//   - session resumption: a server-side session cache and TLS 1.3 tickets;
//   - the certificate, key and trusted CA come from a Credentials at each handshake (a
//     certificate callback sets them on the SSL object), so a reload reaches every new
//     connection without rebuilding the context;
//   - clients always verify the server's certificate; servers check clients' certificates
//     as ClientCert says (peers: always required, mutual TLS).
// A context keeps a raw pointer to its Credentials: the caller keeps the Credentials alive
// as long as the context (the Runtime owns both for the life of the process).
//
// Names: a peer's certificate identifies it when the node's name (node-<id>) is one of its
// subject alternative names (DNS), or its common name when it has none (X509_check_host).

#include <openssl/ssl.h>

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "tls/credentials.h"

namespace helios::tls {

// What a server asks of its clients' certificates: nothing; a certificate of the CA if the
// client has one (kOptional: a client without one is let in, a bad one is refused); or a
// certificate of the CA, always.
enum class ClientCert { kNone, kOptional, kRequired };

// A server context: presents the current certificate and checks clients' as `client_cert`
// says.
std::shared_ptr<asio::ssl::context> server_context(const Credentials& credentials,
                                                   ClientCert client_cert);
// A client context: verifies the server's certificate against the CA and presents the
// current certificate when the server asks for one.
std::shared_ptr<asio::ssl::context> client_context(const Credentials& credentials);
// The same policy applied to a context made elsewhere (cpp-httplib's SSLServer).
void apply_server_policy(SSL_CTX* ctx, const Credentials& credentials, ClientCert client_cert);
// True if the connection's other end presented a certificate that verified.
bool peer_verified(const SSL* ssl);

// Call on a client SSL object before its handshake: trusts the current CA.
void prepare_client(SSL* ssl, const Credentials& credentials);

// True if `cert` names `name` (see the file comment).
bool certificate_names(X509* cert, const std::string& name);
// Why the handshake's certificate check failed (or "" if it did not: then the handshake's
// own error says why), in words for a log: "certificate refused: certificate has expired",
// "... unable to get local issuer certificate" (another CA)...
std::string verify_failure(const SSL* ssl);

}  // namespace helios::tls
