// Store's part in the other types (store.h, atlas/objects.h): inserting an object item, running
// an ObjOp, reads of any op, and the digest, whose object halves are computed when asked for.
#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

// The value half of an object item's digest (store.h, digest_hex).
Digest object_value_digest(std::string_view key, const Object& object) {
  std::string bytes("\0HOBJ", 5);
  bytes.push_back(static_cast<char>(object.type()));
  bytes += encode_object(object);
  return value_digest(key, bytes);
}

}  // namespace

Reply Store::read(const Op& op, std::uint64_t now_ms) const {
  if (const auto* read_op = std::get_if<ReadOp>(&op)) {
    return read(*read_op, now_ms);
  }
  const auto& obj = std::get<ObjOp>(op);  // is_read(op) holds: asserted by the row lookup
  return run_object_read(*this, obj, now_ms);
}

bool Store::is_read(const Op& op) {
  if (std::holds_alternative<ReadOp>(op)) {
    return true;
  }
  const auto* obj = std::get_if<ObjOp>(&op);
  return obj != nullptr && is_object_read(*obj);
}

std::optional<ObjectType> Store::type_of(std::string_view key, std::uint64_t now_ms) const {
  const Item* item = find_visible(key, now_ms);
  if (item == nullptr) {
    return std::nullopt;
  }
  return item->object() == nullptr ? ObjectType::kString : item->object()->type();
}

std::string Store::digest_hex() const {
  if (object_count_ == 0) {
    return digest_.hex();
  }
  Digest d = digest_;
  for (const auto& [key, item] : items_) {
    if (item.object() != nullptr) {
      d ^= object_value_digest(key, *item.object());
    }
  }
  return d.hex();
}

std::string Store::item_digest_hex(std::string_view key) const {
  auto it = items_.find(key);
  if (it == items_.end()) {
    return Digest{}.hex();
  }
  const Item& item = it->second;
  if (item.object() != nullptr) {
    return (object_value_digest(key, *item.object()) ^ deadline_digest(key, item.deadline_ms))
        .hex();
  }
  return item_digest(it->first, item.value(), item.deadline_ms).hex();
}

Reply Store::apply_op(ObjOp& op, std::uint64_t stamp_ms) {
  ObjectWriter writer(*this, stamp_ms, op.seed);
  Reply reply = run_object_write(writer, *this, op);
  touch_object_keys(op, reply);
  return reply;
}

Store::Items::iterator Store::insert_object(std::string key, Object object,
                                            std::uint64_t deadline_ms) {
  HELIOS_ASSERT(key.size() <= kMaxKeyBytes);
  HELIOS_ASSERT(object.type() != ObjectType::kString);
  auto [it, inserted] = items_.try_emplace(std::move(key), Item{std::move(object)});
  HELIOS_ASSERT(inserted);
  touch(it);
  ++object_count_;
  index_deadline(it, deadline_ms);
  digest_ ^= deadline_digest(it->first, deadline_ms);
  return it;
}

}  // namespace helios::atlas
