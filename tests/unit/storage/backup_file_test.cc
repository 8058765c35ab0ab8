// Backup files: the codec's round trip, and a refusal for every kind of damage (truncated at
// every length, bad magic, a newer version, every single flipped byte, malformed fields);
// the streaming checksum the node uses to produce them; the snapshot layout it streams from.
#include "storage/backup_file.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "env/sim/sim_file_system.h"
#include "storage/snapshot_store.h"

namespace helios::storage {
namespace {

BackupHeader header(std::uint64_t data_size) {
  BackupHeader h;
  h.index = 12345;
  h.term = 7;
  h.created_unix_ms = 1'700'000'000'123;
  h.cluster_id = "helios-quickstart";
  h.node_id = "2";
  h.data_size = data_size;
  return h;
}

// A whole backup file holding `data`.
std::string file_with(const BackupHeader& h, const std::string& data) {
  std::string out = encode_backup_header(h) + data;
  base::put_u64(out, base::checksum64(out, 0));
  return out;
}

std::string some_data(std::size_t size) {
  std::string d;
  for (std::size_t i = 0; i < size; ++i) {
    d.push_back(static_cast<char>((i * 131 + 17) & 0xff));
  }
  return d;
}

TEST(BackupFile, RoundTrip) {
  const std::string data = some_data(1000);
  const BackupHeader h = header(data.size());
  const std::string file = file_with(h, data);
  EXPECT_EQ(file.size(), kBackupFramingSize + h.cluster_id.size() + h.node_id.size() + data.size());
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v.value().header, h);
  EXPECT_EQ(file.substr(v.value().data_offset, data.size()), data);
  Result<DecodedBackupHeader> d = decode_backup_header(file);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(backup_file_size(d.value()), file.size());
}

TEST(BackupFile, EmptyDataAndLongestIds) {
  BackupHeader h = header(0);
  h.cluster_id = std::string(kMaxIdBytes, 'c');
  h.node_id = std::string(kMaxIdBytes, 'n');
  const std::string file = file_with(h, "");
  EXPECT_EQ(encode_backup_header(h).size(), kMaxBackupHeaderSize);
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v.value().header, h);
}

TEST(BackupFile, EveryTruncationIsRefused) {
  const std::string data = some_data(100);
  const std::string file = file_with(header(data.size()), data);
  for (std::size_t size = 0; size < file.size(); ++size) {
    Result<VerifiedBackup> v = verify_backup(std::string_view(file).substr(0, size));
    ASSERT_FALSE(v.is_ok()) << "truncated to " << size;
    EXPECT_EQ(v.status().code(), Code::kCorruption) << size << ": " << v.status().to_string();
  }
}

TEST(BackupFile, TrailingBytesAreRefused) {
  const std::string data = some_data(10);
  const std::string file = file_with(header(data.size()), data) + "x";
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), Code::kCorruption);
}

TEST(BackupFile, BadMagicIsRefused) {
  std::string file = file_with(header(3), "abc");
  file[0] = 'X';
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), Code::kCorruption);
  EXPECT_NE(v.status().message().find("magic"), std::string::npos);
  // A snapshot file is not a backup.
  EXPECT_FALSE(decode_backup_header(
                   encode_snapshot_header(raft::SnapshotMeta{5, 1, raft::ConfState{{1}}}, 0))
                   .is_ok());
}

TEST(BackupFile, NewerVersionIsRefusedAsSuch) {
  std::string file = file_with(header(3), "abc");
  char* version = file.data() + 8;
  base::store_u64(version, 0);  // clears the reserved field too, which stays 0
  version[0] = static_cast<char>(kBackupVersion + 1);
  // Re-seal so that only the version is wrong.
  file.resize(file.size() - 8);
  base::put_u64(file, base::checksum64(file, 0));
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find("newer"), std::string::npos);
  // Even a header cut right after the version says so.
  Result<DecodedBackupHeader> d = decode_backup_header(std::string_view(file).substr(0, 12));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
}

