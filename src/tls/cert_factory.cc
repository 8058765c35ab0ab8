#include "tls/cert_factory.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "env/file_system.h"
#include "env/posix/posix_file_system.h"
#include "tls/credentials.h"

namespace helios::tls {

namespace {

namespace stdfs = std::filesystem;

constexpr long kSecondsPerDay = 24L * 60 * 60;
constexpr std::size_t kMaxDnsNameLength = 253;
constexpr std::size_t kMaxDnsLabelLength = 63;
constexpr int kSerialBytes = 16;
// Where create_certs and issue_leaf write each file before renaming it into place.
constexpr const char* kStagingDir = ".helios-certs.tmp";

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using NamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using OctetsPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

Status invalid(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message));
}

Status crypto_error(const std::string& what) {
  return Status(Code::kInternal, what + ": " + last_error("unknown OpenSSL error"));
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// ---- The request ------------------------------------------------------------------------

// A subject alternative name: an IP address (its 4 or 16 bytes) or a DNS name (lowercase).
struct San {
  bool ip = false;
  std::string value;
  bool operator==(const San&) const = default;
};

// A certificate to issue: its CN (for a leaf, also its first DNS name and its files' name),
// validity in seconds from now, extensions as OpenSSL configuration values, SANs.
struct CertPlan {
  std::string cn;
  long not_before = 0;
  long not_after = 0;
  std::vector<std::pair<int, const char*>> extensions;
  std::vector<San> sans;
};

Status check_name(const char* what, const std::string& name) {
  const bool allowed_chars = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > kMaxNameLength || !allowed_chars) {
    return invalid(std::string(what) + " \"" + name + "\": want 1 to " +
                   std::to_string(kMaxNameLength) + " of A-Z a-z 0-9 . _ -");
  }
  if (name.front() == '.' || name.front() == '-') {
    return invalid(std::string(what) + " \"" + name + "\" starts with '" + name.front() + "'");
  }
  if (lowercase(name) == "ca") {
    return invalid(std::string(what) + " \"ca\" is taken by the CA's own files");
  }
  return Status::ok();
}

// "a.b.c.d" with 1 to 3 digits in each part. a2i_IPADDRESS then checks each is at most 255;
// alone it would read "1.2.3.4.5" as 1.2.3.4.
bool dotted_quad(const std::string& text) {
  int dots = 0;
  std::size_t run = 0;
  for (const char c : text) {
    if (c != '.') {
      run++;
    } else if (run == 0 || ++dots > 3) {
      return false;
    } else {
      run = 0;
    }
    if (run > 3) {
      return false;
    }
  }
  return dots == 3 && run > 0;
}

bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxDnsNameLength) {
    return false;
  }
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = std::min(name.find('.', pos), name.size());
    const std::string label = name.substr(pos, dot - pos);
    const bool chars_ok = std::all_of(label.begin(), label.end(), [](unsigned char c) {
      return std::isalnum(c) != 0 || c == '-';
    });
    if (label.empty() || label.size() > kMaxDnsLabelLength || !chars_ok || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    if (dot == name.size()) {
      return true;
    }
    pos = dot + 1;
  }
}

// An extra host: only digits and dots is meant as IPv4, a ':' as IPv6, anything else as a
// DNS name; each must parse as what it is meant to be.
Result<San> parse_host(const std::string& host) {
  const bool ipv4 = !host.empty() && host.find_first_not_of("0123456789.") == host.npos;
  if (ipv4 || host.find(':') != host.npos) {
    OctetsPtr octets(!ipv4 || dotted_quad(host) ? a2i_IPADDRESS(host.c_str()) : nullptr);
    if (octets == nullptr) {
      ERR_clear_error();
      return invalid("host \"" + host + "\" is not an " + (ipv4 ? "IPv4" : "IPv6") + " address");
    }
    const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(octets.get()));
    return San{true, std::string(data, ASN1_STRING_length(octets.get()))};
  }
  if (!is_dns_name(host)) {
    return invalid("host \"" + host +
                   "\" is neither an IP address nor a DNS name (labels of A-Z a-z 0-9 -)");
  }
  return San{false, lowercase(host)};
}

Status check_days(int days) {
  if (days < 1 || days > kMaxLeafDays) {
    return invalid("days " + std::to_string(days) + ": want 1 to " + std::to_string(kMaxLeafDays));
  }
  return Status::ok();
}

