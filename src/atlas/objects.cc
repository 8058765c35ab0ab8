// The object command registry and the contexts the rows run in (atlas/objects.h).
#include "atlas/objects.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>

#include "atlas/store.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

struct Registry {
  std::vector<const ObjectCommand*> rows;
  std::unordered_map<std::uint16_t, const ObjectCommand*> by_code;
  std::unordered_map<std::string_view, const ObjectCommand*> by_name;
};

const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    for (auto family : {string_object_commands(), hash_commands(), list_commands(), set_commands(),
                        zset_commands(), key_commands()}) {
      for (const ObjectCommand& row : family) {
        HELIOS_ASSERT_MSG((row.write == nullptr) != (row.read == nullptr),
                          std::string(row.name).c_str());
        HELIOS_ASSERT_MSG(reg.by_code.emplace(row.code, &row).second,
                          std::string(row.name).c_str());
        HELIOS_ASSERT_MSG(reg.by_name.emplace(row.name, &row).second,
                          std::string(row.name).c_str());
        reg.rows.push_back(&row);
      }
    }
    return reg;
  }();
  return r;
}

}  // namespace

const std::vector<const ObjectCommand*>& all_object_commands() {
  return registry().rows;
}

const ObjectCommand* find_object_command(std::uint16_t code) {
  const auto& m = registry().by_code;
  auto it = m.find(code);
  return it == m.end() ? nullptr : it->second;
}

const ObjectCommand* find_object_command(std::string_view upper_name) {
  const auto& m = registry().by_name;
  auto it = m.find(upper_name);
  return it == m.end() ? nullptr : it->second;
}

bool object_arity_ok(const ObjectCommand& row, std::size_t arg_count) {
  const auto argc = static_cast<long>(arg_count) + 1;
  return row.arity > 0 ? argc == row.arity : argc >= -row.arity;
}

std::vector<std::size_t> object_key_positions(const ObjectCommand& row, const Args& args) {
  if (row.keys != nullptr) {
    std::vector<std::size_t> keys = row.keys(args);
    keys.erase(
        std::remove_if(keys.begin(), keys.end(), [&](std::size_t i) { return i >= args.size(); }),
        keys.end());
    return keys;
  }
  std::vector<std::size_t> keys;
  const auto argc = static_cast<int>(args.size()) + 1;
  if (row.first_key <= 0 || row.step <= 0) {
    return keys;
  }
  const int last = row.last_key < 0 ? argc + row.last_key : row.last_key;
  for (int i = row.first_key; i <= last && i < argc; i += row.step) {
    keys.push_back(static_cast<std::size_t>(i - 1));
  }
  return keys;
}

namespace {
std::atomic<bool> g_unordered_picks{false};  // the simulator runs seeds on threads
}  // namespace

void plant_unordered_picks(bool on) {
  g_unordered_picks.store(on, std::memory_order_relaxed);
}

bool unordered_picks_planted() {
  return g_unordered_picks.load(std::memory_order_relaxed);
}

bool is_object_read(const ObjOp& op) {
  const ObjectCommand* row = find_object_command(op.code);
  HELIOS_ASSERT(row != nullptr);
  return row->read != nullptr;
}

Reply run_object_write(ObjectWriter& w, const Store& store, const ObjOp& op) {
  const ObjectCommand* row = find_object_command(op.code);
  HELIOS_ASSERT(row != nullptr);  // validated
  if (row->read != nullptr) {
    return row->read(ObjectReader(store, w.stamp_ms(), op.seed), op.args);
  }
  return row->write(w, op.args);
}

Reply run_object_read(const Store& store, const ObjOp& op, std::uint64_t now_ms) {
  const ObjectCommand* row = find_object_command(op.code);
  HELIOS_ASSERT(row != nullptr && row->read != nullptr);
  return row->read(ObjectReader(store, now_ms, op.seed), op.args);
}

// The contexts: thin wrappers over Store's private item functions (they are its friends).

