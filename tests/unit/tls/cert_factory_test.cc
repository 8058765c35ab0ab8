// The certificate factory: what create_certs and issue_leaf write is checked twice, by the
// `openssl` command line (verify with purposes, x509 -ext) and through the OpenSSL API
// (extensions, names, keys, validity), then used for a real TLS handshake between two nodes
// in memory; bad requests are refused with the directory left as it was.
#include "tls/cert_factory.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace helios::tls {
namespace {

namespace stdfs = std::filesystem;

constexpr long kDay = 24L * 60 * 60;

// A fresh directory (mkdtemp) removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (stdfs::temp_directory_path() / "helios-certs-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    stdfs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command (its arguments are test-made paths without spaces).
Ran run(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen " << command;
    return ran;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    ran.output.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

// `openssl verify` of `cert` against `ca_file`, with a purpose ("" for none).
Ran verify(const std::string& ca_file, const std::string& cert, const std::string& purpose = "") {
  return run("openssl verify -CAfile " + ca_file + (purpose.empty() ? "" : " -purpose " + purpose) +
             " " + cert);
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The first PEM object of a file, read by `read` (PEM_read_bio_X509, PEM_read_bio_PrivateKey).
template <typename Ptr, typename Read>
Ptr load_pem(const std::string& path, Read read) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  EXPECT_NE(bio, nullptr) << path;
  Ptr object(bio == nullptr ? nullptr : read(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  EXPECT_NE(object, nullptr) << path;
  return object;
}

Cert load_cert(const std::string& path) {
  return load_pem<Cert>(path, PEM_read_bio_X509);
}
Key load_key(const std::string& path) {
  return load_pem<Key>(path, PEM_read_bio_PrivateKey);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

stdfs::perms mode_of(const std::string& path) {
  return stdfs::status(path).permissions() & stdfs::perms::mask;
}

// Every file of a directory: name -> (mode, contents).
std::map<std::string, std::pair<stdfs::perms, std::string>> snapshot(const std::string& dir) {
  std::map<std::string, std::pair<stdfs::perms, std::string>> files;
  for (const auto& entry : stdfs::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    files[entry.path().filename().string()] = {mode_of(path), slurp(path)};
  }
  return files;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : stdfs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool critical(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  return at >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

bool names_host(X509* cert, const std::string& host) {
  return X509_check_host(cert, host.data(), host.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                         nullptr) == 1;
}

bool names_ip(X509* cert, const std::string& ip) {
  return X509_check_ip_asc(cert, ip.c_str(), 0) == 1;
}

// Days (rounded down) and seconds between the certificate's notBefore and notAfter.
std::pair<int, int> lifetime(X509* cert) {
  int days = 0;
  int seconds = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)),
            1);
  return {days, seconds};
}

CertRequest cluster_request(const std::string& dir) {
  CertRequest request;
  request.dir = dir;
  request.nodes = {"node-1", "node-2", "node-3"};
  request.hosts = {"10.0.1.10", "db.example.com", "fd00::7", "localhost"};
  return request;
}

class CertFactoryTest : public testing::Test {
 protected:
  void SetUp() override {
    cluster_ = scratch_ / "cluster";
    Status s = create_certs(cluster_request(cluster_));
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  std::string file(const std::string& name) const { return cluster_ + "/" + name; }

  ScratchDir scratch_;
  std::string cluster_;
};

TEST_F(CertFactoryTest, createCerts_writesEveryFileWithItsMode) {
  EXPECT_EQ(names_in(cluster_),
            (std::vector<std::string>{"ca.crt", "ca.key", "client.crt", "client.key", "node-1.crt",
                                      "node-1.key", "node-2.crt", "node-2.key", "node-3.crt",
                                      "node-3.key"}));
  EXPECT_EQ(mode_of(cluster_), stdfs::perms::owner_all);
  for (const std::string& name : names_in(cluster_)) {
    const bool key = name.ends_with(".key");
    EXPECT_EQ(mode_of(file(name)), key ? stdfs::perms(0600) : stdfs::perms(0644)) << name;
    EXPECT_NE(
        slurp(file(name)).find(key ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN CERTIFICATE-----"),
        std::string::npos)
        << name;
  }
}

TEST_F(CertFactoryTest, createCerts_nodeCertsVerifyAsServerAndClient) {
  for (const std::string node : {"node-1", "node-2", "node-3"}) {
    for (const std::string purpose : {"", "sslserver", "sslclient"}) {
      const Ran ran = verify(file("ca.crt"), file(node + ".crt"), purpose);
      EXPECT_EQ(ran.exit_code, 0) << node << " " << purpose << ": " << ran.output;
      EXPECT_EQ(ran.output, file(node + ".crt") + ": OK\n");
    }
  }
}

TEST_F(CertFactoryTest, createCerts_clientCertIsForClientsOnly) {
  EXPECT_EQ(verify(file("ca.crt"), file("client.crt"), "sslclient").exit_code, 0);
  const Ran as_server = verify(file("ca.crt"), file("client.crt"), "sslserver");
  EXPECT_NE(as_server.exit_code, 0) << as_server.output;
  EXPECT_NE(as_server.output.find("unsuitable certificate purpose"), std::string::npos)
      << as_server.output;
}

TEST_F(CertFactoryTest, createCerts_sansNameTheNodeLocalhostAndEveryHost) {
  const Ran text = run("openssl x509 -noout -ext subjectAltName -in " + file("node-2.crt"));
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(
      text.output.find("DNS:node-2, DNS:localhost, IP Address:127.0.0.1, "
                       "IP Address:10.0.1.10, DNS:db.example.com, IP Address:FD00:0:0:0:0:0:0:7"),
      std::string::npos)
      << text.output;

  Cert node2 = load_cert(file("node-2.crt"));
  EXPECT_TRUE(names_host(node2.get(), "node-2"));
  EXPECT_TRUE(names_host(node2.get(), "localhost"));
  EXPECT_TRUE(names_host(node2.get(), "DB.example.com"));
  EXPECT_TRUE(names_ip(node2.get(), "127.0.0.1"));
  EXPECT_TRUE(names_ip(node2.get(), "10.0.1.10"));
  EXPECT_TRUE(names_ip(node2.get(), "fd00::7"));
  EXPECT_FALSE(names_host(node2.get(), "node-1"));
  EXPECT_FALSE(names_ip(node2.get(), "::1"));

  Cert client = load_cert(file("client.crt"));
  EXPECT_TRUE(names_host(client.get(), "client"));
  EXPECT_FALSE(names_host(client.get(), "localhost"));
}

TEST_F(CertFactoryTest, createCerts_caHasCaExtensions) {
  Cert ca = load_cert(file("ca.crt"));
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(critical(ca.get(), NID_basic_constraints));
  EXPECT_TRUE(critical(ca.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  EXPECT_EQ(X509_get_signature_nid(ca.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(lifetime(ca.get()).first, kCaDays);
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(ca.get()), subject, sizeof subject);
  EXPECT_TRUE(std::string(subject).starts_with("/O=Helios/CN=Helios CA ")) << subject;
  EXPECT_EQ(std::string(subject).size(), std::string("/O=Helios/CN=Helios CA ").size() + 8);
}

TEST_F(CertFactoryTest, createCerts_leavesHaveLeafExtensions) {
  Cert ca = load_cert(file("ca.crt"));
  for (const std::string name : {"node-1", "client"}) {
    Cert leaf = load_cert(file(name + ".crt"));
    EXPECT_EQ(X509_check_ca(leaf.get()), 0) << name;
    EXPECT_EQ(X509_get_extension_flags(leaf.get()) & EXFLAG_BCONS, EXFLAG_BCONS) << name;
    EXPECT_TRUE(critical(leaf.get(), NID_key_usage)) << name;
    EXPECT_EQ(X509_get_key_usage(leaf.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
    const uint32_t want_xku = name == "client" ? XKU_SSL_CLIENT : XKU_SSL_SERVER | XKU_SSL_CLIENT;
    EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), want_xku) << name;
    EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_ecdsa_with_SHA256);
    EXPECT_NE(X509_get0_subject_key_id(leaf.get()), nullptr);
    ASSERT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.get()),
                                    X509_get0_subject_key_id(ca.get())),
              0);
    char cn[128] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(leaf.get()), NID_commonName, cn, sizeof cn);
    EXPECT_EQ(std::string(cn), name);
    const auto [days, seconds] = lifetime(leaf.get());
    EXPECT_EQ(days, kDefaultLeafDays) << name;
    EXPECT_NEAR(seconds, kBackdateSeconds, 5) << name;
  }
}

TEST_F(CertFactoryTest, createCerts_keysAreP256AndMatchTheirCerts) {
  for (const std::string name : {"ca", "node-1", "node-2", "node-3", "client"}) {
    Key key = load_key(file(name + ".key"));
    Cert cert = load_cert(file(name + ".crt"));
    EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC) << name;
    char group[64] = {};
    EXPECT_EQ(EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr), 1);
    EXPECT_STREQ(group, "prime256v1") << name;
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1) << name;
  }
  Key other = load_key(file("node-2.key"));
  Cert node1 = load_cert(file("node-1.crt"));
  EXPECT_NE(X509_check_private_key(node1.get(), other.get()), 1);
  ERR_clear_error();
}

TEST_F(CertFactoryTest, createCerts_serialsAreRandom128Bit) {
  std::vector<std::string> serials;
  for (const std::string name : {"ca", "node-1", "node-2", "node-3", "client"}) {
    Cert cert = load_cert(file(name + ".crt"));
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
    ASSERT_NE(bn, nullptr);
    EXPECT_FALSE(BN_is_negative(bn));
    EXPECT_GE(BN_num_bits(bn), 121) << name;
    EXPECT_LE(BN_num_bits(bn), 127) << name;
    char* hex = BN_bn2hex(bn);
    serials.emplace_back(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  std::sort(serials.begin(), serials.end());
  EXPECT_EQ(std::unique(serials.begin(), serials.end()), serials.end());
}

TEST_F(CertFactoryTest, createCerts_refusesADirectoryThatHoldsACa) {
  const auto before = snapshot(cluster_);
  Status s = create_certs(cluster_request(cluster_));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("ca.crt"), std::string::npos) << s.message();
  EXPECT_EQ(snapshot(cluster_), before);

  CertRequest again = cluster_request(cluster_);
  again.overwrite = true;
  again.nodes = {"node-1"};
  ASSERT_TRUE(create_certs(again).is_ok());
  EXPECT_NE(slurp(file("ca.crt")), before.at("ca.crt").second);
  EXPECT_NE(slurp(file("node-1.key")), before.at("node-1.key").second);
  EXPECT_EQ(slurp(file("node-2.key")), before.at("node-2.key").second);  // not asked for
  EXPECT_EQ(mode_of(file("ca.key")), stdfs::perms(0600));
  EXPECT_EQ(verify(file("ca.crt"), file("node-1.crt"), "sslserver").exit_code, 0);
}

TEST_F(CertFactoryTest, createCerts_refusesAnyExistingOutputFile) {
  const std::string dir = scratch_ / "partial";
  stdfs::create_directory(dir);
  std::ofstream(dir + "/node-2.key") << "someone else's key";
  Status s = create_certs(cluster_request(dir));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"node-2.key"});
  EXPECT_EQ(slurp(dir + "/node-2.key"), "someone else's key");
}