// A leaf's plan. Its names: its own, then (a node's) localhost, 127.0.0.1 and the hosts, once
// each.
Result<CertPlan> leaf_plan(const std::string& name, LeafKind kind,
                           const std::vector<std::string>& hosts, int days, long not_before_offset,
                           long not_after_override) {
  if (Status s = check_days(days); !s.is_ok()) {
    return s;
  }
  if (hosts.size() > kMaxHosts) {
    return invalid(std::to_string(hosts.size()) + " hosts: at most " + std::to_string(kMaxHosts));
  }
  if (kind == LeafKind::kClient && !hosts.empty()) {
    return invalid("a client certificate takes no hosts");
  }
  const bool node = kind == LeafKind::kNode;
  CertPlan plan{name,
                not_before_offset - kBackdateSeconds,
                not_after_override != 0 ? not_after_override : days * kSecondsPerDay,
                {{NID_basic_constraints, "CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, node ? "serverAuth,clientAuth" : "clientAuth"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}},
                {San{false, lowercase(name)}}};
  if (plan.not_after <= plan.not_before) {
    return invalid("the validity ends before it starts");
  }
  std::vector<std::string> extra = hosts;
  if (node) {
    extra.insert(extra.begin(), {"localhost", "127.0.0.1"});
  }
  for (const std::string& host : extra) {
    Result<San> san = parse_host(host);
    if (!san.is_ok()) {
      return san.status();
    }
    if (std::find(plan.sans.begin(), plan.sans.end(), san.value()) == plan.sans.end()) {
      plan.sans.push_back(std::move(san).value());
    }
  }
  return plan;
}

// The leaves of a request, checked: names, duplicates (ignoring case), hosts, days.
Result<std::vector<CertPlan>> request_plans(const CertRequest& request) {
  if (request.nodes.empty() || request.nodes.size() > kMaxNodes) {
    return invalid(std::to_string(request.nodes.size()) + " nodes: want 1 to " +
                   std::to_string(kMaxNodes));
  }
  std::vector<CertPlan> plans;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i <= request.nodes.size(); ++i) {
    const bool client = i == request.nodes.size();
    const std::string& name = client ? request.client_name : request.nodes[i];
    if (Status s = check_name(client ? "client name" : "node name", name); !s.is_ok()) {
      return s;
    }
    if (std::find(seen.begin(), seen.end(), lowercase(name)) != seen.end()) {
      return invalid("the name \"" + name + "\" is given twice (names ignore case)");
    }
    seen.push_back(lowercase(name));
    const std::vector<std::string> no_hosts;
    Result<CertPlan> plan = leaf_plan(
        name, client ? LeafKind::kClient : LeafKind::kNode, client ? no_hosts : request.hosts,
        request.days, request.not_before_offset_seconds, request.not_after_offset_seconds_override);
    if (!plan.is_ok()) {
      return plan.status();
    }
    plans.push_back(std::move(plan).value());
  }
  return plans;
}

// ---- Certificates -----------------------------------------------------------------------

Result<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) {
    return crypto_error("generating an EC P-256 key");
  }
  return key;
}

bool set_subject(X509* cert, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* org = reinterpret_cast<const unsigned char*>("Helios");
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1;
}

Status add_sans(X509* cert, const std::vector<San>& sans) {
  NamesPtr names(GENERAL_NAMES_new());
  if (names == nullptr) {
    return crypto_error("adding subjectAltName");
  }
  for (const San& san : sans) {
    NamePtr name(GENERAL_NAME_new());
    ASN1_STRING* value = ASN1_STRING_type_new(san.ip ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
    if (name == nullptr || value == nullptr ||
        ASN1_STRING_set(value, san.value.data(), static_cast<int>(san.value.size())) != 1) {
      ASN1_STRING_free(value);
      return crypto_error("adding subjectAltName");
    }
    GENERAL_NAME_set0_value(name.get(), san.ip ? GEN_IPADD : GEN_DNS, value);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return crypto_error("adding subjectAltName");
    }
    name.release();  // now owned by `names`
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return crypto_error("adding subjectAltName");
  }
  return Status::ok();
}

