#include "atlas/store.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <utility>

#include "atlas/floating.h"
#include "atlas/integer.h"
#include "atlas/objects.h"
#include "atlas/snapshot.h"
#include "base/assert.h"

namespace helios::atlas {

// store_versions.cc: the planted bug `snapshot-drops-versions` (Store::plant_...).
bool snapshot_drops_versions_planted();

namespace {

constexpr auto kMaxI64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Redis's GETRANGE of `value` from `start` to `end`, both inclusive, negative ones counting
// from the end (getrangeCommand, Redis 7).
std::string get_range(std::string_view value, std::int64_t start, std::int64_t end) {
  if (start < 0 && end < 0 && start > end) {
    return {};
  }
  // The length is at most kMaxValueBytes, so none of this overflows.
  const auto length = static_cast<std::int64_t>(value.size());
  if (start < 0) {
    start = std::max<std::int64_t>(length + start, 0);
  }
  if (end < 0) {
    end = std::max<std::int64_t>(length + end, 0);
  }
  end = std::min(end, length - 1);
  if (length == 0 || start > end) {
    return {};
  }
  return std::string(
      value.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1)));
}

}  // namespace

// Defined first: apply_op uses it.
template <typename Edit>
void Store::edit_value(Items::iterator it, Edit&& edit) {
  HELIOS_ASSERT(it != items_.end());
  HELIOS_ASSERT(it->second.object() == nullptr);
  digest_ ^= value_digest(it->first, it->second.value());  // out with the old value
  std::forward<Edit>(edit)(it->second.value());
  HELIOS_ASSERT(it->second.value().size() <= kMaxValueBytes);
  digest_ ^= value_digest(it->first, it->second.value());  // in with the new one
  touch(it);
}

Store::Store(Store&& other) noexcept
    : items_(std::move(other.items_)),
      deadlines_(std::move(other.deadlines_)),
      digest_(std::exchange(other.digest_, Digest{})),
      object_count_(std::exchange(other.object_count_, 0)),
      acl_table_(std::move(other.acl_table_)),
      acl_version_(other.acl_version_ + 1),
      applied_index_(other.applied_index_),
      versions_since_(other.versions_since_) {
  other.acl_table_.clear();
  ++other.acl_version_;
  other.items_.clear();
  other.deadlines_.clear();
}

Store& Store::operator=(Store&& other) noexcept {
  // swap keeps every node where it is, so the views in deadlines_ stay valid; the old
  // contents leave with `old`.
  Store old(std::move(other));
  items_.swap(old.items_);
  deadlines_.swap(old.deadlines_);
  std::swap(digest_, old.digest_);
  std::swap(object_count_, old.object_count_);
  acl_table_.swap(old.acl_table_);
  acl_version_ = std::max(acl_version_, old.acl_version_) + 1;
  applied_index_ = old.applied_index_;
  versions_since_ = old.versions_since_;
  return *this;
}

namespace {
std::atomic<AclApplier> g_acl_applier{nullptr};  // the simulator runs nodes on threads
}  // namespace

void set_acl_applier(AclApplier applier) {
  g_acl_applier.store(applier, std::memory_order_relaxed);
}

void Store::set_acl_table(std::string table) {
  acl_table_ = std::move(table);
  ++acl_version_;
}

Reply Store::apply_op(AclOp& op, std::uint64_t) {
  const AclApplier applier = g_acl_applier.load(std::memory_order_relaxed);
  if (applier == nullptr) {
    return Reply::error("ERR this node cannot apply ACL changes");
  }
  Reply reply = applier(acl_table_, op);
  ++acl_version_;
  return reply;
}

std::vector<Reply> Store::apply(Command command) {
  return apply(std::move(command), applied_index_ + 1);
}