TEST(BackupFile, EveryFlippedByteIsRefused) {
  const std::string data = some_data(64);
  const std::string file = file_with(header(data.size()), data);
  for (std::size_t i = 0; i < file.size(); ++i) {
    for (const char mask : {'\x01', '\x80'}) {
      std::string damaged = file;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      Result<VerifiedBackup> v = verify_backup(damaged);
      ASSERT_FALSE(v.is_ok()) << "byte " << i << " mask " << int(mask);
    }
  }
}

TEST(BackupFile, BadChecksumIsNamed) {
  std::string file = file_with(header(3), "abc");
  file[file.size() - 10] ^= 0x10;  // a data byte ("abc" precedes the 8-byte checksum)
  Result<VerifiedBackup> v = verify_backup(file);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), Code::kCorruption);
  EXPECT_NE(v.status().message().find("checksum"), std::string::npos);
}

// Fields that are well framed but wrong, each sealed with a valid checksum.
TEST(BackupFile, MalformedFieldsAreRefused) {
  const std::string good = file_with(header(3), "abc");
  const auto sealed = [](std::string body) {
    body.resize(body.size() - 8);
    base::put_u64(body, base::checksum64(body, 0));
    return body;
  };
  std::vector<std::pair<const char*, std::string>> cases;
  std::string f = good;
  f[12] = 1;  // reserved
  cases.emplace_back("reserved", sealed(f));
  f = good;
  base::store_u64(f.data() + 16, 0);  // index 0
  cases.emplace_back("index 0", sealed(f));
  f = good;
  base::store_u64(f.data() + 24, 0);  // term 0
  cases.emplace_back("term 0", sealed(f));
  f = good;
  f[41] = '/';  // a character ids may not hold
  cases.emplace_back("bad id", sealed(f));
  f = good;
  f[40] = 0;  // an empty cluster id
  cases.emplace_back("empty id", sealed(f));
  f = good;
  f[8] = 0;  // version 0
  cases.emplace_back("version 0", sealed(f));
  for (const auto& [what, bytes] : cases) {
    Result<VerifiedBackup> v = verify_backup(bytes);
    ASSERT_FALSE(v.is_ok()) << what;
    EXPECT_EQ(v.status().code(), Code::kCorruption) << what << ": " << v.status().to_string();
  }
  // A data length so large that the size would overflow.
  std::string huge = encode_backup_header(header(0));
  base::store_u64(huge.data() + huge.size() - 8, UINT64_MAX - 4);
  EXPECT_FALSE(decode_backup_header(huge).is_ok());
}

TEST(Checksum64Stream, EqualsOneShotWhateverThePieces) {
  const std::string data = some_data(5000);
  const std::uint64_t whole = base::checksum64(data, 0);
  for (std::size_t piece : {1u, 7u, 64u, 1000u, 5000u}) {
    base::Checksum64Stream stream(0);
    for (std::size_t at = 0; at < data.size(); at += piece) {
      stream.update(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(stream.digest(), whole) << piece;
  }
  EXPECT_EQ(base::checksum64_concat("abc", "def", 9), base::checksum64("abcdef", 9));
}

TEST(SnapshotLayout, FindsTheDataOfAStoredSnapshot) {
  env::SimFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/snap").is_ok());
  SnapshotStore store(fs, "/snap");
  const raft::SnapshotMeta meta{42, 3, raft::ConfState{{1, 2, 3}}};
  const std::string data = some_data(777);
  ASSERT_TRUE(store.save(meta, data).is_ok());
  Result<std::unique_ptr<env::File>> file = fs.open(store.path_of(meta), env::OpenMode::kRead);
  ASSERT_TRUE(file.is_ok());
  Result<SnapshotLayout> layout = read_snapshot_layout(*file.value());
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
  EXPECT_EQ(layout.value().meta, meta);
  EXPECT_EQ(layout.value().data_size, data.size());
  std::string read(data.size(), '\0');
  Result<std::size_t> n =
      file.value()->read_at(layout.value().data_offset, read.data(), read.size());
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(read, data);
}

}  // namespace
}  // namespace helios::storage
