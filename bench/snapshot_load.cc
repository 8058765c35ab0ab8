// helios-snapshot-load-bench: how long loading a snapshot of N keys takes, phase by phase,
// through the same calls a restarting node makes (SnapshotStore::load, then
// AtlasMachine::decode_snapshot_data, then AtlasMachine::restore) and the same calls a
// follower's receiver makes for an InstallSnapshot (read_verified_file, decode).
//
//   helios-snapshot-load-bench [--keys N] [--value-bytes B] [--reps R] [--dir DIR]
//                              [--replay-writes W] [--writes-per-entry E]
//
// Writes one snapshot file (SnapshotStore::save) of N keys "key:<i>" with B-byte values into
// DIR (default: a fresh directory under /tmp, removed at the end), then R times: loads it,
// decodes it, restores it into a machine, and destroys the previous state, printing each
// phase's wall time. The file is in the page cache after the first write: this measures CPU
// and memory work, not the disk. Then it replays W overwrites of random keys (E SETs per log
// entry, as a leader batches them under pipelined load) through AtlasMachine::apply, the
// work a restarting node does for the log after its snapshot.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "atlas/command.h"
#include "atlas/snapshot.h"
#include "base/bytes.h"
#include "env/posix/posix_file_system.h"
#include "node/atlas_machine.h"
#include "storage/snapshot_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "helios-snapshot-load-bench: %s\n", why.c_str());
  std::exit(1);
}

std::string machine_snapshot(std::size_t keys, std::size_t value_bytes) {
  std::vector<std::string> names;
  names.reserve(keys);
  for (std::size_t i = 0; i < keys; ++i) {
    names.push_back("key:" + std::to_string(i));
  }
  std::sort(names.begin(), names.end());
  const std::string value(value_bytes, 'v');
  std::vector<helios::atlas::SnapshotItemView> items;
  items.reserve(keys);
  for (const std::string& name : names) {
    items.push_back(helios::atlas::SnapshotItemView{name, value, 0});
  }
  std::string data = "HATLMCH1";
  helios::base::put_u64(data, 1);     // last_stamp_ms
  helios::base::put_u64(data, keys);  // commands_applied
  data += helios::atlas::encode_snapshot(items);
  return data;
}

// W SETs of random existing keys with B-byte values, E per entry, applied to `machine`.
void replay(helios::node::AtlasMachine& machine, std::size_t keys, std::size_t value_bytes,
            std::size_t writes, std::size_t per_entry) {
  std::vector<helios::raft::Entry> entries;
  std::uint64_t x = 88172645463325252ull;  // xorshift64
  for (std::size_t done = 0; done < writes;) {
    helios::atlas::Command command;
    command.stamp_ms = 2;
    for (std::size_t i = 0; i < per_entry && done < writes; ++i, ++done) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      helios::atlas::SetOp set;
      set.key = "key:" + std::to_string(x % keys);
      set.value = std::string(value_bytes, static_cast<char>('a' + done % 26));
      command.ops.emplace_back(std::move(set));
    }
    helios::raft::Entry entry;
    entry.index = entries.size() + 2;
    entry.term = 1;
    entry.data = helios::atlas::encode_command(command);
    entries.push_back(std::move(entry));
  }
  const auto start = Clock::now();
  for (const helios::raft::Entry& entry : entries) {
    (void)machine.apply(entry);
  }
  const double ms = ms_since(start);
  std::printf("replay writes %zu entries %zu apply_ms %.1f writes_per_s %.0f\n", writes,
              entries.size(), ms, static_cast<double>(writes) / (ms / 1000));
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t keys = 1'000'000;
  std::size_t value_bytes = 100;
  int reps = 3;
  std::size_t replay_writes = 1'000'000;
  std::size_t per_entry = 240;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--keys") {
      keys = std::stoull(value);
    } else if (flag == "--value-bytes") {
      value_bytes = std::stoull(value);
    } else if (flag == "--reps") {
      reps = std::stoi(value);
    } else if (flag == "--replay-writes") {
      replay_writes = std::stoull(value);
    } else if (flag == "--writes-per-entry") {
      per_entry = std::max<std::size_t>(1, std::stoull(value));
    } else if (flag == "--dir") {
      dir = value;
    } else {
      die("unknown flag " + flag);
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    char templ[] = "/tmp/helios-snapshot-load-XXXXXX";
    if (mkdtemp(templ) == nullptr) {
      die("mkdtemp failed");
    }
    dir = templ;
  }
  helios::env::PosixFileSystem fs;
  helios::storage::SnapshotStore store(fs, dir, 1);
  helios::raft::SnapshotMeta meta;
  meta.index = 1;
  meta.term = 1;
  meta.conf_state.voters = {1, 2, 3};
  {
    const std::string data = machine_snapshot(keys, value_bytes);
    auto start = Clock::now();
    if (auto s = store.save(meta, data); !s.is_ok()) {
      die(s.to_string());
    }
    std::printf("keys %zu value_bytes %zu data_bytes %zu save_ms %.1f\n", keys, value_bytes,
                data.size(), ms_since(start));
  }
  helios::node::AtlasMachine machine;
  for (int rep = 0; rep < reps; ++rep) {
    auto start = Clock::now();
    auto loaded = store.load({meta.term, meta.index});
    if (!loaded.is_ok()) {
      die(loaded.status().to_string());
    }
    const double read_ms = ms_since(start);
    start = Clock::now();
    auto decoded = helios::node::AtlasMachine::decode_snapshot_data(loaded.value().data);
    if (!decoded.is_ok()) {
      die(decoded.status().to_string());
    }
    const double decode_ms = ms_since(start);
    start = Clock::now();
    helios::node::AtlasState old = machine.restore(std::move(decoded).value());
    const double restore_ms = ms_since(start);
    start = Clock::now();
    old = helios::node::AtlasState{};
    loaded = helios::Status(helios::Code::kNotFound, "released");
    const double free_ms = ms_since(start);
    std::printf(
        "rep %d read_verified_ms %.1f decode_ms %.1f restore_ms %.1f free_ms %.1f "
        "total_ms %.1f\n",
        rep, read_ms, decode_ms, restore_ms, free_ms, read_ms + decode_ms + restore_ms + free_ms);
  }
  if (replay_writes > 0) {
    replay(machine, keys, value_bytes, replay_writes, per_entry);
  }
  if (own_dir) {
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) {
      die("could not remove " + dir);
    }
  }
  return 0;
}
