#include "storage/data_dir.h"

#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "base/checksum.h"
#include "base/hex.h"

namespace helios::storage {

namespace {

// META is a few short lines; anything larger is not a META this build wrote.
constexpr std::size_t kMaxMetaBytes = 4096;
constexpr std::string_view kChecksumKey = "checksum=";

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, why);
}

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// A positive decimal of at most 9 digits, no sign, no leading zero.
std::optional<std::uint32_t> parse_format(std::string_view s) {
  if (s.empty() || s.size() > 9 || s.front() == '0') {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  HELIOS_ASSERT(v > 0);
  return v;
}

// The value of `line` if it is "<key>=<value>".
std::optional<std::string_view> value_of(std::string_view line, std::string_view key) {
  if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != '=') {
    return std::nullopt;
  }
  return line.substr(key.size() + 1);
}

// Splits `body` (every line ending in '\n') into its lines, without the newlines.
std::vector<std::string_view> split_lines(std::string_view body) {
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    const std::size_t nl = body.find('\n');
    HELIOS_ASSERT(nl != std::string_view::npos);
    lines.push_back(body.substr(0, nl));
    body.remove_prefix(nl + 1);
  }
  return lines;
}

// A decimal without sign or leading zero that fits in 64 bits ("0" alone is allowed).
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s.front() == '0')) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    v = v * 10 + digit;
  }
  return v;
}

// Parses the lines before the checksum line (already verified) of a format-1 or format-2
// META: format 2 has one more line, place=.
Result<DataDirMeta> parse_meta_lines(std::uint32_t format,
                                     const std::vector<std::string_view>& lines) {
  HELIOS_ASSERT(format == 1 || format == 2);
  const std::size_t want_lines = format == 1 ? 3 : 4;
  if (lines.size() != want_lines) {
    return corrupt("META has " + std::to_string(lines.size()) +
                   " lines before the checksum (format " + std::to_string(format) + " has " +
                   std::to_string(want_lines) + ")");
  }
  const std::optional<std::string_view> node_id = value_of(lines[1], "node_id");
  const std::optional<std::string_view> cluster_id = value_of(lines[2], "cluster_id");
  if (!node_id || !cluster_id) {
    return corrupt("META lines are not format=, node_id=, cluster_id=");
  }
  if (!validate_id("node id", *node_id).is_ok() ||
      !validate_id("cluster id", *cluster_id).is_ok()) {
    return corrupt("META holds a malformed id");
  }
  DataDirMeta meta{format, std::string(*node_id), std::string(*cluster_id), 0};
  if (format == 2) {
    const std::optional<std::string_view> place_text = value_of(lines[3], "place");
    const std::optional<std::uint64_t> place = place_text ? parse_u64(*place_text) : std::nullopt;
    if (!place) {
      return corrupt("META's fourth line is not place=<decimal>");
    }
    meta.place = *place;
  }
  return meta;
}

// What inspect() found in a directory that is not refused.
struct Inspection {
  bool exists = false;
  std::optional<DataDirMeta> meta;  // unset: a new node
  std::uint64_t place = 0;          // the directory's identity (when it exists)
};

// Reads and verifies META at `meta_path` and checks that it names this node, this cluster
// (another one with options.new_cluster) and this place (unless options accept another).
Result<DataDirMeta> check_meta(env::FileSystem& fs, const std::string& path,
                               const std::string& meta_path, const DataDirMeta& want,
                               const DataDirOptions& options) {
  Result<std::string> bytes = env::read_file(fs, meta_path);
  if (!bytes.is_ok()) {
    return bytes.status();
  }
  Result<DataDirMeta> meta = decode_meta(bytes.value());
  if (!meta.is_ok()) {
    return Status(meta.status().code(), meta_path + ": " + meta.status().message());
  }
  const DataDirMeta& m = meta.value();
  if (m.format > kDataDirFormat) {
    return Status(Code::kInvalidArgument,
                  "data directory " + path + " was written by a newer Helios (format " +
                      std::to_string(m.format) + "; this build reads formats 1 to " +
                      std::to_string(kDataDirFormat) + ")");
  }
  if (m.node_id != want.node_id) {
    return Status(Code::kInvalidArgument, "data directory " + path + " belongs to node " +
                                              m.node_id + " of cluster " + m.cluster_id + ", not " +
                                              want.node_id + " of cluster " + want.cluster_id);
  }
  if (options.new_cluster) {
    if (m.cluster_id == want.cluster_id) {
      return Status(Code::kInvalidArgument,
                    "--force-new-cluster: data directory " + path + " already belongs to cluster " +
                        m.cluster_id +
                        "; a new cluster needs a new cluster id (--cluster-id or cluster_id in "
                        "the configuration). If this node was already forced into cluster " +
                        m.cluster_id + ", start it without --force-new-cluster");
    }
    return m;  // a copy may start a new cluster
  }
  if (m.cluster_id != want.cluster_id) {
    return Status(Code::kInvalidArgument, "data directory " + path + " belongs to node " +
                                              m.node_id + " of cluster " + m.cluster_id + ", not " +
                                              want.node_id + " of cluster " + want.cluster_id);
  }
  if (m.format >= 2 && m.place != want.place && !options.accept_new_place) {
    return Status(
        Code::kInvalidArgument,
        "data directory " + path + " is a copy: META was written in directory " +
            std::to_string(m.place) + ", this is directory " + std::to_string(want.place) +
            " (identities: inode number and birth time). A copy may hold an older log than this "
            "node acknowledged, and "
            "rejoining the cluster with it can lose committed writes. Wipe it and add the node "
            "again (--join), or start a new cluster from it (--force-new-cluster with a new "
            "--cluster-id). Only if it was moved while the node was stopped and the original "
            "is gone for good: --accept-moved-data-dir. See docs/disaster-recovery.md");
  }
  return m;
}