// Issues the certificate of `plan` for `key`, signed by ca/ca_key, or self-signed if `ca` is
// null: version 3, a random serial, the plan's extensions (OpenSSL configuration values, in
// order), then its SANs if it has any.
Result<CertPtr> make_cert(const CertPlan& plan, EVP_PKEY* key, X509* ca, EVP_PKEY* ca_key) {
  CertPtr cert(X509_new());
  X509* x = cert.get();
  unsigned char serial[kSerialBytes];
  if (x == nullptr || RAND_bytes(serial, sizeof serial) != 1) {
    return crypto_error("starting the certificate of " + plan.cn);
  }
  serial[0] = (serial[0] & 0x7f) | 0x01;  // positive (no leading zero byte in DER), never zero
  BnPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (X509_set_version(x, X509_VERSION_3) != 1 || bn == nullptr ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(x), plan.not_before) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x), plan.not_after) == nullptr ||
      X509_set_pubkey(x, key) != 1 || !set_subject(x, plan.cn) ||
      X509_set_issuer_name(x, X509_get_subject_name(ca != nullptr ? ca : x)) != 1) {
    return crypto_error("starting the certificate of " + plan.cn);
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca != nullptr ? ca : x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : plan.extensions) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (ext == nullptr || X509_add_ext(x, ext.get(), -1) != 1) {
      return crypto_error(std::string("adding the extension ") + OBJ_nid2sn(nid) + " " + value);
    }
  }
  if (!plan.sans.empty()) {
    if (Status s = add_sans(x, plan.sans); !s.is_ok()) {
      return s;
    }
  }
  if (X509_sign(x, ca != nullptr ? ca_key : key, EVP_sha256()) <= 0) {
    return crypto_error("signing the certificate of " + plan.cn);
  }
  return cert;
}

Result<CertPtr> make_ca(EVP_PKEY* key) {
  unsigned char tag[4];
  if (RAND_bytes(tag, sizeof tag) != 1) {
    return crypto_error("naming the CA");
  }
  char suffix[2 * sizeof tag + 1];
  std::snprintf(suffix, sizeof suffix, "%02x%02x%02x%02x", tag[0], tag[1], tag[2], tag[3]);
  const CertPlan plan{std::string("Helios CA ") + suffix,
                      -kBackdateSeconds,
                      kCaDays * kSecondsPerDay,
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}},
                      {}};
  return make_cert(plan, key, nullptr, nullptr);
}

// ---- PEM and files ----------------------------------------------------------------------

// One file to write: its name in the output directory and its PEM text. A key's text is
// wiped when the Output goes away (Outputs copy, never move: each copy wipes its own).
struct Output {
  std::string name;
  std::string pem;
  bool secret = false;
  ~Output() {
    if (secret) {
      OPENSSL_cleanse(pem.data(), pem.size());
    }
  }
};