std::vector<Reply> Store::apply(Command command, std::uint64_t index) {
  // A batch of SETs (pipelined clients, a replayed log) looks its keys up at random slots:
  // while one applies, the slot of the SET this many ops ahead is loaded, and the entry of
  // the one half as far.
  constexpr std::size_t kPrefetchAhead = 8;
  HELIOS_ASSERT_MSG(index > applied_index_, "commands are applied in log order");
  applied_index_ = index;
  std::vector<Reply> replies;
  replies.reserve(command.ops.size());
  for (std::size_t i = 0; i < command.ops.size(); ++i) {
    for (const std::size_t ahead : {kPrefetchAhead, kPrefetchAhead / 2}) {
      if (i + ahead < command.ops.size()) {
        if (const auto* set = std::get_if<SetOp>(&command.ops[i + ahead])) {
          items_.prefetch(set->key, ahead != kPrefetchAhead);
        }
      }
    }
    Op& op = command.ops[i];
    replies.push_back(std::visit([&](auto& o) { return apply_op(o, command.stamp_ms); }, op));
    const auto* watch = std::get_if<WatchOp>(&op);
    if (watch != nullptr && replies.back().kind == Reply::Kind::kNil) {
      // A watched key changed: the guarded ops are skipped (validated: they follow).
      HELIOS_ASSERT(watch->guarded < command.ops.size() - i);
      replies.resize(replies.size() + watch->guarded, Reply::nil());
      i += watch->guarded;
    }
  }
  HELIOS_ASSERT(replies.size() == command.ops.size());
  return replies;
}

Reply Store::apply_op(SetOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  const bool existed = it != items_.end();
  if (op.get && existed && it->second.object() != nullptr) {
    return Reply::error(kErrWrongType);  // SET ... GET of another type: nothing changes
  }
  if ((op.nx && existed) || (op.xx && !existed)) {
    if (!op.get) {
      return Reply::nil();
    }
    return existed ? Reply::bulk(it->second.value()) : Reply::nil();
  }
  if (existed && it->second.object() != nullptr) {
    // SET replaces a value of any type: an empty string takes the object's place first.
    const std::uint64_t kept = it->second.deadline_ms;
    erase(it);
    it = insert(std::string(op.key), std::string(), kept);
  }
  const std::uint64_t deadline_ms =
      (op.keep_ttl && existed) ? it->second.deadline_ms : op.deadline_ms;
  std::string old_value;  // moved out, not copied, for GET's reply
  if (expired_at(deadline_ms, stamp_ms)) {
    // Stored and expired at once: the key is absent from here on, so hold nothing.
    if (existed) {
      old_value = erase(it);
    }
  } else if (existed) {
    old_value = replace_value(it, std::move(op.value));
    set_deadline(it, deadline_ms);
  } else {
    insert(std::move(op.key), std::move(op.value), deadline_ms);
  }
  if (!op.get) {
    return Reply::ok();
  }
  return existed ? Reply::bulk(std::move(old_value)) : Reply::nil();
}

Reply Store::apply_op(DelOp& op, std::uint64_t stamp_ms) {
  std::int64_t deleted = 0;
  for (const std::string& key : op.keys) {
    auto it = find_live(key, stamp_ms);
    if (it != items_.end()) {
      erase(it);
      ++deleted;
    }
  }
  HELIOS_ASSERT(deleted >= 0);
  HELIOS_ASSERT(static_cast<std::size_t>(deleted) <= op.keys.size());
  return Reply::of_integer(deleted);
}

Reply Store::apply_op(ExpireOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  if (it == items_.end()) {
    return Reply::of_integer(0);
  }
  // Redis 7's expireGenericCommand: no deadline is an infinite TTL for GT and LT.
  const std::uint64_t current_ms = it->second.deadline_ms;
  const bool has_deadline = current_ms != 0;
  if (op.nx && has_deadline) {
    return Reply::of_integer(0);
  }
  if (op.xx && !has_deadline) {
    return Reply::of_integer(0);
  }
  if (op.gt && (!has_deadline || op.deadline_ms <= current_ms)) {
    return Reply::of_integer(0);
  }
  if (op.lt && has_deadline && op.deadline_ms >= current_ms) {
    return Reply::of_integer(0);
  }
  if (expired_at(op.deadline_ms, stamp_ms) || op.deadline_ms == 0) {
    erase(it);
  } else {
    set_deadline(it, op.deadline_ms);
    touch(it);  // Redis signals the key even when the deadline is the one it had
  }
  return Reply::of_integer(1);
}

Reply Store::apply_op(PersistOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  if (it == items_.end() || it->second.deadline_ms == 0) {
    return Reply::of_integer(0);
  }
  set_deadline(it, 0);
  return Reply::of_integer(1);
}