// Decides, without changing anything on disk, whether `path` may be opened as `want`'s data
// directory, and whether it is a new node. want.place is ignored (the directory's own is
// read here and returned).
Result<Inspection> inspect(env::FileSystem& fs, const std::string& path, DataDirMeta want,
                           const DataDirOptions& options) {
  Inspection out;
  out.exists = fs.exists(path);
  if (!out.exists) {
    return out;
  }
  Result<std::vector<std::string>> entries = fs.list(path);
  if (!entries.is_ok()) {
    return entries.status();
  }
  Result<std::uint64_t> place = fs.identity(path);
  if (!place.is_ok()) {
    return place.status();
  }
  out.place = place.value();
  want.place = out.place;
  const std::string meta_path = env::join_path(path, kMetaFileName);
  const std::string meta_tmp_name = std::string(kMetaFileName) + ".tmp";
  bool has_meta = false;
  for (const std::string& name : entries.value()) {
    has_meta = has_meta || name == kMetaFileName;
  }
  if (has_meta) {
    Result<DataDirMeta> found = check_meta(fs, path, meta_path, want, options);
    if (!found.is_ok()) {
      return found.status();
    }
    out.meta = std::move(found).value();
    return out;
  }
  // No META: only the leftovers of an interrupted first open may be there.
  for (const std::string& name : entries.value()) {
    if (name == kWalDirName || name == kSnapshotDirName) {
      return corrupt("data directory " + path + " has data but no META (found " + name +
                     "/); refusing to start");
    }
    if (name != kLockFileName && name != meta_tmp_name) {
      return Status(Code::kInvalidArgument, "data directory " + path +
                                                " is not empty and is not a Helios data "
                                                "directory (no META; found " +
                                                name + ")");
    }
  }
  return out;
}

Status write_meta(env::FileSystem& fs, const std::string& path, const DataDirMeta& meta) {
  const std::string meta_bytes = encode_meta(meta);
  HELIOS_ASSERT(decode_meta(meta_bytes).is_ok());
  HELIOS_ASSERT(decode_meta(meta_bytes).value() == meta);
  return env::write_file_atomically(fs, env::join_path(path, kMetaFileName), meta_bytes);
}

Status create_dir_if_missing(env::FileSystem& fs, const std::string& dir) {
  if (fs.exists(dir)) {
    return Status::ok();
  }
  return fs.create_dirs(dir);
}

}  // namespace

Status validate_id(std::string_view what, std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Status(Code::kInvalidArgument, std::string(what) + " must be 1 to " +
                                              std::to_string(kMaxIdBytes) + " bytes long (got " +
                                              std::to_string(id.size()) + ")");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!is_id_char(id[i])) {
      // The id itself is not echoed: it may hold control characters.
      return Status(Code::kInvalidArgument,
                    std::string(what) + " may hold only [A-Za-z0-9._-] (bad byte at position " +
                        std::to_string(i) + ")");
    }
  }
  return Status::ok();
}

std::string encode_meta(const DataDirMeta& meta) {
  HELIOS_ASSERT(meta.format == kDataDirFormat);
  HELIOS_ASSERT(validate_id("node id", meta.node_id).is_ok());
  HELIOS_ASSERT(validate_id("cluster id", meta.cluster_id).is_ok());
  std::string out = "format=" + std::to_string(meta.format) + "\n";
  out += "node_id=" + meta.node_id + "\n";
  out += "cluster_id=" + meta.cluster_id + "\n";
  out += "place=" + std::to_string(meta.place) + "\n";
  out += std::string(kChecksumKey) + base::to_hex16(base::checksum64(out, 0)) + "\n";
  HELIOS_ASSERT(out.size() <= kMaxMetaBytes);
  return out;
}