ObjectWriter::Found ObjectWriter::find(std::string_view key, ObjectType type) {
  auto it = store_.find_live(key, stamp_ms_);
  if (it == store_.items_.end()) {
    return {};
  }
  Object* object = it->second.object();
  if (object == nullptr || object->type() != type) {
    return {nullptr, true};
  }
  return {object, false};
}

Object& ObjectWriter::create(std::string_view key, ObjectType type) {
  auto it = store_.insert_object(std::string(key), make_object(type), 0);
  return *it->second.object();
}

void ObjectWriter::done(std::string_view key) {
  auto it = store_.items_.find(key);
  HELIOS_ASSERT(it != store_.items_.end() && it->second.object() != nullptr);
  HELIOS_ASSERT(it->second.object()->size() <= kMaxMembers);
  if (it->second.object()->empty()) {
    store_.erase(it);
  }
}

void ObjectWriter::put(std::string_view key, Object object) {
  auto it = store_.items_.find(key);
  if (it != store_.items_.end()) {
    store_.erase(it);
  }
  if (!object.empty()) {
    store_.insert_object(std::string(key), std::move(object), 0);
  }
}

bool ObjectWriter::erase(std::string_view key) {
  auto it = store_.find_live(key, stamp_ms_);
  if (it == store_.items_.end()) {
    return false;
  }
  store_.erase(it);
  return true;
}

bool ObjectWriter::exists(std::string_view key) {
  return store_.find_live(key, stamp_ms_) != store_.items_.end();
}

const std::string* ObjectWriter::find_string(std::string_view key, bool* wrong_type) {
  auto it = store_.find_live(key, stamp_ms_);
  *wrong_type = it != store_.items_.end() && it->second.object() != nullptr;
  if (it == store_.items_.end() || *wrong_type) {
    return nullptr;
  }
  return &it->second.value();
}

void ObjectWriter::set_deadline(std::string_view key, std::uint64_t deadline_ms) {
  auto it = store_.items_.find(key);
  HELIOS_ASSERT(it != store_.items_.end());
  HELIOS_ASSERT(deadline_ms == 0 || deadline_ms > stamp_ms_);
  store_.set_deadline(it, deadline_ms);
}

bool ObjectWriter::copy(std::string_view src, std::string_view dst, bool replace) {
  HELIOS_ASSERT(src != dst);
  auto from = store_.find_live(src, stamp_ms_);
  if (from == store_.items_.end()) {
    return false;
  }
  // Copied out before anything is inserted (an insert may rehash; erasing dst leaves `from`).
  const std::uint64_t deadline_ms = from->second.deadline_ms;
  std::optional<Object> object;
  std::string value;
  if (from->second.object() != nullptr) {
    object = clone_object(*from->second.object());
  } else {
    value = from->second.value();
  }
  auto to = store_.find_live(dst, stamp_ms_);
  if (to != store_.items_.end()) {
    if (!replace) {
      return false;
    }
    store_.erase(to);
  }
  if (object.has_value()) {
    store_.insert_object(std::string(dst), std::move(*object), deadline_ms);
  } else {
    store_.insert(std::string(dst), std::move(value), deadline_ms);
  }
  return true;
}

ObjectReader::Found ObjectReader::find(std::string_view key, ObjectType type) const {
  const Store::Item* item = store_.find_visible(key, now_ms_);
  if (item == nullptr) {
    return {};
  }
  const Object* object = item->object();
  if (object == nullptr || object->type() != type) {
    return {nullptr, true};
  }
  return {object, false};
}

std::optional<std::string_view> ObjectReader::string_value(std::string_view key) const {
  return store_.get(key, now_ms_);
}

ObjectReader::Any ObjectReader::any(std::string_view key) const {
  const Store::Item* item = store_.find_visible(key, now_ms_);
  if (item == nullptr) {
    return {};
  }
  return {true, item->object(), item->object() == nullptr ? item->value() : std::string_view()};
}

std::optional<std::string> ObjectReader::random_key() const {
  return store_.random_key(seed_, now_ms_);
}

}  // namespace helios::atlas
