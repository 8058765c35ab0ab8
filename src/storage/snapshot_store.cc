#include "storage/snapshot_store.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "base/hex.h"
#include "env/posix/memory.h"
#include "raft/membership.h"

namespace helios::storage {

namespace {

constexpr std::string_view kNamePrefix = "snap-";
constexpr std::string_view kNameSuffix = ".snap";
constexpr std::string_view kTmpSuffix = ".tmp";
constexpr std::string_view kRecvSuffix = ".recv.tmp";
constexpr std::size_t kHexDigits = 16;
// "snap-" + 16 hex + "-" + 16 hex + ".snap"
constexpr std::size_t kNameSize = 5 + kHexDigits + 1 + kHexDigits + 5;
constexpr std::size_t kChecksumSize = 8;

Status corrupt(const std::string& path, const std::string& why) {
  return Status(Code::kCorruption, "snapshot " + path + ": " + why);
}

// A decoded header: the meta, how many bytes the header took, and the data length.
struct Header {
  raft::SnapshotMeta meta;
  std::size_t size = 0;
  std::uint64_t data_size = 0;
};

// Decodes the header at the start of `bytes` (which must hold all of it) of a file of
// `file_size` bytes. Returns the reason as a message; the caller names the file.
Result<Header> decode_header(std::string_view bytes, std::uint64_t file_size) {
  base::Reader r(bytes);
  const std::string_view magic = r.bytes(sizeof(kSnapshotMagic));
  const std::uint32_t version = r.u32();
  const std::uint32_t reserved = r.u32();
  Header h;
  h.meta.index = r.u64();
  h.meta.term = r.u64();
  const std::uint32_t conf_field = r.u32();  // v2: configuration bytes; v1: voter count
  if (!r.ok()) {
    return Status(Code::kCorruption, "header is short");
  }
  if (std::memcmp(magic.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
    return Status(Code::kCorruption, "not a Helios snapshot (bad magic)");
  }
  if (version != 1 && version != kSnapshotVersion) {
    return Status(Code::kInvalidArgument, "snapshot format version " + std::to_string(version) +
                                              " is not supported (this build reads versions 1 "
                                              "and " +
                                              std::to_string(kSnapshotVersion) + ")");
  }
  const bool v1 = version == 1;
  if (reserved != 0 || h.meta.index == 0 ||
      conf_field > (v1 ? kMaxSnapshotVoters : kMaxSnapshotConfBytes)) {
    return Status(Code::kCorruption, "malformed header");
  }
  if (v1) {
    for (std::uint32_t i = 0; i < conf_field; ++i) {
      h.meta.conf_state.voters.push_back(r.u64());
    }
    std::sort(h.meta.conf_state.voters.begin(), h.meta.conf_state.voters.end());
  } else {
    Result<raft::ConfState> conf = raft::decode_conf_state(r.bytes(conf_field));
    if (!r.ok()) {
      return Status(Code::kCorruption, "header is short");
    }
    if (!conf.is_ok()) {
      return Status(Code::kCorruption, "header: " + conf.status().message());
    }
    h.meta.conf_state = std::move(conf).value();
  }
  h.data_size = r.u64();
  if (!r.ok()) {
    return Status(Code::kCorruption, "header is short");
  }
  h.size = kSnapshotFixedHeaderSize + (v1 ? 8 * std::size_t{conf_field} : conf_field) + 8;
  HELIOS_ASSERT(h.size == bytes.size() - r.remaining());
  if (file_size < h.size + kChecksumSize || file_size - h.size - kChecksumSize != h.data_size) {
    return Status(Code::kCorruption, "file is " + std::to_string(file_size) +
                                         " bytes but the header announces " +
                                         std::to_string(h.data_size) + " bytes of data");
  }
  return h;
}

// Reads up to `size` bytes from the start of `file` (fewer only at end of file).
Result<std::string> read_prefix(const env::File& file, std::size_t size) {
  std::string out(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    Result<std::size_t> n = file.read_at(done, out.data() + done, size - done);
    if (!n.is_ok()) {
      return n.status();
    }
    if (n.value() == 0) {
      break;
    }
    HELIOS_ASSERT(n.value() <= size - done);
    done += n.value();
  }
  out.resize(done);
  return out;
}

// Reads exactly `size` bytes at `offset` of `file` into `out`; kCorruption if the file ends
// first (it shrank since its size was read).
Status read_exactly(const env::File& file, std::uint64_t offset, char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    Result<std::size_t> n = file.read_at(offset + done, out + done, size - done);
    if (!n.is_ok()) {
      return n.status();
    }
    if (n.value() == 0) {
      return Status(Code::kCorruption, "file ends early");
    }
    HELIOS_ASSERT(n.value() <= size - done);
    done += n.value();
  }
  return Status::ok();
}

// How long the header is, from its fixed part (kSnapshotFixedHeaderSize bytes): as many
// bytes as its configuration length says, capped at the limit that decode_header() enforces.
std::size_t header_length(std::string_view fixed) {
  HELIOS_ASSERT(fixed.size() >= kSnapshotFixedHeaderSize);
  const std::uint32_t version = base::load_u32(fixed.data() + 8);
  const std::uint32_t conf_field = base::load_u32(fixed.data() + 32);
  const std::size_t conf_bytes = version == 1
                                     ? 8 * std::size_t{std::min(conf_field, kMaxSnapshotVoters)}
                                     : std::size_t{std::min(conf_field, kMaxSnapshotConfBytes)};
  return kSnapshotFixedHeaderSize + conf_bytes + 8;
}

// The bytes of the header at the start of `file` (header_length()), undecoded: fewer only
// if the file is short.
Result<std::string> read_header_bytes(const env::File& file) {
  Result<std::string> fixed = read_prefix(file, kSnapshotFixedHeaderSize);
  if (!fixed.is_ok() || fixed.value().size() < kSnapshotFixedHeaderSize) {
    return fixed;
  }
  return read_prefix(file, header_length(fixed.value()));
}

// Reads and decodes the header of the open snapshot file `file`.
Result<Header> read_header_of(const env::File& file) {
  Result<std::string> bytes = read_header_bytes(file);
  if (!bytes.is_ok()) {
    return bytes.status();
  }
  Result<Header> h = decode_header(bytes.value(), file.size());
  if (!h.is_ok()) {
    return Status(h.status().code(), "snapshot " + file.path() + ": " + h.status().message());
  }
  return h;
}

// Reads and decodes the header of the snapshot file at `path`.
Result<Header> read_header(env::FileSystem& fs, const std::string& path) {
  Result<std::unique_ptr<env::File>> opened = fs.open(path, env::OpenMode::kRead);
  if (!opened.is_ok()) {
    return opened.status();
  }
  return read_header_of(*opened.value());
}

}  // namespace

Result<SnapshotLayout> read_snapshot_layout(const env::File& file) {
  Result<Header> h = read_header_of(file);
  if (!h.is_ok()) {
    return h.status();
  }
  Header& header = h.value();
  return SnapshotLayout{std::move(header.meta), header.size, header.data_size};
}

namespace {

// kCorruption unless the header's term and index match the file name's.
Status check_name(const std::string& path, std::pair<Term, Index> named,
                  const raft::SnapshotMeta& meta) {
  if (named.first != meta.term || named.second != meta.index) {
    return corrupt(path, "header (term " + std::to_string(meta.term) + ", index " +
                             std::to_string(meta.index) + ") does not match the file name");
  }
  return Status::ok();
}

// Reads the whole file at `path` and verifies it: the checksum first (so that a damaged
// byte anywhere, the version included, is kCorruption), then the header and the size. The
// data is read straight into the string returned (a snapshot can be gigabytes: no second
// copy, no growing).
Result<Snapshot> read_verified(env::FileSystem& fs, const std::string& path) {
  Result<std::unique_ptr<env::File>> opened = fs.open(path, env::OpenMode::kRead);
  if (!opened.is_ok()) {
    return opened.status();
  }
  const env::File& file = *opened.value();
  const std::uint64_t file_size = file.size();
  Result<std::string> header = read_header_bytes(file);
  if (!header.is_ok()) {
    return header.status();
  }
  const std::string& header_bytes = header.value();
  if (file_size < kSnapshotFramingSize || file_size < header_bytes.size() + kChecksumSize) {
    return corrupt(path, "file is short (" + std::to_string(file_size) + " bytes)");
  }
  std::string data = env::zeroed_buffer(file_size - header_bytes.size() - kChecksumSize);
  char trailer[kChecksumSize];
  Status read = read_exactly(file, header_bytes.size(), data.data(), data.size());
  if (read.is_ok()) {
    read = read_exactly(file, header_bytes.size() + data.size(), trailer, sizeof(trailer));
  }
  if (!read.is_ok()) {
    return Status(read.code(), "snapshot " + path + ": " + read.message());
  }
  if (base::load_u64(trailer) != base::checksum64_concat(header_bytes, data, 0)) {
    return corrupt(path, "checksum mismatch");
  }
  Result<Header> h = decode_header(header_bytes, file_size);
  if (!h.is_ok()) {
    return Status(h.status().code(), "snapshot " + path + ": " + h.status().message());
  }
  HELIOS_ASSERT(h.value().size == header_bytes.size() && h.value().data_size == data.size());
  return Snapshot{std::move(h).value().meta, std::move(data)};
}

}  // namespace

Result<SnapshotView> verify_snapshot_image(std::string_view image, const std::string& what) {
  if (image.size() < kSnapshotFramingSize) {
    return corrupt(what, "file is short (" + std::to_string(image.size()) + " bytes)");
  }
  const std::size_t header_size = std::min(header_length(image), image.size());
  const std::string_view header_bytes = image.substr(0, header_size);
  if (image.size() < header_size + kChecksumSize) {
    return corrupt(what, "file is short (" + std::to_string(image.size()) + " bytes)");
  }
  const std::string_view data =
      image.substr(header_size, image.size() - header_size - kChecksumSize);
  if (base::load_u64(image.data() + header_size + data.size()) !=
      base::checksum64_concat(header_bytes, data, 0)) {
    return corrupt(what, "checksum mismatch");
  }
  Result<Header> h = decode_header(header_bytes, image.size());
  if (!h.is_ok()) {
    return Status(h.status().code(), "snapshot " + what + ": " + h.status().message());
  }
  HELIOS_ASSERT(h.value().size == header_size && h.value().data_size == data.size());
  return SnapshotView{std::move(h).value().meta, data};
}

Result<SnapshotLayout> arriving_snapshot_layout(std::string_view image, base::Arrival& arrival,
                                                const std::string& what) {
  if (image.size() < kSnapshotFramingSize) {
    return corrupt(what, "file is short (" + std::to_string(image.size()) + " bytes)");
  }
  const Status abandoned(Code::kAborted, "snapshot " + what + ": the transfer was abandoned");
  if (!base::await_bytes(&arrival, image, kSnapshotFixedHeaderSize)) {
    return abandoned;
  }
  const std::size_t header_size = std::min(header_length(image), image.size());
  if (image.size() < header_size + kChecksumSize) {
    return corrupt(what, "file is short (" + std::to_string(image.size()) + " bytes)");
  }
  if (!base::await_bytes(&arrival, image, header_size)) {
    return abandoned;
  }
  Result<Header> h = decode_header(image.substr(0, header_size), image.size());
  if (!h.is_ok()) {
    return Status(h.status().code(), "snapshot " + what + ": " + h.status().message());
  }
  Header& header = h.value();
  return SnapshotLayout{std::move(header.meta), header.size, header.data_size};
}

std::string snapshot_file_name(Term term, Index index) {
  char buf[kNameSize + 1];
  std::snprintf(buf, sizeof(buf), "snap-%016llx-%016llx.snap",
                static_cast<unsigned long long>(term), static_cast<unsigned long long>(index));
  return std::string(buf, kNameSize);
}

std::optional<std::pair<Term, Index>> parse_snapshot_file_name(std::string_view name) {
  if (name.size() != kNameSize || name.substr(0, kNamePrefix.size()) != kNamePrefix ||
      name.substr(kNameSize - kNameSuffix.size()) != kNameSuffix ||
      name[kNamePrefix.size() + kHexDigits] != '-') {
    return std::nullopt;
  }
  const std::optional<std::uint64_t> term = base::parse_hex16(name.substr(kNamePrefix.size(), 16));
  const std::optional<std::uint64_t> index =
      base::parse_hex16(name.substr(kNamePrefix.size() + 17, 16));
  if (!term || !index) {
    return std::nullopt;
  }
  return std::pair<Term, Index>{*term, *index};
}

std::string encode_snapshot_header(const raft::SnapshotMeta& meta, std::uint64_t data_size) {
  HELIOS_ASSERT(meta.index > 0);
  const std::string conf = raft::encode_conf_state(meta.conf_state);
  HELIOS_ASSERT(conf.size() <= kMaxSnapshotConfBytes);
  std::string h(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(h, kSnapshotVersion);
  base::put_u32(h, 0);
  base::put_u64(h, meta.index);
  base::put_u64(h, meta.term);
  base::put_u32(h, static_cast<std::uint32_t>(conf.size()));
  HELIOS_ASSERT(h.size() == kSnapshotFixedHeaderSize);
  h.append(conf);
  base::put_u64(h, data_size);
  HELIOS_ASSERT(h.size() == kSnapshotFixedHeaderSize + conf.size() + 8);
  return h;
}

SnapshotStore::SnapshotStore(env::FileSystem& fs, std::string dir, std::size_t keep)
    : fs_(fs), dir_(std::move(dir)), keep_(keep) {
  HELIOS_ASSERT(!dir_.empty());
  HELIOS_ASSERT(keep_ >= 1);
}

Status SnapshotStore::fail(Status status) {
  HELIOS_ASSERT(!status.is_ok());
  poisoned_ = status;
  return status;
}

Result<SnapshotStore::Names> SnapshotStore::scan() const {
  Result<std::vector<std::string>> entries = fs_.list(dir_);
  if (!entries.is_ok()) {
    return entries.status();
  }
  Names names;
  for (const std::string& name : entries.value()) {
    const std::string_view view(name);
    if (std::optional<std::pair<Term, Index>> parsed = parse_snapshot_file_name(view)) {
      names.snapshots.push_back(*parsed);
    } else if (view.size() >= kNameSize + kTmpSuffix.size() &&
               view.substr(view.size() - kTmpSuffix.size()) == kTmpSuffix &&
               parse_snapshot_file_name(view.substr(0, kNameSize))) {
      const bool received = view.size() >= kNameSize + kRecvSuffix.size() &&
                            view.substr(view.size() - kRecvSuffix.size()) == kRecvSuffix;
      (received ? names.received : names.temporaries).push_back(name);
    }
    // Anything else is not ours; it is left alone.
  }
  std::sort(names.snapshots.begin(), names.snapshots.end(), std::greater<>());
  return names;
}

Status SnapshotStore::write_file(const std::string& tmp_path, const raft::SnapshotMeta& meta,
                                 std::string_view data) const {
  const std::string header = encode_snapshot_header(meta, data.size());
  // Check what is about to be written (the header round-trips) before it reaches the disk.
  const std::uint64_t file_size = header.size() + data.size() + kChecksumSize;
  Result<Header> check = decode_header(header, file_size);
  HELIOS_ASSERT(check.is_ok());
  HELIOS_ASSERT(check.value().meta == meta);
  HELIOS_ASSERT(check.value().data_size == data.size());
  // The trailer is the XXH3 of everything before it (one-shot: see base/checksum.h).
  std::string covered = header;
  covered.append(data);
  std::string trailer;
  base::put_u64(trailer, base::checksum64(covered, 0));

  Result<std::unique_ptr<env::File>> opened = fs_.open(tmp_path, env::OpenMode::kCreateExclusive);
  if (!opened.is_ok()) {
    return opened.status();
  }
  env::File& file = *opened.value();
  // Written and synced in pieces (like Redis's rdb-save-incremental-fsync): one huge write
  // followed by one fdatasync floods the disk's queue, and the node's WAL fdatasyncs on the
  // same file system wait behind it for hundreds of milliseconds.
  std::uint64_t unsynced = 0;
  for (std::string_view part : {std::string_view(header), data, std::string_view(trailer)}) {
    while (!part.empty()) {
      const std::size_t n = std::min<std::size_t>(part.size(), kSnapshotWriteSliceBytes);
      if (Status s = file.append(part.data(), n); !s.is_ok()) {
        return s;
      }
      part.remove_prefix(n);
      unsynced += n;
      if (unsynced >= kSnapshotWriteSliceBytes) {
        if (Status s = file.sync(); !s.is_ok()) {
          return s;
        }
        unsynced = 0;
      }
    }
  }
  HELIOS_ASSERT(file.size() == file_size);
  return file.sync();
}

std::string SnapshotStore::path_of(const raft::SnapshotMeta& meta) const {
  return env::join_path(dir_, snapshot_file_name(meta.term, meta.index));
}

std::string SnapshotStore::received_path(const raft::SnapshotMeta& meta,
                                         std::uint64_t transfer) const {
  char id[24];
  std::snprintf(id, sizeof(id), ".%016llx", static_cast<unsigned long long>(transfer));
  return path_of(meta) + id + std::string(kRecvSuffix);
}

Status SnapshotStore::remove_received_temporaries() {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return names.status();
  }
  for (const std::string& name : names.value().received) {
    if (Status s = fs_.remove(env::join_path(dir_, name)); !s.is_ok()) {
      return s;
    }
  }
  return names.value().received.empty() ? Status::ok() : fs_.sync_dir(dir_);
}

Status SnapshotStore::check_not_older(const raft::SnapshotMeta& meta) const {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return names.status();
  }
  if (!names.value().snapshots.empty()) {
    const auto [term, index] = names.value().snapshots.front();
    if (meta.term < term || meta.index < index) {
      return Status(Code::kInvalidArgument, "snapshot (term " + std::to_string(meta.term) +
                                                ", index " + std::to_string(meta.index) +
                                                ") is older than the newest in " + dir_ +
                                                " (term " + std::to_string(term) + ", index " +
                                                std::to_string(index) + ")");
    }
  }
  return Status::ok();
}

