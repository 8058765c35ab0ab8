#pragma once
// The certificate factory behind `helios-cli certs create`: a private CA and the certificates
// of a cluster, for people who have no PKI of their own.
//
// What it makes (OpenSSL 3; PEM files; keys as unencrypted PKCS#8):
//   - keys: EC P-256; signatures: ECDSA with SHA-256; serials: 127 random bits (positive, so
//     at most 16 DER bytes);
//   - the CA (ca.crt, ca.key): subject "O=Helios, CN=Helios CA <8 random hex digits>" (so
//     two CAs do not share a subject), valid kCaDays; basicConstraints critical CA:TRUE,
//     keyUsage critical keyCertSign + cRLSign, subjectKeyIdentifier;
//   - a node certificate (<node>.crt, <node>.key): subject "O=Helios, CN=<node>";
//     basicConstraints CA:FALSE, keyUsage critical digitalSignature (no keyEncipherment: an
//     EC key signs, it never decrypts a key transported to it), extendedKeyUsage serverAuth +
//     clientAuth (a node is a server to clients and peers and a client of its peers),
//     subjectAltName DNS:<node>, DNS:localhost, IP:127.0.0.1 and every extra host (an IPv4
//     or IPv6 address is an IP name, anything else a DNS name; repeats are dropped),
//     subjectKeyIdentifier, authorityKeyIdentifier;
//   - the client certificate (<client_name>.crt, .key): the same with extendedKeyUsage
//     clientAuth only and subjectAltName DNS:<client_name>.
//   A peer is recognised by its node name among the DNS names (tls/context.h).
//
// Validity: notBefore is now - kBackdateSeconds (tolerates clocks a little behind) plus the
// request's not_before_offset_seconds; notAfter is now + days, or now +
// not_after_offset_seconds_override when that is nonzero (negative: already expired, for
// tests). The offsets apply to the leaves only; the CA always runs from now - kBackdateSeconds
// to now + kCaDays.
//
// Files: the output directory is created if missing, with mode 0700 (an existing one keeps its
// mode). Keys are 0600 and certificates 0644 from the moment they exist: each file is written
// in a private staging directory (DIR/.helios-certs.tmp, 0700), synced, renamed into DIR, and
// DIR is synced; the staging directory is removed at the end. The CA is written last, ca.key
// last of all, so an interrupted first run leaves no CA beside leaves it did not sign (an
// interrupted `overwrite` run may leave new leaves beside the old CA: run it again).
//
// Errors: everything is checked before anything is written: the request (names, hosts, days),
// and the directory (an existing file of the output refuses the request, kInvalidArgument,
// unless `overwrite`). A refused request leaves the directory as it was (and does not create
// it). issue_leaf's missing CA file is kNotFound; I/O failures are kIoError (files written
// before the failure stay); an OpenSSL failure is kInternal.
//
// Thread-safe (no shared state); two calls writing the same directory at once are not.

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"

namespace helios::tls {

inline constexpr int kDefaultLeafDays = 825;  // what browsers and Apple accept for servers
inline constexpr int kMaxLeafDays = 3650;
inline constexpr int kCaDays = 3650;
inline constexpr long kBackdateSeconds = 300;
inline constexpr std::size_t kMaxNodes = 100;
inline constexpr std::size_t kMaxHosts = 64;
inline constexpr std::size_t kMaxNameLength = 64;  // node and client names
inline constexpr const char* kCaCertFile = "ca.crt";
inline constexpr const char* kCaKeyFile = "ca.key";

struct CertRequest {
  std::string dir;  // created if missing (0700)
  // Node names: 1 to kMaxNameLength of [A-Za-z0-9._-], not starting with '.' or '-', not
  // "ca", no two equal ignoring case (DNS names are); 1 to kMaxNodes of them.
  std::vector<std::string> nodes;
  // Extra subject alternative names of every node certificate (up to kMaxHosts): dotted-quad
  // IPv4 or IPv6 addresses (IP names), or DNS host names (labels of [A-Za-z0-9-], no
  // wildcards). 127.0.0.1 and localhost are always there.
  std::vector<std::string> hosts;
  int days = kDefaultLeafDays;         // validity of the leaves, 1 to kMaxLeafDays
  std::string client_name = "client";  // the client certificate's CN; a name as above
  bool overwrite = false;              // replace files of an earlier run instead of refusing
  // For tests (see Validity in the file comment).
  long not_before_offset_seconds = 0;
  long not_after_offset_seconds_override = 0;
};

// Writes DIR/ca.crt, ca.key, <node>.crt and <node>.key for each node, <client_name>.crt and
// <client_name>.key.
Status create_certs(const CertRequest& request);

// What one extra leaf is for.
enum class LeafKind {
  kNode,    // serverAuth + clientAuth; SANs DNS:<name>, DNS:localhost, IP:127.0.0.1, hosts
  kClient,  // clientAuth; SAN DNS:<name>
};

struct LeafOptions {
  LeafKind kind = LeafKind::kNode;
  std::vector<std::string> hosts;  // kNode only; as CertRequest::hosts
  int days = kDefaultLeafDays;
  bool overwrite = false;
  long not_before_offset_seconds = 0;
  long not_after_offset_seconds_override = 0;
};

// Issues one leaf named `name` (a name as CertRequest::nodes says) signed by the CA in
// `ca_dir` (ca.crt and ca.key, which must match and be a CA), and writes
// out_dir/<name>.crt and <name>.key the same way create_certs does (out_dir may be ca_dir).
// For a certificate of a name outside the cluster, an expired one, or one for another CA
// (create_certs into another directory makes an independent CA).
Status issue_leaf(const std::string& ca_dir, const std::string& out_dir, const std::string& name,
                  const LeafOptions& options);

}  // namespace helios::tls
