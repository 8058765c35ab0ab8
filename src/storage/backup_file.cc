#include "storage/backup_file.h"

#include <cstring>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"

namespace helios::storage {

namespace {

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, "backup: " + why);
}

void put_id(std::string& out, const std::string& id) {
  HELIOS_ASSERT(validate_id("id", id).is_ok());
  base::put_u8(out, static_cast<std::uint8_t>(id.size()));
  out.append(id);
}

// One id: its length byte, then its bytes. Empty on a short read (the caller checks ok()).
std::string_view take_id(base::Reader& r) {
  const std::uint8_t size = r.u8();
  return r.bytes(size);
}

}  // namespace

std::string encode_backup_header(const BackupHeader& h) {
  HELIOS_ASSERT(h.index > 0 && h.term > 0);
  std::string out(kBackupMagic, sizeof(kBackupMagic));
  base::put_u32(out, kBackupVersion);
  base::put_u32(out, 0);
  base::put_u64(out, h.index);
  base::put_u64(out, h.term);
  base::put_u64(out, h.created_unix_ms);
  put_id(out, h.cluster_id);
  put_id(out, h.node_id);
  base::put_u64(out, h.data_size);
  return out;
}

Result<DecodedBackupHeader> decode_backup_header(std::string_view bytes) {
  base::Reader r(bytes);
  const std::string_view magic = r.bytes(sizeof(kBackupMagic));
  const std::uint32_t version = r.u32();
  if (!r.ok()) {
    return corrupt("too short for a header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (std::memcmp(magic.data(), kBackupMagic, sizeof(kBackupMagic)) != 0) {
    return corrupt("not a Helios backup (bad magic)");
  }
  if (version > kBackupVersion) {
    return Status(Code::kInvalidArgument, "backup format version " + std::to_string(version) +
                                              " is newer than this build reads (" +
                                              std::to_string(kBackupVersion) +
                                              "): use a newer Helios");
  }
  if (version == 0) {
    return corrupt("malformed header (version 0)");
  }
  const std::uint32_t reserved = r.u32();
  DecodedBackupHeader d;
  d.header.index = r.u64();
  d.header.term = r.u64();
  d.header.created_unix_ms = r.u64();
  const std::string_view cluster = take_id(r);
  const std::string_view node = take_id(r);
  d.header.data_size = r.u64();
  if (!r.ok()) {
    return corrupt("too short for a header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (reserved != 0 || d.header.index == 0 || d.header.term == 0) {
    return corrupt("malformed header (reserved field, index or term)");
  }
  if (!validate_id("cluster id", cluster).is_ok() || !validate_id("node id", node).is_ok()) {
    return corrupt("malformed header (an id)");
  }
  d.header.cluster_id = std::string(cluster);
  d.header.node_id = std::string(node);
  d.size = bytes.size() - r.remaining();
  if (d.header.data_size > UINT64_MAX - d.size - kBackupChecksumSize) {
    return corrupt("malformed header (data length " + std::to_string(d.header.data_size) + ")");
  }
  return d;
}

std::uint64_t backup_file_size(const DecodedBackupHeader& decoded) {
  return decoded.size + decoded.header.data_size + kBackupChecksumSize;
}

Result<VerifiedBackup> verify_backup(std::string_view bytes) {
  Result<DecodedBackupHeader> decoded = decode_backup_header(bytes);
  if (!decoded.is_ok()) {
    return decoded.status();
  }
  const std::uint64_t expected = backup_file_size(decoded.value());
  if (bytes.size() != expected) {
    return corrupt("the file is " + std::to_string(bytes.size()) +
                   " bytes but its header announces " + std::to_string(expected) +
                   (bytes.size() < expected ? " (truncated)" : ""));
  }
  const std::size_t body = bytes.size() - kBackupChecksumSize;
  const std::uint64_t stored = base::load_u64(bytes.data() + body);
  if (base::checksum64(bytes.substr(0, body), 0) != stored) {
    return corrupt("checksum mismatch (the file is damaged)");
  }
  const std::size_t data_offset = decoded.value().size;
  return VerifiedBackup{std::move(decoded).value().header, data_offset};
}

}  // namespace helios::storage