TEST_F(CertFactoryTest, createCerts_refusesBadRequestsWritingNothing) {
  const std::string dir = (scratch_ / "new") + "/certs";
  const auto with = [&](auto change) {
    CertRequest request = cluster_request(dir);
    change(request);
    return request;
  };
  const std::vector<std::pair<std::string, CertRequest>> cases = {
      {"no nodes", with([](CertRequest& r) { r.nodes.clear(); })},
      {"bad char", with([](CertRequest& r) { r.nodes[1] = "node 2"; })},
      {"slash", with([](CertRequest& r) { r.nodes[1] = "../node-2"; })},
      {"empty name", with([](CertRequest& r) { r.nodes[1] = ""; })},
      {"long name", with([](CertRequest& r) { r.nodes[1] = std::string(65, 'n'); })},
      {"leading dot", with([](CertRequest& r) { r.nodes[1] = ".node"; })},
      {"leading dash", with([](CertRequest& r) { r.nodes[1] = "-node"; })},
      {"named ca", with([](CertRequest& r) { r.nodes[1] = "CA"; })},
      {"duplicate", with([](CertRequest& r) { r.nodes[2] = "node-1"; })},
      {"case duplicate", with([](CertRequest& r) { r.nodes[2] = "NODE-1"; })},
      {"client is a node", with([](CertRequest& r) { r.client_name = "node-3"; })},
      {"bad client", with([](CertRequest& r) { r.client_name = "a/b"; })},
      {"too many", with([](CertRequest& r) { r.nodes.resize(kMaxNodes + 1, "x"); })},
      {"ip > 255", with([](CertRequest& r) { r.hosts.push_back("10.0.1.256"); })},
      {"short ip", with([](CertRequest& r) { r.hosts.push_back("10.0.1"); })},
      {"long ip", with([](CertRequest& r) { r.hosts.push_back("1.2.3.4.5"); })},
      {"bad ipv6", with([](CertRequest& r) { r.hosts.push_back("fd00:::1"); })},
      {"zone id", with([](CertRequest& r) { r.hosts.push_back("fe80::1%eth0"); })},
      {"empty host", with([](CertRequest& r) { r.hosts.push_back(""); })},
      {"underscore", with([](CertRequest& r) { r.hosts.push_back("a_b.example.com"); })},
      {"wildcard", with([](CertRequest& r) { r.hosts.push_back("*.example.com"); })},
      {"empty label", with([](CertRequest& r) { r.hosts.push_back("a..example.com"); })},
      {"dash label", with([](CertRequest& r) { r.hosts.push_back("-a.example.com"); })},
      {"host:port", with([](CertRequest& r) { r.hosts.push_back("db.example.com:7001"); })},
      {"too many hosts", with([](CertRequest& r) { r.hosts.resize(kMaxHosts + 1, "h"); })},
      {"0 days", with([](CertRequest& r) { r.days = 0; })},
      {"too many days", with([](CertRequest& r) { r.days = kMaxLeafDays + 1; })},
      {"negative days", with([](CertRequest& r) { r.days = -5; })},
      {"ends before start",
       with([](CertRequest& r) { r.not_after_offset_seconds_override = -kDay; })},
      {"no dir", with([](CertRequest& r) { r.dir.clear(); })},
  };
  for (const auto& [what, request] : cases) {
    Status s = create_certs(request);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << what << ": " << s.to_string();
    EXPECT_FALSE(s.message().empty()) << what;
    EXPECT_FALSE(stdfs::exists(scratch_ / "new")) << what;
  }
}

