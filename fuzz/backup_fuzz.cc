// libFuzzer target for the backup file codec (src/storage/backup_file.h) and the in-memory
// snapshot file check of a received InstallSnapshot (storage::verify_snapshot_image). Each
// input is used as a whole file, and sealed with a valid checksum so that mutations get past
// it to the header and size checks. A backup header that decodes must re-encode to the same
// bytes; a file that verifies must have been decoded to the same header, its data inside the
// file; a snapshot image that verifies has its data between its header and its checksum.
//
//   build/fuzz/bin/backup_fuzz -max_total_time=60 build/fuzz/corpus-backup
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "storage/backup_file.h"
#include "storage/snapshot_store.h"

namespace {

using namespace helios;
using namespace helios::storage;

void check(std::string_view bytes) {
  Result<DecodedBackupHeader> d = decode_backup_header(bytes);
  if (d.is_ok()) {
    const std::string again = encode_backup_header(d.value().header);
    HELIOS_ASSERT(again.size() == d.value().size);
    HELIOS_ASSERT(bytes.substr(0, again.size()) == again);
  }
  Result<VerifiedBackup> v = verify_backup(bytes);
  if (v.is_ok()) {
    HELIOS_ASSERT(d.is_ok() && v.value().header == d.value().header);
    HELIOS_ASSERT(v.value().data_offset == d.value().size);
    HELIOS_ASSERT(bytes.size() == backup_file_size(d.value()));
  }
  Result<SnapshotView> s = verify_snapshot_image(bytes, "input");
  if (s.is_ok()) {
    const std::string_view data = s.value().data;
    HELIOS_ASSERT(data.data() >= bytes.data() + kSnapshotFixedHeaderSize);
    HELIOS_ASSERT(data.data() + data.size() + 8 == bytes.data() + bytes.size());
    HELIOS_ASSERT(s.value().meta.index != 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  std::string sealed(input);
  base::put_u64(sealed, base::checksum64(sealed, 0));
  check(sealed);
  return 0;
}