Reply Store::apply_op(IncrByOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  std::int64_t current = 0;
  if (it != items_.end() && it->second.object() != nullptr) {
    return Reply::error(kErrWrongType);
  }
  if (it != items_.end()) {
    const std::optional<std::int64_t> parsed = parse_int64(it->second.value());
    if (!parsed) {
      return Reply::error(kErrNotInteger);
    }
    current = *parsed;
  }
  const std::optional<std::int64_t> sum = checked_add(current, op.delta);
  if (!sum) {
    return Reply::error(kErrOverflow);
  }
  if (it == items_.end()) {
    insert(std::move(op.key), format_int64(*sum), 0);
  } else {
    replace_value(it, format_int64(*sum));  // the deadline stays, as in Redis
  }
  return Reply::of_integer(*sum);
}

Reply Store::apply_op(DeleteIfExpiredOp& op, std::uint64_t stamp_ms) {
  HELIOS_ASSERT(op.deadline_ms != 0);
  auto it = items_.find(std::string_view(op.key));
  if (it == items_.end() || it->second.deadline_ms != op.deadline_ms ||
      !expired_at(op.deadline_ms, stamp_ms)) {
    return Reply::of_integer(0);
  }
  erase(it);
  return Reply::of_integer(1);
}

Reply Store::apply_op(ReadOp& op, std::uint64_t stamp_ms) {
  return read(op, stamp_ms);  // a read: never removes, even a key expired at the stamp
}

Reply Store::apply_op(AppendOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  if (it != items_.end() && it->second.object() != nullptr) {
    return Reply::error(kErrWrongType);
  }
  if (it == items_.end()) {
    const auto length = static_cast<std::int64_t>(op.value.size());
    insert(std::move(op.key), std::move(op.value), 0);
    return Reply::of_integer(length);
  }
  if (it->second.value().size() + op.value.size() > kMaxValueBytes) {
    return Reply::error(kErrStringTooLong);
  }
  edit_value(it, [&](std::string& value) { value += op.value; });  // the deadline stays
  return Reply::of_integer(static_cast<std::int64_t>(it->second.value().size()));
}

Reply Store::apply_op(SetRangeOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  const bool existed = it != items_.end();
  if (existed && it->second.object() != nullptr) {
    return Reply::error(kErrWrongType);
  }
  if (op.value.empty()) {  // Redis answers before its length check: nothing to write
    return Reply::of_integer(existed ? static_cast<std::int64_t>(it->second.value().size()) : 0);
  }
  HELIOS_ASSERT(op.offset <= kMaxValueBytes);  // validated: the sum cannot overflow
  const std::size_t end = static_cast<std::size_t>(op.offset) + op.value.size();
  if (end > kMaxValueBytes) {
    return Reply::error(kErrStringTooLong);
  }
  if (!existed) {
    it = insert(std::move(op.key), std::string(), 0);
  }
  edit_value(it, [&](std::string& value) {
    if (value.size() < end) {
      value.resize(end, '\0');
    }
    value.replace(static_cast<std::size_t>(op.offset), op.value.size(), op.value);
  });
  return Reply::of_integer(static_cast<std::int64_t>(it->second.value().size()));
}

Reply Store::apply_op(IncrByFloatOp& op, std::uint64_t stamp_ms) {
  auto it = find_live(op.key, stamp_ms);
  long double current = 0;
  if (it != items_.end() && it->second.object() != nullptr) {
    return Reply::error(kErrWrongType);
  }
  if (it != items_.end()) {
    const std::optional<long double> parsed = parse_long_double(it->second.value());
    if (!parsed) {
      return Reply::error(kErrNotFloat);
    }
    current = *parsed;
  }
  const std::optional<long double> increment = parse_long_double(op.increment);
  HELIOS_ASSERT(increment.has_value());  // validated
  const long double sum = current + *increment;
  if (!std::isfinite(sum)) {
    return Reply::error(kErrNanOrInfinity);
  }
  std::string text = format_long_double(sum);
  if (it == items_.end()) {
    insert(std::move(op.key), text, 0);
  } else {
    replace_value(it, text);  // the deadline stays, as in Redis
  }
  return Reply::bulk(std::move(text));
}

Reply Store::apply_op(RenameOp& op, std::uint64_t stamp_ms) {
  auto src = find_live(op.src, stamp_ms);
  if (src == items_.end()) {
    return Reply::error(kErrNoSuchKey);
  }
  const Reply done = op.nx ? Reply::of_integer(1) : Reply::ok();
  if (op.src == op.dst) {
    return op.nx ? Reply::of_integer(0) : done;
  }
  auto dst = find_live(op.dst, stamp_ms);  // erases only dst's node: src stays valid
  if (dst != items_.end()) {
    if (op.nx) {
      return Reply::of_integer(0);
    }
    erase(dst);
  }
  // erase() drops src's deadline entry (a view of src's key) before the node goes; insert()
  // adds one viewing dst's key.
  const std::uint64_t deadline_ms = src->second.deadline_ms;
  if (Object* held = src->second.object()) {
    Object object = std::move(*held);  // erase needs only the key and the deadline
    erase(src);
    insert_object(std::move(op.dst), std::move(object), deadline_ms);
    return done;
  }
  std::string value = erase(src);
  insert(std::move(op.dst), std::move(value), deadline_ms);
  return done;
}