Result<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0) {
    return crypto_error("writing PEM");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

// Appends name.crt and name.key (PEM) to `outputs`.
Status add_pem(const std::string& name, X509* cert, EVP_PKEY* key, std::vector<Output>& outputs) {
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (cert_bio == nullptr || key_bio == nullptr || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return crypto_error("writing PEM for " + name);
  }
  Result<std::string> cert_pem = bio_text(cert_bio.get());
  Result<std::string> key_pem = bio_text(key_bio.get());
  if (!cert_pem.is_ok() || !key_pem.is_ok()) {
    return cert_pem.is_ok() ? key_pem.status() : cert_pem.status();
  }
  outputs.push_back({name + ".crt", std::move(cert_pem).value(), false});
  outputs.push_back({name + ".key", std::move(key_pem).value(), true});
  // A memory BIO frees its buffer without wiping it.
  char* data = nullptr;
  const long size = BIO_get_mem_data(key_bio.get(), &data);
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return Status::ok();
}

// Issues each leaf of `plans` with a new key, signed by ca/ca_key, into `outputs`.
Status issue_all(const std::vector<CertPlan>& plans, X509* ca, EVP_PKEY* ca_key,
                 std::vector<Output>& outputs) {
  for (const CertPlan& plan : plans) {
    Result<KeyPtr> key = new_key();
    if (!key.is_ok()) {
      return key.status();
    }
    Result<CertPtr> cert = make_cert(plan, key.value().get(), ca, ca_key);
    if (!cert.is_ok()) {
      return cert.status();
    }
    if (Status s = add_pem(plan.cn, cert.value().get(), key.value().get(), outputs); !s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status io_error(const std::string& what, const std::string& path, const std::error_code& ec) {
  return Status(Code::kIoError, what + " " + path + ": " + ec.message());
}

Status set_mode(const std::string& path, stdfs::perms mode) {
  std::error_code ec;
  stdfs::permissions(path, mode, stdfs::perm_options::replace, ec);
  return ec ? io_error("chmod", path, ec) : Status::ok();
}

// Whether `dir` exists (it must be a directory); refuses it if it holds one of `names` and
// not `overwrite`.
Result<bool> check_output_dir(const std::string& dir, const std::vector<std::string>& names,
                              bool overwrite) {
  if (dir.empty()) {
    return invalid("no output directory");
  }
  std::error_code ec;
  const stdfs::file_status status = stdfs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return io_error("stat", dir, ec);
  }
  if (!stdfs::exists(status)) {
    return false;
  }
  if (!stdfs::is_directory(status)) {
    return invalid(dir + " exists and is not a directory");
  }
  std::string present;
  for (const std::string& name : names) {
    if (stdfs::exists(stdfs::symlink_status(env::join_path(dir, name), ec))) {
      present += (present.empty() ? "" : ", ") + name;
    }
  }
  if (!present.empty() && !overwrite) {
    return invalid(dir + " already holds " + present +
                   " (overwrite them: helios-cli certs --force)");
  }
  return true;
}

// Removes the staging directory and what an interrupted run left in it.
Status remove_staging(env::FileSystem& fs, const std::string& staging) {
  if (!fs.exists(staging)) {
    return Status::ok();
  }
  Result<std::vector<std::string>> entries = fs.list(staging);
  if (!entries.is_ok()) {
    return entries.status();
  }
  for (const std::string& entry : entries.value()) {
    if (Status s = fs.remove(env::join_path(staging, entry)); !s.is_ok()) {
      return s;
    }
  }
  return fs.remove(staging);
}

// Writes one file in the staging directory with its final mode, syncs it, renames it into dir.
Status write_one(env::FileSystem& fs, const std::string& staging, const std::string& dir,
                 const Output& output) {
  const std::string tmp = env::join_path(staging, output.name);
  {
    Result<std::unique_ptr<env::File>> file = fs.open(tmp, env::OpenMode::kCreateExclusive);
    if (!file.is_ok()) {
      return file.status();
    }
    // The final mode, before the first byte goes in.
    Status s = set_mode(tmp, static_cast<stdfs::perms>(output.secret ? 0600 : 0644));
    if (s.is_ok()) {
      s = file.value()->append(output.pem.data(), output.pem.size());
    }
    if (s.is_ok()) {
      s = file.value()->sync();
    }
    if (!s.is_ok()) {
      return s;
    }
  }
  return fs.rename(tmp, env::join_path(dir, output.name));
}

Status write_all(env::FileSystem& fs, const std::string& dir, const std::string& staging,
                 const std::vector<Output>& outputs) {
  if (Status s = remove_staging(fs, staging); !s.is_ok()) {
    return s;
  }
  if (Status s = fs.create_dirs(staging); !s.is_ok()) {
    return s;
  }
  if (Status s = set_mode(staging, static_cast<stdfs::perms>(0700)); !s.is_ok()) {
    return s;
  }
  for (const Output& output : outputs) {
    if (Status s = write_one(fs, staging, dir, output); !s.is_ok()) {
      return s;
    }
  }
  if (Status s = fs.sync_dir(dir); !s.is_ok()) {
    return s;
  }
  if (Status s = fs.remove(staging); !s.is_ok()) {
    return s;
  }
  return fs.sync_dir(dir);
}

// Writes `outputs` into `dir` (created 0700 unless `dir_exists`), in order.
Status write_outputs(const std::string& dir, bool dir_exists, const std::vector<Output>& outputs) {
  env::PosixFileSystem fs;
  if (!dir_exists) {
    if (Status s = fs.create_dirs(dir); !s.is_ok()) {
      return s;
    }
    if (Status s = set_mode(dir, static_cast<stdfs::perms>(0700)); !s.is_ok()) {
      return s;
    }
  }
  const std::string staging = env::join_path(dir, kStagingDir);
  Status s = write_all(fs, dir, staging, outputs);
  if (!s.is_ok()) {
    (void)remove_staging(fs, staging);  // best effort: the first error is the one to report
  }
  return s;
}

std::vector<std::string> file_names(const std::vector<std::string>& names) {
  std::vector<std::string> files;
  for (const std::string& name : names) {
    files.push_back(name + ".crt");
    files.push_back(name + ".key");
  }
  return files;
}

// Reads and checks the CA of `dir`: a CA certificate and its key.
Status load_ca(const std::string& dir, CertPtr& cert, KeyPtr& key) {
  env::PosixFileSystem fs;
  const std::string cert_path = env::join_path(dir, kCaCertFile);
  const std::string key_path = env::join_path(dir, kCaKeyFile);
  Result<std::string> cert_pem = env::read_file(fs, cert_path);
  if (!cert_pem.is_ok()) {
    return cert_pem.status();
  }
  Result<std::string> key_pem = env::read_file(fs, key_path);
  if (!key_pem.is_ok()) {
    return key_pem.status();
  }
  const Output key_text{key_path, std::move(key_pem).value(), true};  // wiped on return
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem.value().data(), -1));
  BioPtr key_bio(BIO_new_mem_buf(key_text.pem.data(), -1));
  if (cert_bio == nullptr || key_bio == nullptr) {
    return crypto_error("reading the CA");
  }
  cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr || key == nullptr) {
    return invalid("the CA in " + dir + " does not load: " + last_error("not PEM"));
  }
  if (X509_check_ca(cert.get()) == 0) {
    return invalid(cert_path + " is not a CA certificate");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return invalid(key_path + " is not the key of " + cert_path);
  }
  return Status::ok();
}

}  // namespace

