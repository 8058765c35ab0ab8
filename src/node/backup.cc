#include "node/backup.h"

#include "node/atlas_machine.h"

namespace helios::node {

Result<CheckedBackup> read_backup_file(env::FileSystem& fs, const std::string& path) {
  const auto named = [&path](const Status& s) {
    return Status(s.code(), path + ": " + s.message());
  };
  Result<std::string> bytes = env::read_file(fs, path);
  if (!bytes.is_ok()) {
    return bytes.status();  // names the file
  }
  Result<storage::VerifiedBackup> verified = storage::verify_backup(bytes.value());
  if (!verified.is_ok()) {
    return named(verified.status());
  }
  CheckedBackup out;
  out.header = std::move(verified.value().header);
  out.data_offset = verified.value().data_offset;
  out.bytes = std::move(bytes).value();
  Result<AtlasState> state = AtlasMachine::decode_snapshot_data(out.data());
  if (!state.is_ok()) {
    return named(Status(Code::kCorruption, "backup: the state machine data does not decode: " +
                                               state.status().message()));
  }
  out.keys = state.value().store.item_count();
  out.digest_hex = state.value().store.digest_hex();
  out.commands_applied = state.value().commands_applied;
  return out;
}

}  // namespace helios::node