TEST_F(CertFactoryTest, createCerts_refusesAFileAsDirectory) {
  const std::string path = scratch_ / "plain-file";
  std::ofstream(path) << "x";
  EXPECT_EQ(create_certs(cluster_request(path)).code(), Code::kInvalidArgument);
  EXPECT_EQ(slurp(path), "x");
}

TEST_F(CertFactoryTest, createCerts_keepsTheModeOfAnExistingDirectory) {
  const std::string dir = scratch_ / "existing";
  stdfs::create_directory(dir);
  stdfs::permissions(dir, stdfs::perms(0750));
  ASSERT_TRUE(create_certs(cluster_request(dir)).is_ok());
  EXPECT_EQ(mode_of(dir), stdfs::perms(0750));
  EXPECT_EQ(mode_of(dir + "/ca.key"), stdfs::perms(0600));
  EXPECT_EQ(names_in(dir).size(), 10u);  // no staging directory left behind
}

TEST_F(CertFactoryTest, createCerts_clearsWhatAnInterruptedRunLeft) {
  const std::string dir = scratch_ / "interrupted";
  stdfs::create_directories(dir + "/.helios-certs.tmp");
  std::ofstream(dir + "/.helios-certs.tmp/node-1.key") << "half a key";
  ASSERT_TRUE(create_certs(cluster_request(dir)).is_ok());
  EXPECT_FALSE(stdfs::exists(dir + "/.helios-certs.tmp"));
  EXPECT_EQ(verify(dir + "/ca.crt", dir + "/node-1.crt", "sslserver").exit_code, 0);
}