Reply Store::apply_op(FlushOp&, std::uint64_t) {
  deadlines_.clear();  // first: its entries view items_'s keys
  items_.clear();
  digest_ = Digest{};
  object_count_ = 0;
  return Reply::ok();
}

Reply Store::apply_op(MSetNxOp& op, std::uint64_t stamp_ms) {
  HELIOS_ASSERT(op.keys.size() == op.values.size());
  // As Redis, look the keys up in order and stop at the first that exists; the lookups
  // remove the expired ones on the way (the touch rule).
  for (const std::string& key : op.keys) {
    if (find_live(key, stamp_ms) != items_.end()) {
      return Reply::of_integer(0);
    }
  }
  for (std::size_t i = 0; i < op.keys.size(); ++i) {
    auto it = items_.find(std::string_view(op.keys[i]));
    if (it != items_.end()) {
      replace_value(it, std::move(op.values[i]));  // a key given twice: the last value wins
    } else {
      insert(std::move(op.keys[i]), std::move(op.values[i]), 0);
    }
  }
  return Reply::of_integer(1);
}

Store::Items::iterator Store::find_live(std::string_view key, std::uint64_t stamp_ms) {
  auto it = items_.find(key);
  if (it != items_.end() && expired_at(it->second.deadline_ms, stamp_ms)) {
    erase(it);
    return items_.end();
  }
  return it;
}

const Store::Item* Store::find_visible(std::string_view key, std::uint64_t now_ms) const {
  auto it = items_.find(key);
  if (it == items_.end() || expired_at(it->second.deadline_ms, now_ms)) {
    return nullptr;
  }
  return &it->second;
}

Store::Items::iterator Store::insert(std::string key, std::string value,
                                     std::uint64_t deadline_ms) {
  HELIOS_ASSERT(key.size() <= kMaxKeyBytes);
  HELIOS_ASSERT(value.size() <= kMaxValueBytes);
  auto [it, inserted] = items_.try_emplace(std::move(key), Item{std::move(value)});
  HELIOS_ASSERT(inserted);
  touch(it);
  index_deadline(it, deadline_ms);
  digest_ ^= item_digest(it->first, it->second.value(), deadline_ms);
  return it;
}

std::string Store::erase(Items::iterator it) {
  HELIOS_ASSERT(it != items_.end());
  if (it->second.object() != nullptr) {
    digest_ ^= deadline_digest(it->first, it->second.deadline_ms);
    HELIOS_ASSERT(object_count_ > 0);
    --object_count_;
  } else {
    digest_ ^= item_digest(it->first, it->second.value(), it->second.deadline_ms);
  }
  index_deadline(it, 0);  // first: the index entry views this node's key
  std::string value;
  if (it->second.object() == nullptr) {
    value = std::move(it->second.value());
  }
  items_.erase(it);
  return value;
}

std::string Store::replace_value(Items::iterator it, std::string value) {
  std::string old;
  edit_value(it, [&](std::string& held) { old = std::exchange(held, std::move(value)); });
  return old;
}

void Store::set_deadline(Items::iterator it, std::uint64_t deadline_ms) {
  HELIOS_ASSERT(it != items_.end());
  if (it->second.deadline_ms == deadline_ms) {
    return;
  }
  digest_ ^= deadline_digest(it->first, it->second.deadline_ms);
  digest_ ^= deadline_digest(it->first, deadline_ms);
  index_deadline(it, deadline_ms);
  touch(it);
}

void Store::index_deadline(Items::iterator it, std::uint64_t deadline_ms) {
  Item& item = it->second;
  if (item.deadline_ms == deadline_ms) {
    return;
  }
  const std::string_view key = it->first;
  if (item.deadline_ms != 0) {
    const std::size_t removed = deadlines_.erase({item.deadline_ms, key});
    HELIOS_ASSERT(removed == 1);
  }
  item.deadline_ms = deadline_ms;
  if (deadline_ms != 0) {
    const bool added = deadlines_.emplace(deadline_ms, key).second;
    HELIOS_ASSERT(added);
  }
}

