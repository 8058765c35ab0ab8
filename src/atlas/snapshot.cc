#include "atlas/snapshot.h"

#include <algorithm>
#include <cstring>

#include "atlas/command.h"
#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"

namespace helios::atlas {

namespace {

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, "atlas snapshot: " + why);
}

// Decodes the items between the header and the checksum (`body`), which has passed the
// checksum: what is left to catch here is a producer bug or a crafted input.
Status decode_items(std::string_view body, std::uint64_t count, std::uint32_t version,
                    SnapshotSink& sink) {
  const bool v1 = version == kSnapshotVersionStrings;
  // Every item takes at least its fixed header, so a count beyond that is a lie; checking it
  // first keeps reserve() bounded by the input size.
  if (count > body.size() / (v1 ? kSnapshotItemHeaderBytesV1 : kSnapshotItemHeaderBytes)) {
    return corrupt("item count " + std::to_string(count) + " does not fit in " +
                   std::to_string(body.size()) + " bytes");
  }
  sink.reserve(count);
  base::Reader r(body);
  std::string_view previous;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint32_t key_bytes = r.u32();
    const std::uint8_t type = v1 ? 0 : r.u8();
    const std::uint64_t value_bytes = v1 ? r.u32() : r.u64();
    const std::uint64_t deadline_ms = r.u64();
    if (!r.ok() || key_bytes > kMaxKeyBytes || type > kMaxObjectType ||
        (type == 0 && value_bytes > kMaxValueBytes) || value_bytes > r.remaining() ||
        key_bytes > r.remaining() - value_bytes) {
      return corrupt("item " + std::to_string(i) + " has a bad length or type");
    }
    const std::string_view key = r.bytes(key_bytes);
    const std::string_view value = r.bytes(value_bytes);
    HELIOS_ASSERT(r.ok());
    if (i > 0 && !(previous < key)) {
      return corrupt("item " + std::to_string(i) + " is out of key order");
    }
    previous = key;  // a view into `body`, which outlives the loop
    sink.add(key, value, deadline_ms, static_cast<ObjectType>(type));
  }
  if (r.remaining() != 0) {
    return corrupt(std::to_string(r.remaining()) + " bytes after the last item");
  }
  return Status::ok();
}

// Collects items into a vector (decode_snapshot).
class VectorSink final : public SnapshotSink {
 public:
  void reserve(std::uint64_t count) override { items.reserve(count); }
  void add(std::string_view key, std::string_view value, std::uint64_t deadline_ms,
           ObjectType type) override {
    items.push_back(SnapshotItem{std::string(key), std::string(value), deadline_ms, type});
  }
  std::vector<SnapshotItem> items;
};

}  // namespace

std::string encode_snapshot(const std::vector<SnapshotItemView>& items) {
  // Strings only: format 1, which the previous release reads too (docs/operations.md
  // "Upgrades": no format the previous release cannot read until it is needed).
  const bool v1 = std::all_of(items.begin(), items.end(), [](const SnapshotItemView& item) {
    return item.type == ObjectType::kString;
  });
  std::size_t size = kSnapshotHeaderBytes + kSnapshotTrailerBytes;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const SnapshotItemView& item = items[i];
    HELIOS_ASSERT(item.key.size() <= kMaxKeyBytes);
    HELIOS_ASSERT(item.type != ObjectType::kString || item.value.size() <= kMaxValueBytes);
    if (i > 0) {
      HELIOS_ASSERT(items[i - 1].key < item.key);
    }
    size += (v1 ? kSnapshotItemHeaderBytesV1 : kSnapshotItemHeaderBytes) + item.key.size() +
            item.value.size();
  }
  std::string out;
  out.reserve(size);
  out.append(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(out, v1 ? kSnapshotVersionStrings : kSnapshotVersion);
  base::put_u64(out, items.size());
  for (const SnapshotItemView& item : items) {
    base::put_u32(out, static_cast<std::uint32_t>(item.key.size()));
    if (v1) {
      base::put_u32(out, static_cast<std::uint32_t>(item.value.size()));
    } else {
      base::put_u8(out, static_cast<std::uint8_t>(item.type));
      base::put_u64(out, item.value.size());
    }
    base::put_u64(out, item.deadline_ms);
    out.append(item.key);
    out.append(item.value);
  }
  base::put_u64(out, base::checksum64(out, kSnapshotChecksumSeed));
  HELIOS_ASSERT(out.size() == size);
  return out;
}

Status decode_snapshot_into(std::string_view bytes, SnapshotSink& sink) {
  if (bytes.size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    return corrupt("only " + std::to_string(bytes.size()) + " bytes");
  }
  if (std::memcmp(bytes.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
    return corrupt("bad magic (not an ATLAS snapshot)");
  }
  base::Reader header(bytes.substr(sizeof(kSnapshotMagic), 4 + 8));
  const std::uint32_t version = header.u32();
  const std::uint64_t count = header.u64();
  HELIOS_ASSERT(header.ok());
  if (version != kSnapshotVersion && version != kSnapshotVersionStrings) {
    return Status(Code::kInvalidArgument, "atlas snapshot: format version " +
                                              std::to_string(version) +
                                              " is not supported (this build reads versions 1 to " +
                                              std::to_string(kSnapshotVersion) + ")");
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - kSnapshotTrailerBytes);
  const std::uint64_t stored = base::load_u64(bytes.data() + covered.size());
  if (stored != base::checksum64(covered, kSnapshotChecksumSeed)) {
    return corrupt("checksum mismatch");
  }
  return decode_items(covered.substr(kSnapshotHeaderBytes), count, version, sink);
}

Result<std::vector<SnapshotItem>> decode_snapshot(std::string_view bytes) {
  VectorSink sink;
  if (Status s = decode_snapshot_into(bytes, sink); !s.is_ok()) {
    return s;
  }
  return std::move(sink.items);
}

}  // namespace helios::atlas