TEST_F(CertFactoryTest, issueLeaf_outsiderIsSignedByTheClusterCa) {
  const std::string out = scratch_ / "outsider";
  LeafOptions options;
  options.days = 30;
  options.hosts = {"10.9.9.9"};
  ASSERT_TRUE(issue_leaf(cluster_, out, "node-9", options).is_ok());
  EXPECT_EQ(names_in(out), (std::vector<std::string>{"node-9.crt", "node-9.key"}));
  EXPECT_EQ(mode_of(out), stdfs::perms::owner_all);
  EXPECT_EQ(mode_of(out + "/node-9.key"), stdfs::perms(0600));
  EXPECT_EQ(verify(file("ca.crt"), out + "/node-9.crt", "sslserver").exit_code, 0);
  Cert cert = load_cert(out + "/node-9.crt");
  EXPECT_TRUE(names_host(cert.get(), "node-9"));
  EXPECT_TRUE(names_ip(cert.get(), "10.9.9.9"));
  EXPECT_FALSE(names_host(cert.get(), "node-1"));
  EXPECT_EQ(lifetime(cert.get()).first, 30);
  Key key = load_key(out + "/node-9.key");
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);

  EXPECT_EQ(issue_leaf(cluster_, out, "node-9", options).code(), Code::kInvalidArgument);
  options.overwrite = true;
  EXPECT_TRUE(issue_leaf(cluster_, out, "node-9", options).is_ok());
}

