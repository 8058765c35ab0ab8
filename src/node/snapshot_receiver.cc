#include "node/snapshot_receiver.h"

#include <chrono>

#include "base/assert.h"
#include "base/log.h"
#include "wire/snapshot_chunk.h"

namespace helios::node {

namespace {
// The largest snapshot file a receiver accepts (a bound on what a peer can make it write).
constexpr std::uint64_t kMaxSnapshotFileBytes = std::uint64_t{1} << 40;
}  // namespace

// ---------------------------------------------------------------------------------------
// SnapshotDecoding.

SnapshotDecoding::SnapshotDecoding(std::uint64_t total, raft::SnapshotMeta expected,
                                   std::string path)
    : bytes_(static_cast<std::size_t>(total)),
      expected_(std::move(expected)),
      path_(std::move(path)),
      thread_([this]() { run(); }) {}

SnapshotDecoding::~SnapshotDecoding() {
  bytes_.abandon();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void SnapshotDecoding::run() {
  const std::string_view whole = bytes_.whole();
  Result<storage::SnapshotLayout> layout = storage::arriving_snapshot_layout(whole, bytes_, path_);
  if (!layout.is_ok()) {
    status_ = layout.status();
  } else if (!(layout.value().meta == expected_)) {
    status_ = Status(Code::kCorruption, "metadata differs from the message");
  } else {
    Result<AtlasState> decoded = AtlasMachine::decode_snapshot_data(
        whole.substr(layout.value().data_offset, layout.value().data_size), &bytes_);
    if (!decoded.is_ok()) {
      status_ = decoded.status();
    } else if (!bytes_.reached(whole.data() + whole.size())) {
      status_ = Status(Code::kAborted, "the transfer was abandoned");
    } else if (Result<storage::SnapshotView> verified =
                   storage::verify_snapshot_image(whole, path_);
               !verified.is_ok()) {
      status_ = verified.status();  // the state decoded is thrown away here, on this thread
    } else {
      state_ = std::make_shared<AtlasState>(std::move(decoded).value());
    }
  }
  finished_at_ = std::chrono::steady_clock::now();
}

Result<std::shared_ptr<AtlasState>> SnapshotDecoding::finish() {
  HELIOS_ASSERT(thread_.joinable());
  thread_.join();
  if (!status_.is_ok()) {
    return status_;
  }
  HELIOS_ASSERT(state_ != nullptr);
  return state_;
}

// ---------------------------------------------------------------------------------------
// SnapshotReceiver.

SnapshotReceiver::SnapshotReceiver(env::Loop& loop, env::Loop& worker, env::FileSystem& fs,
                                   storage::SnapshotStore& store, NodeId self, Ready ready,
                                   std::uint64_t sync_slice_bytes)
    : loop_(loop),
      worker_(worker),
      fs_(fs),
      store_(store),
      self_(self),
      ready_(std::move(ready)),
      sync_slice_bytes_(sync_slice_bytes) {}

SnapshotReceiver::~SnapshotReceiver() {
  // Stop every decoding before the thread that waits for its bytes is joined.
  for (auto& [from, t] : transfers_) {
    t.decoding->bytes().abandon();
  }
}

void SnapshotReceiver::drop(NodeId from, const std::string& why) {
  auto it = transfers_.find(from);
  HELIOS_LOG_WARN("snapshot", "dropping snapshot transfer from node %llu: %s",
                  static_cast<unsigned long long>(from), why.c_str());
  if (it == transfers_.end()) {
    return;
  }
  it->second.file.reset();
  (void)fs_.remove(it->second.path);
  // The decoding stops at once; what it built and the bytes received so far (up to a whole
  // snapshot) are freed on the worker, as after a complete transfer: unmapping a gigabyte
  // takes long enough to delay heartbeats.
  it->second.decoding->bytes().abandon();
  worker_.post([decoding = std::move(it->second.decoding)]() mutable { decoding.reset(); });
  transfers_.erase(it);
}

void SnapshotReceiver::on_chunk(NodeId from, std::string_view body) {
  Result<wire::SnapshotChunk> decoded = wire::decode_snapshot_chunk(body);
  if (!decoded.is_ok()) {
    drop(from, decoded.status().to_string());
    return;
  }
  wire::SnapshotChunk& chunk = decoded.value();
  const raft::Message& m = chunk.message;
  if (m.from != from || m.to != self_ || m.snapshot.index == 0 ||
      chunk.total > kMaxSnapshotFileBytes) {
    drop(from, "a chunk whose message names other nodes or an impossible snapshot");
    return;
  }
  auto it = transfers_.find(from);
  if (chunk.offset == 0 && (it == transfers_.end() || it->second.id != chunk.transfer_id)) {
    for (const auto& [sender, under_way] : transfers_) {
      if (under_way.message.term > m.term) {
        // A deposed leader's: the core would refuse it anyway (a lower term), and it must
        // not cost the current leader's transfer.
        HELIOS_LOG_WARN("snapshot",
                        "ignoring a snapshot transfer from node %llu of term %llu: node %llu's "
                        "of term %llu is under way",
                        static_cast<unsigned long long>(from),
                        static_cast<unsigned long long>(m.term),
                        static_cast<unsigned long long>(sender),
                        static_cast<unsigned long long>(under_way.message.term));
        return;
      }
    }
    while (!transfers_.empty()) {
      drop(transfers_.begin()->first, "a new transfer replaces it");
    }
    Transfer t;
    t.id = chunk.transfer_id;
    t.message = m;
    t.total = chunk.total;
    t.path = store_.received_path(m.snapshot, chunk.transfer_id);
    if (fs_.exists(t.path)) {
      (void)fs_.remove(t.path);
    }
    Result<std::unique_ptr<env::File>> file = fs_.open(t.path, env::OpenMode::kCreateExclusive);
    if (!file.is_ok()) {
      HELIOS_LOG_WARN("snapshot", "cannot receive a snapshot into %s: %s", t.path.c_str(),
                      file.status().to_string().c_str());
      return;
    }
    t.file = std::move(file).value();
    t.syncs = std::make_shared<Syncs>();
    try {
      raft::SnapshotMeta expected = m.snapshot;
      if (bug_forgets_conf_) {  // PLANTED BUG: the configuration is not expected
        expected.conf_state = raft::ConfState{};
      }
      t.decoding = std::make_shared<SnapshotDecoding>(chunk.total, std::move(expected), t.path);
    } catch (const std::exception& e) {  // std::bad_alloc, or no thread to decode on
      HELIOS_LOG_WARN("snapshot", "cannot hold and decode a snapshot of %llu bytes: %s; refused",
                      static_cast<unsigned long long>(chunk.total), e.what());
      t.file.reset();
      (void)fs_.remove(t.path);
      return;
    }
    HELIOS_LOG_INFO("snapshot", "receiving snapshot %llu/%llu (%llu bytes) from node %llu",
                    static_cast<unsigned long long>(m.snapshot.index),
                    static_cast<unsigned long long>(m.snapshot.term),
                    static_cast<unsigned long long>(chunk.total),
                    static_cast<unsigned long long>(from));
    it = transfers_.emplace(from, std::move(t)).first;
  }
  if (it == transfers_.end() || it->second.id != chunk.transfer_id) {
    return;  // the middle of a transfer we are not following: ignore it
  }
  Transfer& t = it->second;
  if (bug_fills_gaps_ && chunk.offset > t.next_offset && chunk.offset < t.total &&
      chunk.total == t.total && m == t.message) {
    // PLANTED BUG (receiver-fills-gaps): the lost bytes become zeros.
    const std::string zeros(chunk.offset - t.next_offset, '\0');
    (void)t.file->append(zeros.data(), zeros.size());
    t.decoding->bytes().append(zeros);
    t.next_offset = chunk.offset;
  }
  if (chunk.offset != t.next_offset || chunk.total != t.total || !(m == t.message)) {
    drop(from, "out-of-order or inconsistent chunk at offset " + std::to_string(chunk.offset));
    return;
  }
  if (Status s = t.file->append(chunk.data.data(), chunk.data.size()); !s.is_ok()) {
    drop(from, s.to_string());
    return;
  }
  t.decoding->bytes().append(chunk.data);
  t.next_offset += chunk.data.size();
  if (t.next_offset == t.total) {
    complete(from);
  } else if (t.next_offset - t.synced_offset >= sync_slice_bytes_ && !bug_skips_sync_) {
    sync_while_receiving(t);
  }
}

void SnapshotReceiver::sync_while_receiving(Transfer& t) {
  if (t.syncs->busy.exchange(true)) {
    return;  // the last one is still running: the next chunk asks again
  }
  t.synced_offset = t.next_offset;
  worker_.post([file = t.file, syncs = t.syncs, path = t.path]() {
    if (Status s = file->sync(); !s.is_ok()) {
      HELIOS_LOG_WARN("snapshot", "syncing %s while receiving it: %s", path.c_str(),
                      s.to_string().c_str());
      syncs->failed = true;  // a later sync may succeed although these bytes were lost
    }
    syncs->busy = false;
  });
}

void SnapshotReceiver::complete(NodeId from) {
  auto it = transfers_.find(from);
  HELIOS_ASSERT(it != transfers_.end());
  std::shared_ptr<env::File> file = std::move(it->second.file);
  std::shared_ptr<SnapshotDecoding> decoding = std::move(it->second.decoding);
  std::shared_ptr<Syncs> syncs = std::move(it->second.syncs);
  const raft::Message m = it->second.message;
  const std::string path = it->second.path;
  const std::uint64_t id = it->second.id;
  transfers_.erase(it);
  // Sync and wait for the decoding on the worker (after any sync still queued there).
  using Clock = std::chrono::steady_clock;
  const Clock::time_point last_byte = Clock::now();
  // Moved, not copied: the worker must hold the last reference, so that the received bytes
  // and anything else of the transfer are freed there, never on the loop.
  worker_.post([this, file = std::move(file), decoding = std::move(decoding),
                syncs = std::move(syncs), m, path, id, last_byte]() mutable {
    const auto ms_since = [](Clock::time_point t, Clock::time_point now) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - t).count());
    };
    // PLANTED BUG (receiver-skips-sync): the file is installed unsynced.
    Status s = bug_skips_sync_ ? Status::ok() : file->sync();
    if (s.is_ok() && syncs->failed) {
      s = Status(Code::kIoError, "a sync failed while the file was received");
    }
    file.reset();
    const long long sync_ms = ms_since(last_byte, Clock::now());
    Result<std::shared_ptr<AtlasState>> decoded = decoding->finish();
    std::shared_ptr<AtlasState> state;
    if (s.is_ok() && decoded.is_ok()) {
      state = std::move(decoded).value();
      HELIOS_LOG_INFO("snapshot",
                      "received snapshot %s: last sync %lld ms; decoded while it arrived and "
                      "verified %lld ms after the last byte",
                      path.c_str(), sync_ms, ms_since(last_byte, decoding->finished_at()));
    } else if (s.is_ok()) {
      s = decoded.status();
    }
    decoding.reset();  // the received bytes are freed here, not on the loop
    loop_.post([this, m, path, id, state, s]() {
      if (state == nullptr) {
        HELIOS_LOG_WARN("snapshot", "received snapshot %s refused: %s", path.c_str(),
                        s.to_string().c_str());
        (void)fs_.remove(path);
        if (verdict_) {
          verdict_(m, id, s);
        }
        return;
      }
      if (verdict_) {
        verdict_(m, id, Status::ok());
      }
      ready_(m, path, state);
    });
  });
}

// ---------------------------------------------------------------------------------------
// Installing what arrived.

IncomingSnapshot incoming_snapshot(storage::SnapshotStore& store, env::FileSystem& fs,
                                   AtlasMachine& machine, const raft::SnapshotMeta& meta,
                                   const std::string& path, std::shared_ptr<AtlasState> state,
                                   std::function<void(AtlasState old)> dispose_old) {
  HELIOS_ASSERT(state != nullptr);
  return IncomingSnapshot{
      .persist = [&store, meta, path]() { return store.install_received(meta, path); },
      .restore =
          [&machine, state, dispose_old = std::move(dispose_old)]() {
            AtlasState old = machine.restore(std::move(*state));
            if (dispose_old) {
              dispose_old(std::move(old));
            }
          },
      .discard = [&fs, path]() { (void)fs.remove(path); }};
}

}  // namespace helios::node