std::optional<std::string_view> Store::get(std::string_view key, std::uint64_t now_ms) const {
  const Item* item = find_visible(key, now_ms);
  if (item == nullptr || item->object() != nullptr) {
    return std::nullopt;
  }
  return std::string_view(item->value());
}

std::int64_t Store::ttl_ms(std::string_view key, std::uint64_t now_ms) const {
  const Item* item = find_visible(key, now_ms);
  if (item == nullptr) {
    return -2;
  }
  if (item->deadline_ms == 0) {
    return -1;
  }
  HELIOS_ASSERT(item->deadline_ms > now_ms);
  const std::uint64_t left_ms = item->deadline_ms - now_ms;
  return static_cast<std::int64_t>(std::min(left_ms, kMaxI64));
}

Reply Store::read(const ReadOp& op, std::uint64_t now_ms) const {
  const Item* item = find_visible(op.key, now_ms);  // (kDbSize: the empty key, unused)
  const bool string_read =
      op.what == ReadKind::kGet || op.what == ReadKind::kStrlen || op.what == ReadKind::kGetRange;
  if (string_read && item != nullptr && item->object() != nullptr) {
    return Reply::error(kErrWrongType);
  }
  if (op.what == ReadKind::kGetOrNil) {
    return item == nullptr || item->object() != nullptr ? Reply::nil() : Reply::bulk(item->value());
  }
  switch (op.what) {
    case ReadKind::kGet:
      return item == nullptr ? Reply::nil() : Reply::bulk(item->value());
    case ReadKind::kStrlen:
      return Reply::of_integer(item == nullptr ? 0
                                               : static_cast<std::int64_t>(item->value().size()));
    case ReadKind::kExists:
      return Reply::of_integer(item == nullptr ? 0 : 1);
    case ReadKind::kPttl:
      return Reply::of_integer(ttl_ms(op.key, now_ms));
    case ReadKind::kPexpireTime:
      return Reply::of_integer(expire_time_ms(op.key, now_ms));
    case ReadKind::kGetRange:
      return Reply::bulk(item == nullptr ? std::string() : get_range(item->value(), op.a, op.b));
    case ReadKind::kDbSize:
      return Reply::of_integer(static_cast<std::int64_t>(std::min(size(now_ms), kMaxI64)));
    case ReadKind::kGetOrNil:  // answered above
      break;
    case ReadKind::kType:
      return Reply::status(item == nullptr             ? "none"
                           : item->object() == nullptr ? type_name(ObjectType::kString)
                                                       : type_name(item->object()->type()));
  }
  HELIOS_ASSERT_MSG(false, "unknown ReadKind");
  return Reply::nil();
}

std::int64_t Store::expire_time_ms(std::string_view key, std::uint64_t now_ms) const {
  const Item* item = find_visible(key, now_ms);
  if (item == nullptr) {
    return -2;
  }
  if (item->deadline_ms == 0) {
    return -1;
  }
  return static_cast<std::int64_t>(std::min(item->deadline_ms, kMaxI64));
}

bool Store::exists(std::string_view key, std::uint64_t now_ms) const {
  return find_visible(key, now_ms) != nullptr;
}

std::uint64_t Store::size(std::uint64_t now_ms) const {
  std::uint64_t expired = 0;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now_ms; ++it) {
    ++expired;
  }
  HELIOS_ASSERT(expired <= items_.size());
  return items_.size() - expired;
}

std::vector<ExpiredKey> Store::expired_keys(std::uint64_t now_ms, std::size_t limit) const {
  std::vector<ExpiredKey> out;
  for (auto it = deadlines_.begin();
       it != deadlines_.end() && it->first <= now_ms && out.size() < limit; ++it) {
    HELIOS_ASSERT(it->first != 0);
    out.push_back(ExpiredKey{std::string(it->second), it->first});
  }
  return out;
}