TEST_F(CertFactoryTest, issueLeaf_clientKindIsForClientsOnly) {
  LeafOptions options;
  options.kind = LeafKind::kClient;
  ASSERT_TRUE(issue_leaf(cluster_, cluster_, "ops", options).is_ok());
  EXPECT_EQ(verify(file("ca.crt"), file("ops.crt"), "sslclient").exit_code, 0);
  EXPECT_NE(verify(file("ca.crt"), file("ops.crt"), "sslserver").exit_code, 0);
  options.hosts = {"10.0.0.1"};
  EXPECT_EQ(issue_leaf(cluster_, cluster_, "ops2", options).code(), Code::kInvalidArgument);
}

TEST_F(CertFactoryTest, issueLeaf_expiredCertFailsVerification) {
  LeafOptions options;
  options.not_before_offset_seconds = -2 * kDay;
  options.not_after_offset_seconds_override = -kDay;
  ASSERT_TRUE(issue_leaf(cluster_, cluster_, "old-node", options).is_ok());
  const Ran ran = verify(file("ca.crt"), file("old-node.crt"));
  EXPECT_NE(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find("certificate has expired"), std::string::npos) << ran.output;
  Cert cert = load_cert(file("old-node.crt"));
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);
}

TEST_F(CertFactoryTest, issueLeaf_secondCaLeafFailsAgainstTheFirst) {
  const std::string other = scratch_ / "other";
  CertRequest request = cluster_request(other);
  ASSERT_TRUE(create_certs(request).is_ok());
  EXPECT_NE(slurp(other + "/ca.crt"), slurp(file("ca.crt")));
  ASSERT_TRUE(issue_leaf(other, other, "node-4", LeafOptions{}).is_ok());
  for (const std::string name : {"node-1", "node-4"}) {
    const Ran ran = verify(file("ca.crt"), other + "/" + name + ".crt");
    EXPECT_NE(ran.exit_code, 0) << name << ": " << ran.output;
    EXPECT_EQ(verify(other + "/ca.crt", other + "/" + name + ".crt").exit_code, 0) << name;
  }
}

TEST_F(CertFactoryTest, issueLeaf_refusesAMissingOrMismatchedCa) {
  const std::string out = scratch_ / "out";
  EXPECT_EQ(issue_leaf(scratch_ / "nowhere", out, "node-9", {}).code(), Code::kNotFound);
  EXPECT_FALSE(stdfs::exists(out));

  const std::string mixed = scratch_ / "mixed";
  stdfs::create_directory(mixed);
  stdfs::copy_file(file("ca.crt"), mixed + "/ca.crt");
  stdfs::copy_file(file("node-1.key"), mixed + "/ca.key");
  Status s = issue_leaf(mixed, out, "node-9", {});
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.to_string();
  stdfs::copy_file(file("node-1.crt"), mixed + "/ca.crt", stdfs::copy_options::overwrite_existing);
  s = issue_leaf(mixed, out, "node-9", {});
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find("not a CA"), std::string::npos) << s.message();
  EXPECT_EQ(issue_leaf(cluster_, out, "bad name", {}).code(), Code::kInvalidArgument);
  EXPECT_FALSE(stdfs::exists(out));
}