Result<DataDirMeta> decode_meta(std::string_view bytes) {
  if (bytes.size() > kMaxMetaBytes) {
    return corrupt("META is " + std::to_string(bytes.size()) + " bytes (at most " +
                   std::to_string(kMaxMetaBytes) + ")");
  }
  if (bytes.size() < 2 || bytes.back() != '\n') {
    return corrupt("META does not end with a newline");
  }
  const std::size_t last_nl = bytes.rfind('\n', bytes.size() - 2);
  const std::size_t body_size = last_nl == std::string_view::npos ? 0 : last_nl + 1;
  const std::string_view body = bytes.substr(0, body_size);
  const std::string_view last = bytes.substr(body_size, bytes.size() - body_size - 1);
  if (last.substr(0, kChecksumKey.size()) != kChecksumKey) {
    return corrupt("META's last line is not checksum=");
  }
  const std::optional<std::uint64_t> sum = base::parse_hex16(last.substr(kChecksumKey.size()));
  if (!sum) {
    return corrupt("META's checksum is not 16 lowercase hex digits");
  }
  if (*sum != base::checksum64(body, 0)) {
    return corrupt("META checksum mismatch");
  }
  const std::vector<std::string_view> lines = split_lines(body);
  const std::optional<std::string_view> format_text =
      lines.empty() ? std::nullopt : value_of(lines[0], "format");
  const std::optional<std::uint32_t> format =
      format_text ? parse_format(*format_text) : std::nullopt;
  if (!format) {
    return corrupt("META's first line is not format=<positive number>");
  }
  if (*format > kDataDirFormat) {
    return DataDirMeta{*format, "", "", 0};
  }
  return parse_meta_lines(*format, lines);
}

DataDir::DataDir(std::string path, DataDirMeta meta, std::unique_ptr<env::FileLock> lock)
    : path_(std::move(path)),
      meta_(std::move(meta)),
      wal_dir_(env::join_path(path_, kWalDirName)),
      snapshot_dir_(env::join_path(path_, kSnapshotDirName)),
      lock_(std::move(lock)) {
  HELIOS_ASSERT(lock_ != nullptr);
  HELIOS_ASSERT(meta_.format == kDataDirFormat);
}

Result<std::unique_ptr<DataDir>> DataDir::open(env::FileSystem& fs, const std::string& path,
                                               const std::string& node_id,
                                               const std::string& cluster_id,
                                               const DataDirOptions& options) {
  HELIOS_ASSERT(!path.empty());
  if (Status s = validate_id("node id", node_id); !s.is_ok()) {
    return s;
  }
  if (Status s = validate_id("cluster id", cluster_id); !s.is_ok()) {
    return s;
  }
  DataDirMeta want{kDataDirFormat, node_id, cluster_id, 0};
  // First without the lock, so that a refusal never creates LOCK or the directory.
  Result<Inspection> before = inspect(fs, path, want, options);
  if (!before.is_ok()) {
    return before.status();
  }
  if (!before.value().exists) {
    if (Status s = fs.create_dirs(path); !s.is_ok()) {
      return s;
    }
  }
  Result<std::unique_ptr<env::FileLock>> lock = fs.lock(env::join_path(path, kLockFileName));
  if (!lock.is_ok()) {
    if (lock.status().code() == Code::kUnavailable) {
      return Status(Code::kUnavailable, "data directory " + path + " is in use by another process");
    }
    return lock.status();
  }
  // Again under the lock: another process may have initialised the directory meanwhile.
  Result<Inspection> locked = inspect(fs, path, want, options);
  if (!locked.is_ok()) {
    return locked.status();  // the lock is released here
  }
  if (!locked.value().exists) {
    // Removed by someone else between create_dirs() and lock(): not ours to fight over.
    return Status(Code::kIoError, "data directory " + path + " vanished while being opened");
  }
  want.place = locked.value().place;
  DataDirChanges changes;
  DataDirMeta now = want;  // what META says once open() returns
  if (const std::optional<DataDirMeta>& found = locked.value().meta; found) {
    if (found->cluster_id != want.cluster_id) {
      HELIOS_ASSERT(options.new_cluster);
      changes.previous_cluster_id = found->cluster_id;
      now.cluster_id = found->cluster_id;  // until finish_new_cluster()
    }
    changes.upgraded = found->format < kDataDirFormat;
    changes.place_changed = found->format == kDataDirFormat && found->place != want.place;
  }
  if (!locked.value().meta || changes.upgraded || changes.place_changed) {
    if (Status s = write_meta(fs, path, now); !s.is_ok()) {
      return s;
    }
  }
  auto dir = std::unique_ptr<DataDir>(new DataDir(path, now, std::move(lock).value()));
  dir->fs_ = &fs;
  dir->new_cluster_id_ = now.cluster_id != want.cluster_id ? want.cluster_id : "";
  dir->changes_ = std::move(changes);
  // Only now, with META durable: wal/ or snap/ without META means a damaged directory.
  for (const std::string* sub : {&dir->wal_dir_, &dir->snapshot_dir_}) {
    if (Status s = create_dir_if_missing(fs, *sub); !s.is_ok()) {
      return s;
    }
  }
  return dir;
}

Status DataDir::finish_new_cluster() {
  HELIOS_ASSERT(!new_cluster_id_.empty());
  DataDirMeta next = meta_;
  next.cluster_id = new_cluster_id_;
  if (Status s = write_meta(*fs_, path_, next); !s.is_ok()) {
    return s;
  }
  meta_ = std::move(next);
  new_cluster_id_.clear();
  return Status::ok();
}

}  // namespace helios::storage