Status create_certs(const CertRequest& request) {
  Result<std::vector<CertPlan>> plans = request_plans(request);
  if (!plans.is_ok()) {
    return plans.status();
  }
  std::vector<std::string> names;
  for (const CertPlan& plan : plans.value()) {
    names.push_back(plan.cn);
  }
  names.push_back("ca");
  Result<bool> dir_exists = check_output_dir(request.dir, file_names(names), request.overwrite);
  if (!dir_exists.is_ok()) {
    return dir_exists.status();
  }
  Result<KeyPtr> ca_key = new_key();
  if (!ca_key.is_ok()) {
    return ca_key.status();
  }
  Result<CertPtr> ca = make_ca(ca_key.value().get());
  if (!ca.is_ok()) {
    return ca.status();
  }
  std::vector<Output> outputs;
  outputs.reserve(2 * names.size());
  Status s = issue_all(plans.value(), ca.value().get(), ca_key.value().get(), outputs);
  if (s.is_ok()) {  // the CA last, its key last of all (see the header)
    s = add_pem("ca", ca.value().get(), ca_key.value().get(), outputs);
  }
  if (!s.is_ok()) {
    return s;
  }
  HELIOS_ASSERT(outputs.back().name == kCaKeyFile);
  return write_outputs(request.dir, dir_exists.value(), outputs);
}

Status issue_leaf(const std::string& ca_dir, const std::string& out_dir, const std::string& name,
                  const LeafOptions& options) {
  if (Status s = check_name("name", name); !s.is_ok()) {
    return s;
  }
  Result<CertPlan> plan =
      leaf_plan(name, options.kind, options.hosts, options.days, options.not_before_offset_seconds,
                options.not_after_offset_seconds_override);
  if (!plan.is_ok()) {
    return plan.status();
  }
  Result<bool> dir_exists = check_output_dir(out_dir, file_names({name}), options.overwrite);
  if (!dir_exists.is_ok()) {
    return dir_exists.status();
  }
  CertPtr ca;
  KeyPtr ca_key;
  if (Status s = load_ca(ca_dir, ca, ca_key); !s.is_ok()) {
    return s;
  }
  std::vector<Output> outputs;
  outputs.reserve(2);
  if (Status s = issue_all({plan.value()}, ca.get(), ca_key.get(), outputs); !s.is_ok()) {
    return s;
  }
  return write_outputs(out_dir, dir_exists.value(), outputs);
}

}  // namespace helios::tls
