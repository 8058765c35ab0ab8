#include "apps/cli_backup.h"

#include <httplib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "env/posix/posix_file_system.h"
#include "node/backup.h"

namespace helios::apps {

namespace {

// How long the CLI waits for the node's answer: the node may take a snapshot first (up to
// admin::kBackupWait), then streams without pauses.
constexpr std::time_t kReadTimeoutS = 11 * 60;

std::string utc_time(std::uint64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

void print_summary(const node::CheckedBackup& b) {
  std::printf("cluster: %s\n", b.header.cluster_id.c_str());
  std::printf("node: %s\n", b.header.node_id.c_str());
  std::printf("index: %llu\n", static_cast<unsigned long long>(b.header.index));
  std::printf("term: %llu\n", static_cast<unsigned long long>(b.header.term));
  std::printf("time: %s (unix ms %llu)\n", utc_time(b.header.created_unix_ms).c_str(),
              static_cast<unsigned long long>(b.header.created_unix_ms));
  std::printf("keys: %llu\n", static_cast<unsigned long long>(b.keys));
  std::printf("data bytes: %llu\n", static_cast<unsigned long long>(b.header.data_size));
  std::printf("file bytes: %zu\n", b.bytes.size());
  std::printf("digest: %s\n", b.digest_hex.c_str());
}

int verify(const std::string& path) {
  env::PosixFileSystem fs;
  Result<node::CheckedBackup> b = node::read_backup_file(fs, path);
  if (!b.is_ok()) {
    std::fprintf(stderr, "helios-cli backup verify: %s\n", b.status().message().c_str());
    return 1;
  }
  print_summary(b.value());
  std::printf("%s: OK\n", path.c_str());
  return 0;
}

// Receives the answer to GET /backup into `tmp` (the body of a 200), or into `error`.
class Download {
 public:
  explicit Download(env::File& tmp) : tmp_(tmp) {}

  bool on_response(const httplib::Response& res) {
    status_ = res.status;
    return true;
  }
  bool on_data(const char* data, std::size_t size) {
    if (status_ != 200) {
      error_.append(data, std::min<std::size_t>(size, 4096));
      return error_.size() < 16384;
    }
    write_status_ = tmp_.append(data, size);
    received_ += size;
    return write_status_.is_ok();
  }

  int status() const { return status_; }
  std::uint64_t received() const { return received_; }
  const Status& write_status() const { return write_status_; }
  // The node's message: its "error" field, else the body.
  std::string error() const {
    const nlohmann::json j = nlohmann::json::parse(error_, nullptr, false);
    return j.is_object() && j.contains("error") && j["error"].is_string()
               ? j["error"].get<std::string>()
               : error_;
  }

 private:
  env::File& tmp_;
  int status_ = 0;
  std::uint64_t received_ = 0;
  Status write_status_;
  std::string error_;
};

// Downloads into `tmp_path` and verifies it; the checked backup, or why not (the caller
// removes the temporary file).
Result<node::CheckedBackup> download(env::FileSystem& fs, httplib::Client& client,
                                     const std::string& address, const std::string& tmp_path) {
  Result<std::unique_ptr<env::File>> tmp = fs.open(tmp_path, env::OpenMode::kCreateExclusive);
  if (!tmp.is_ok()) {
    return tmp.status();
  }
  // A backup holds every key and the ACL users' password hashes: owner only, as Redis's
  // dump files (before the first byte is written; the rename keeps the mode).
  std::error_code ec;
  std::filesystem::permissions(
      tmp_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  if (ec) {
    return Status(Code::kIoError, "chmod 0600 " + tmp_path + ": " + ec.message());
  }
  Download d(*tmp.value());
  const httplib::Result res = client.Get(
      "/backup", [&d](const httplib::Response& r) { return d.on_response(r); },
      [&d](const char* data, std::size_t size) { return d.on_data(data, size); });
  if (!d.write_status().is_ok()) {
    return Status(d.write_status().code(),
                  "writing " + tmp_path + ": " + d.write_status().message());
  }
  if (!res) {
    return Status(Code::kUnavailable,
                  address + ": " +
                      (d.status() == 200 ? "the backup stream broke off after " +
                                               std::to_string(d.received()) + " bytes"
                                         : "unreachable") +
                      " (" + httplib::to_string(res.error()) + ")");
  }
  if (d.status() != 200) {
    return Status(Code::kUnavailable,
                  address + ": HTTP " + std::to_string(d.status()) + ": " + d.error());
  }
  if (Status s = tmp.value()->sync(); !s.is_ok()) {
    return s;
  }
  tmp.value().reset();
  // Read back from the disk: what is verified is what will be kept.
  return node::read_backup_file(fs, tmp_path);
}

int take_backup(const std::string& path, const std::string& address,
                const AdminClientFactory& connect) {
  const std::unique_ptr<httplib::Client> client = connect(address, kReadTimeoutS);
  if (client == nullptr) {
    return 2;
  }
  env::PosixFileSystem fs;
  const std::string tmp_path = path + ".tmp";
  if (fs.exists(tmp_path)) {
    (void)fs.remove(tmp_path);  // a leftover of an interrupted run
  }
  Result<node::CheckedBackup> b = download(fs, *client, address, tmp_path);
  Status s = b.status();
  if (s.is_ok()) {
    s = fs.rename(tmp_path, path);
  }
  if (s.is_ok()) {
    s = fs.sync_dir(env::parent_dir(path));
  }
  if (!s.is_ok()) {
    (void)fs.remove(tmp_path);
    std::fprintf(stderr, "helios-cli backup: no backup written: %s\n", s.message().c_str());
    return 1;
  }
  print_summary(b.value());
  std::printf("backup written to %s (verified)\n", path.c_str());
  return 0;
}

constexpr const char* kUsage =
    "usage: helios-cli backup FILE [--admin HOST:PORT]\n"
    "       helios-cli backup verify FILE\n";

}  // namespace

int run_backup_command(const std::vector<std::string>& args, const AdminClientFactory& connect) {
  if (args.size() >= 2 && args[1] == "verify") {
    if (args.size() != 3) {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
    return verify(args[2]);
  }
  std::string address = "127.0.0.1:8001";
  std::string file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--admin" && i + 1 < args.size()) {
      address = args[++i];
    } else if (file.empty() && !args[i].empty() && args[i][0] != '-') {
      file = args[i];
    } else {
      std::fprintf(stderr, "helios-cli backup: unexpected '%s'\n%s", args[i].c_str(), kUsage);
      return 2;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  return take_backup(file, address, connect);
}

}  // namespace helios::apps