// ---- A TLS handshake in memory: node-1 serves, another certificate connects --------------

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using Ctx = std::unique_ptr<SSL_CTX, SslCtxFree>;

Ctx context(bool server, const std::string& ca, const std::string& cert, const std::string& key) {
  Ctx ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  EXPECT_EQ(SSL_CTX_use_certificate_file(ctx.get(), cert.c_str(), SSL_FILETYPE_PEM), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM), 1);
  EXPECT_EQ(SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

// Runs a handshake between a server presenting `server` and a client presenting `client`
// (both "dir/name" without extension), each trusting its own CA file; the client checks the
// server's name. Returns whether both ends completed it.
bool handshake(const std::string& server_ca, const std::string& server,
               const std::string& client_ca, const std::string& client,
               const std::string& server_name) {
  Ctx server_ctx = context(true, server_ca, server + ".crt", server + ".key");
  Ctx client_ctx = context(false, client_ca, client + ".crt", client + ".key");
  SSL* s = SSL_new(server_ctx.get());
  SSL* c = SSL_new(client_ctx.get());
  BIO* s_bio = nullptr;
  BIO* c_bio = nullptr;
  EXPECT_EQ(BIO_new_bio_pair(&s_bio, 0, &c_bio, 0), 1);
  SSL_set_bio(s, s_bio, s_bio);
  SSL_set_bio(c, c_bio, c_bio);
  SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  EXPECT_EQ(SSL_set1_host(c, server_name.c_str()), 1);
  int s_ret = 0;
  int c_ret = 0;
  for (int round = 0; round < 20 && (s_ret != 1 || c_ret != 1); ++round) {
    c_ret = SSL_do_handshake(c);
    s_ret = SSL_do_handshake(s);
    const bool stuck = (c_ret <= 0 && SSL_get_error(c, c_ret) != SSL_ERROR_WANT_READ) ||
                       (s_ret <= 0 && SSL_get_error(s, s_ret) != SSL_ERROR_WANT_READ);
    if (stuck) {
      break;
    }
  }
  // TLS 1.3: the server learns of a refused certificate after the client has finished.
  const bool ok = s_ret == 1 && c_ret == 1 && SSL_get_verify_result(s) == X509_V_OK &&
                  SSL_get_verify_result(c) == X509_V_OK;
  SSL_free(s);
  SSL_free(c);
  ERR_clear_error();
  return ok;
}

TEST_F(CertFactoryTest, handshake_nodesAuthenticateEachOther) {
  const std::string ca = file("ca.crt");
  EXPECT_TRUE(handshake(ca, file("node-1"), ca, file("node-2"), "node-1"));
  EXPECT_TRUE(handshake(ca, file("node-1"), ca, file("client"), "localhost"));
  EXPECT_FALSE(handshake(ca, file("node-1"), ca, file("node-2"), "node-3"));  // wrong name
  EXPECT_FALSE(handshake(ca, file("client"), ca, file("node-2"), "client"));  // not a server
}

TEST_F(CertFactoryTest, handshake_refusesExpiredAndForeignCertificates) {
  const std::string ca = file("ca.crt");
  LeafOptions expired;
  expired.not_before_offset_seconds = -2 * kDay;
  expired.not_after_offset_seconds_override = -kDay;
  ASSERT_TRUE(issue_leaf(cluster_, cluster_, "old-node", expired).is_ok());
  EXPECT_FALSE(handshake(ca, file("node-1"), ca, file("old-node"), "node-1"));
  EXPECT_FALSE(handshake(ca, file("old-node"), ca, file("node-1"), "old-node"));

  const std::string other = scratch_ / "other";
  ASSERT_TRUE(create_certs(cluster_request(other)).is_ok());
  EXPECT_FALSE(handshake(ca, file("node-1"), other + "/ca.crt", other + "/node-2", "node-1"));
  EXPECT_FALSE(handshake(ca, file("node-1"), ca, other + "/node-2", "node-1"));
}

}  // namespace
}  // namespace helios::tls