Status SnapshotStore::write_temporary(const raft::SnapshotMeta& meta, std::string_view data) const {
  HELIOS_ASSERT(meta.index > 0);
  HELIOS_ASSERT(meta.conf_state.voters.size() <= kMaxSnapshotVoters);
  const std::string tmp_path = path_of(meta) + std::string(kTmpSuffix);
  // A stale temporary of the same name is left by a crash in an earlier save.
  if (fs_.exists(tmp_path)) {
    if (Status s = fs_.remove(tmp_path); !s.is_ok()) {
      return s;
    }
  }
  Status s = write_file(tmp_path, meta, data);
  if (!s.is_ok()) {
    (void)fs_.remove(tmp_path);  // best effort: a later prune removes it otherwise
  }
  return s;
}

Status SnapshotStore::rename_into_place(const std::string& from, const raft::SnapshotMeta& meta) {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  if (Status s = check_not_older(meta); !s.is_ok()) {
    return s;
  }
  if (Status s = fs_.rename(from, path_of(meta)); !s.is_ok()) {
    return fail(s);
  }
  if (Status s = fs_.sync_dir(dir_); !s.is_ok()) {
    return fail(s);
  }
  // The new snapshot is durable; pruning only removes what it supersedes.
  return prune();
}

Status SnapshotStore::commit(const raft::SnapshotMeta& meta) {
  return rename_into_place(path_of(meta) + std::string(kTmpSuffix), meta);
}

