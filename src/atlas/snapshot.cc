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

std::size_t item_header_bytes(std::uint32_t version) {
  switch (version) {
    case kSnapshotVersionStrings:
      return kSnapshotItemHeaderBytesV1;
    case kSnapshotVersionTypes:
      return kSnapshotItemHeaderBytesV2;
    default:
      return kSnapshotItemHeaderBytes;
  }
}

Status abandoned() {
  return Status(Code::kAborted, "atlas snapshot: the transfer was abandoned");
}

// Decodes the items between the header and the checksum (`body`), which has passed the
// checksum unless its bytes are still arriving (`arrival`): what is left to catch here is a
// producer bug or a crafted input.
Status decode_items(std::string_view body, std::uint64_t count, std::uint32_t version,
                    std::uint64_t applied_index, std::uint64_t versions_since, SnapshotSink& sink,
                    base::Arrival* arrival) {
  const bool v1 = version == kSnapshotVersionStrings;
  const bool versioned = version >= kSnapshotVersionKeyVersions;
  // Every item takes at least its fixed header, so a count beyond that is a lie; checking it
  // first keeps reserve() bounded by the input size.
  if (count > body.size() / item_header_bytes(version)) {
    return corrupt("item count " + std::to_string(count) + " does not fit in " +
                   std::to_string(body.size()) + " bytes");
  }
  sink.reserve(count);
  base::Reader r(body);
  std::string_view previous;
  const std::size_t item_header = item_header_bytes(version);
  const auto offset = [&]() { return body.size() - r.remaining(); };
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!base::await_bytes(arrival, body, offset() + item_header)) {
      return abandoned();
    }
    const std::uint32_t key_bytes = r.u32();
    const std::uint8_t type = v1 ? 0 : r.u8();
    const std::uint64_t value_bytes = v1 ? r.u32() : r.u64();
    const std::uint64_t deadline_ms = r.u64();
    const std::uint64_t key_version = versioned ? r.u64() : 0;
    if (!r.ok() || key_bytes > kMaxKeyBytes || type > kMaxObjectType ||
        (type == 0 && value_bytes > kMaxValueBytes) || value_bytes > r.remaining() ||
        key_bytes > r.remaining() - value_bytes) {
      return corrupt("item " + std::to_string(i) + " has a bad length or type");
    }
    if (!base::await_bytes(arrival, body, offset() + key_bytes + value_bytes)) {
      return abandoned();
    }
    const std::string_view key = r.bytes(key_bytes);
    const std::string_view value = r.bytes(value_bytes);
    HELIOS_ASSERT(r.ok());
    if (versioned && key_version > applied_index) {
      return corrupt("item " + std::to_string(i) + " has a version above the applied index");
    }
    if (key_version < versions_since) {
      return corrupt("item " + std::to_string(i) + " has a version below versions since");
    }
    if (i > 0 && !(previous < key)) {
      return corrupt("item " + std::to_string(i) + " is out of key order");
    }
    previous = key;  // a view into `body`, which outlives the loop
    sink.add(key, value, deadline_ms, static_cast<ObjectType>(type), key_version);
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
  void add(std::string_view key, std::string_view value, std::uint64_t deadline_ms, ObjectType type,
           std::uint64_t version) override {
    items.push_back(SnapshotItem{std::string(key), std::string(value), deadline_ms, type, version});
  }
  std::vector<SnapshotItem> items;
};

}  // namespace