std::string Store::serialize() const {
  std::vector<SnapshotItemView> items;
  items.reserve(items_.size());
  std::vector<std::string> encoded;  // the objects' encodings, which the views point into
  encoded.reserve(object_count_);
  for (const auto& [key, item] : items_) {
    // The key version as key_version reports it (encode_snapshot leaves it out before
    // versions start).
    const std::uint64_t version = std::max(item.version, versions_since_);
    if (item.object() == nullptr) {
      items.push_back(
          SnapshotItemView{key, item.value(), item.deadline_ms, ObjectType::kString, version});
      continue;
    }
    encoded.push_back(encode_object(*item.object()));
    items.push_back(
        SnapshotItemView{key, encoded.back(), item.deadline_ms, item.object()->type(), version});
  }
  std::sort(items.begin(), items.end(),
            [](const SnapshotItemView& a, const SnapshotItemView& b) { return a.key < b.key; });
  return encode_snapshot(items, applied_index_, versions_since_);
}

Result<Store> Store::deserialize(std::string_view bytes, base::Arrival* arrival) {
  // Inserts straight from the decoder: no intermediate copy of millions of items.
  class Sink final : public SnapshotSink {
   public:
    explicit Sink(Store& store) : store_(store) {}
    void reserve(std::uint64_t count) override { store_.items_.reserve(count); }
    void header(std::uint64_t applied_index, std::uint64_t versions_since) override {
      max_version = applied_index;
      store_.versions_since_ = versions_since;
    }
    void add(std::string_view key, std::string_view value, std::uint64_t deadline_ms,
             ObjectType type, std::uint64_t version) override {
      if (!status.is_ok()) {
        return;
      }
      // insert() stamps applied_index_: each item gets its own version, or 0 (read as
      // kVersionUnknown, or versions_since once set) from a format without versions.
      store_.applied_index_ = snapshot_drops_versions_planted() ? 0 : version;
      max_version = std::max(max_version, store_.applied_index_);
      if (type == ObjectType::kString) {
        store_.insert(std::string(key), std::string(value), deadline_ms);
        return;
      }
      Result<Object> object = decode_object(type, value);
      if (!object.is_ok()) {
        status = Status(object.status().code(), object.status().message() + " (key of " +
                                                    std::to_string(key.size()) + " bytes)");
        return;
      }
      store_.insert_object(std::string(key), std::move(object.value()), deadline_ms);
    }
    Status status = Status::ok();
    std::uint64_t max_version = 0;

   private:
    Store& store_;
  };
  Store store;
  Sink sink(store);
  if (Status s = decode_snapshot_into(bytes, sink, arrival); !s.is_ok()) {
    return s;
  }
  if (!sink.status.is_ok()) {
    return sink.status;
  }
  store.applied_index_ = sink.max_version;
  // insert() and insert_object() keep every invariant item by item (store.h), so the O(n)
  // check_invariants() (a second hash of every item: 10% of a restart) is left to the tests
  // and the fuzz target that decode snapshots; here only what costs nothing.
  HELIOS_ASSERT(store.versions_since_ <= store.applied_index_);
  HELIOS_ASSERT(store.deadlines_.size() <= store.items_.size());
  HELIOS_ASSERT(store.object_count_ <= store.items_.size());
  return store;
}

void Store::check_invariants() const {
  HELIOS_ASSERT(versions_since_ <= applied_index_);
  std::size_t with_deadline = 0;
  std::size_t objects = 0;
  Digest digest;
  for (const auto& [key, item] : items_) {
    if (item.object() != nullptr) {
      check_object(*item.object());
      ++objects;
      digest ^= deadline_digest(key, item.deadline_ms);
    } else {
      digest ^= item_digest(key, item.value(), item.deadline_ms);
    }
    HELIOS_ASSERT(key.size() <= kMaxKeyBytes);
    HELIOS_ASSERT(item.object() != nullptr || item.value().size() <= kMaxValueBytes);
    HELIOS_ASSERT(item.version <= applied_index_);
    if (item.deadline_ms == 0) {
      continue;
    }
    ++with_deadline;
    auto entry = deadlines_.find({item.deadline_ms, std::string_view(key)});
    HELIOS_ASSERT(entry != deadlines_.end());
    HELIOS_ASSERT(entry->second.data() == key.data());  // a view of this very node's key
  }
  HELIOS_ASSERT(with_deadline == deadlines_.size());
  HELIOS_ASSERT(objects == object_count_);
  for (const auto& [deadline_ms, key] : deadlines_) {
    HELIOS_ASSERT(deadline_ms != 0);
    auto it = items_.find(key);
    HELIOS_ASSERT(it != items_.end());
    HELIOS_ASSERT(it->second.deadline_ms == deadline_ms);
  }
  HELIOS_ASSERT_MSG(digest == digest_, "the kept digest differs from the items' digest");
}

}  // namespace helios::atlas