Status SnapshotStore::install_received(const raft::SnapshotMeta& meta, const std::string& path) {
  return rename_into_place(path, meta);
}

Status SnapshotStore::save(const raft::SnapshotMeta& meta, std::string_view data) {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  if (Status s = check_not_older(meta); !s.is_ok()) {
    return s;
  }
  if (Status s = write_temporary(meta, data); !s.is_ok()) {
    return fail(s);
  }
  return commit(meta);
}

Result<Snapshot> SnapshotStore::read_verified_file(const std::string& path) const {
  return read_verified(fs_, path);
}

Status SnapshotStore::prune() {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return fail(names.status());
  }
  const Names& n = names.value();
  HELIOS_ASSERT(!n.snapshots.empty());
  std::vector<std::string> doomed = n.temporaries;
  for (std::size_t i = keep_; i < n.snapshots.size(); ++i) {
    doomed.push_back(snapshot_file_name(n.snapshots[i].first, n.snapshots[i].second));
  }
  for (const std::string& name : doomed) {
    const std::string path = env::join_path(dir_, name);
    // Held open across the unlink when a dispose function takes it (set_dispose); a file
    // that cannot be opened is simply removed.
    std::unique_ptr<env::File> held;
    if (dispose_) {
      Result<std::unique_ptr<env::File>> opened = fs_.open(path, env::OpenMode::kRead);
      if (opened.is_ok()) {
        held = std::move(opened).value();
      }
    }
    if (Status s = fs_.remove(path); !s.is_ok()) {
      return fail(s);
    }
    if (held != nullptr) {
      dispose_(std::move(held));
    }
  }
  if (doomed.empty()) {
    return Status::ok();
  }
  if (Status s = fs_.sync_dir(dir_); !s.is_ok()) {
    return fail(s);
  }
  return Status::ok();
}