std::string encode_snapshot(const std::vector<SnapshotItemView>& items, std::uint64_t applied_index,
                            std::uint64_t versions_since) {
  // The oldest format that holds the items (docs/operations.md "Upgrades": no format an
  // older release cannot read until it is needed): before versions started, format 2, or
  // format 1, which the release before the data types reads, when every item is a string.
  const bool versioned = versions_since != 0;
  HELIOS_ASSERT(versions_since <= applied_index);
  const bool v1 =
      !versioned && std::all_of(items.begin(), items.end(), [](const SnapshotItemView& item) {
        return item.type == ObjectType::kString;
      });
  const std::uint32_t format =
      versioned ? kSnapshotVersion : (v1 ? kSnapshotVersionStrings : kSnapshotVersionTypes);
  std::size_t size =
      (versioned ? kSnapshotHeaderBytesV4 : kSnapshotHeaderBytes) + kSnapshotTrailerBytes;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const SnapshotItemView& item = items[i];
    HELIOS_ASSERT(item.key.size() <= kMaxKeyBytes);
    HELIOS_ASSERT(item.type != ObjectType::kString || item.value.size() <= kMaxValueBytes);
    if (i > 0) {
      HELIOS_ASSERT(items[i - 1].key < item.key);
    }
    HELIOS_ASSERT(!versioned || (versions_since <= item.version && item.version <= applied_index));
    size += item_header_bytes(format) + item.key.size() + item.value.size();
  }
  std::string out;
  out.reserve(size);
  out.append(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(out, format);
  base::put_u64(out, items.size());
  if (versioned) {
    base::put_u64(out, applied_index);
    base::put_u64(out, versions_since);
  }
  for (const SnapshotItemView& item : items) {
    base::put_u32(out, static_cast<std::uint32_t>(item.key.size()));
    if (v1) {
      base::put_u32(out, static_cast<std::uint32_t>(item.value.size()));
    } else {
      base::put_u8(out, static_cast<std::uint8_t>(item.type));
      base::put_u64(out, item.value.size());
    }
    base::put_u64(out, item.deadline_ms);
    if (versioned) {
      base::put_u64(out, item.version);
    }
    out.append(item.key);
    out.append(item.value);
  }
  base::put_u64(out, base::checksum64(out, kSnapshotChecksumSeed));
  HELIOS_ASSERT(out.size() == size);
  return out;
}

Status decode_snapshot_into(std::string_view bytes, SnapshotSink& sink, base::Arrival* arrival) {
  if (bytes.size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    return corrupt("only " + std::to_string(bytes.size()) + " bytes");
  }
  if (!base::await_bytes(arrival, bytes, kSnapshotHeaderBytesV4)) {
    return abandoned();
  }
  if (std::memcmp(bytes.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
    return corrupt("bad magic (not an ATLAS snapshot)");
  }
  base::Reader header(bytes.substr(sizeof(kSnapshotMagic), 4 + 8));
  const std::uint32_t version = header.u32();
  const std::uint64_t count = header.u64();
  HELIOS_ASSERT(header.ok());
  if (version < kSnapshotVersionStrings || version > kSnapshotVersion) {
    return Status(Code::kInvalidArgument, "atlas snapshot: format version " +
                                              std::to_string(version) +
                                              " is not supported (this build reads versions 1 to " +
                                              std::to_string(kSnapshotVersion) + ")");
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - kSnapshotTrailerBytes);
  const auto verify_checksum = [&]() {
    const std::uint64_t stored = base::load_u64(bytes.data() + covered.size());
    return stored == base::checksum64(covered, kSnapshotChecksumSeed)
               ? Status::ok()
               : corrupt("checksum mismatch");
  };
  if (arrival == nullptr) {
    if (Status s = verify_checksum(); !s.is_ok()) {
      return s;
    }
  }
  std::uint64_t applied_index = 0;
  std::uint64_t versions_since = 0;
  std::size_t header_bytes = kSnapshotHeaderBytes;
  if (version >= kSnapshotVersionKeyVersions) {
    header_bytes = version == kSnapshotVersion ? kSnapshotHeaderBytesV4 : kSnapshotHeaderBytesV3;
    if (covered.size() < header_bytes) {
      return corrupt("only " + std::to_string(bytes.size()) + " bytes");
    }
    applied_index = base::load_u64(covered.data() + kSnapshotHeaderBytes);
    if (version == kSnapshotVersion) {
      versions_since = base::load_u64(covered.data() + kSnapshotHeaderBytesV3);
      if (versions_since == 0 || versions_since > applied_index) {
        return corrupt("versions since " + std::to_string(versions_since) +
                       " is not in 1..applied index " + std::to_string(applied_index));
      }
    }
  }
  sink.header(applied_index, versions_since);
  if (Status s = decode_items(covered.substr(header_bytes), count, version, applied_index,
                              versions_since, sink, arrival);
      !s.is_ok() || arrival == nullptr) {
    return s;
  }
  if (!base::await_bytes(arrival, bytes, bytes.size())) {
    return abandoned();
  }
  return verify_checksum();
}

Result<std::vector<SnapshotItem>> decode_snapshot(std::string_view bytes) {
  VectorSink sink;
  if (Status s = decode_snapshot_into(bytes, sink); !s.is_ok()) {
    return s;
  }
  return std::move(sink.items);
}

}  // namespace helios::atlas