Result<std::vector<std::pair<Term, Index>>> SnapshotStore::stored() const {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return names.status();
  }
  return std::move(names).value().snapshots;
}

Result<Snapshot> SnapshotStore::load(std::pair<Term, Index> which) const {
  const std::string path = env::join_path(dir_, snapshot_file_name(which.first, which.second));
  Result<Snapshot> read = read_verified(fs_, path);
  if (!read.is_ok()) {
    return read.status();
  }
  if (Status s = check_name(path, which, read.value().meta); !s.is_ok()) {
    return s;
  }
  return read;
}

Status SnapshotStore::set_aside(std::pair<Term, Index> which) {
  const std::string path = env::join_path(dir_, snapshot_file_name(which.first, which.second));
  if (Status s = fs_.rename(path, path + ".damaged"); !s.is_ok()) {
    return s;
  }
  return fs_.sync_dir(dir_);
}

Result<std::optional<Snapshot>> SnapshotStore::load_latest() const {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return names.status();
  }
  if (names.value().snapshots.empty()) {
    return std::optional<Snapshot>();
  }
  Result<Snapshot> read = load(names.value().snapshots.front());
  if (!read.is_ok()) {
    return read.status();
  }
  return std::optional<Snapshot>(std::move(read).value());
}

Result<std::vector<raft::SnapshotMeta>> SnapshotStore::list() const {
  Result<Names> names = scan();
  if (!names.is_ok()) {
    return names.status();
  }
  std::vector<raft::SnapshotMeta> metas;
  for (const std::pair<Term, Index>& named : names.value().snapshots) {
    const std::string path = env::join_path(dir_, snapshot_file_name(named.first, named.second));
    Result<Header> h = read_header(fs_, path);
    if (!h.is_ok()) {
      return h.status();
    }
    if (Status s = check_name(path, named, h.value().meta); !s.is_ok()) {
      return s;
    }
    metas.push_back(std::move(h).value().meta);
  }
  return metas;
}

}  // namespace helios::storage
