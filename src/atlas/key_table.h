#pragma once
// KeyTable<V, Hash>: the store's keyspace, a hash table from string keys to V with open
// addressing (linear probing) over an array of (hash, node pointer) slots; each key and its
// value live in a node on the heap that never moves.
//
// Why not std::unordered_map: its lookup follows three dependent pointers (the bucket, the
// node before the bucket's first, the node) and divides by a prime; with a million keys
// each is a cache miss, and lookups were the largest item of a restart's profile
// (bench/README.md, "A flat keyspace table"). Here a lookup reads one slot line, compares
// the stored hashes there, and touches only the node whose hash matches.
//
// Contract (the subset of std::unordered_map the store uses, with its guarantees):
//   - nodes never move: references to a key or a value, and iterators, stay valid across
//     inserts, rehashing, erasing other keys, swap and move (an iterator names a node; it
//     finds the node's slot again when the slots moved);
//   - erase(it) invalidates only `it`; erasing while iterating is not supported (nothing in
//     the store does it: the walks are const);
//   - iteration order is the slot order: arbitrary, and the store never lets it reach an
//     output (store.h, "No hash-table order leaks");
//   - the load factor stays at most 3/4; capacity is a power of two, at least 8 once used.
// `Hash` must spread its bits (the slot is its low bits): std::hash<std::string_view> does.
// Not thread-safe (the store's owner thread).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace helios::atlas {

template <typename V, typename Hash>
class KeyTable {
 public:
  using value_type = std::pair<const std::string, V>;

 private:
  struct Slot {
    std::size_t hash = 0;
    value_type* node = nullptr;  // nullptr: empty
  };

 public:
  template <bool kConst>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = KeyTable::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<kConst, const value_type&, value_type&>;
    using pointer = std::conditional_t<kConst, const value_type*, value_type*>;

    Iter() = default;
    // A const iterator from a mutable one.
    template <bool kOther, typename = std::enable_if_t<kConst && !kOther>>
    Iter(const Iter<kOther>& other)  // NOLINT(google-explicit-constructor)
        : table_(other.table_), node_(other.node_), slot_(other.slot_) {}

    reference operator*() const {
      HELIOS_ASSERT(node_ != nullptr);
      return *node_;
    }
    pointer operator->() const { return &**this; }
    Iter& operator++() {
      HELIOS_ASSERT(node_ != nullptr);
      const std::size_t from = table_->slot_of(node_, slot_) + 1;
      *this = table_->first_from<kConst>(from);
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.node_ == b.node_; }

   private:
    friend class KeyTable;
    template <bool>
    friend class Iter;
    Iter(const KeyTable* table, value_type* node, std::size_t slot)
        : table_(table), node_(node), slot_(slot) {}

    const KeyTable* table_ = nullptr;
    value_type* node_ = nullptr;  // nullptr: end()
    std::size_t slot_ = 0;        // where node_ was when the iterator was made (a hint)
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  KeyTable(KeyTable&& other) noexcept { swap(other); }
  KeyTable& operator=(KeyTable&& other) noexcept {
    KeyTable old(std::move(other));
    swap(old);
    return *this;
  }
  ~KeyTable() { clear(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The number of slots (a power of two, or 0 before the first insert).
  std::size_t slot_count() const { return capacity_; }
  // The entry in slot `i` (< slot_count()), or nullptr if it is empty (RANDOMKEY's draw).
  const value_type* at_slot(std::size_t i) const {
    HELIOS_ASSERT(i < capacity_);
    return slots_[i].node;
  }

  iterator begin() { return first_from<false>(0); }
  iterator end() { return iterator(this, nullptr, 0); }
  const_iterator begin() const { return first_from<true>(0); }
  const_iterator end() const { return const_iterator(this, nullptr, 0); }

  iterator find(std::string_view key) {
    const std::size_t i = probe(key, Hash{}(key));
    return slots_ != nullptr && slots_[i].node != nullptr ? iterator(this, slots_[i].node, i)
                                                          : end();
  }
  const_iterator find(std::string_view key) const { return const_cast<KeyTable*>(this)->find(key); }

  // Hints the CPU to load what a lookup of `key` soon will read, so that it finds it in the
  // cache: the slot where its probe starts (`node` false), or (`node` true) the entry that
  // slot points to when its hash matches (after the slot was prefetched: a read of it).
  // Never changes anything.
  void prefetch(std::string_view key, bool node) const {
    if (slots_ == nullptr) {
      return;
    }
    const std::size_t hash = Hash{}(key);
    const Slot& slot = slots_[hash & (capacity_ - 1)];
    if (!node) {
      __builtin_prefetch(&slot);
    } else if (slot.hash == hash && slot.node != nullptr) {
      __builtin_prefetch(slot.node);
    }
  }

  // Inserts (key, value) unless `key` is present; returns the key's entry and whether it
  // was inserted.
  std::pair<iterator, bool> try_emplace(std::string&& key, V value) {
    const std::size_t hash = Hash{}(key);
    if ((size_ + 1) * 4 > capacity_ * 3) {
      grow((size_ + 1) * 4 / 3 + 1);
    }
    const std::size_t i = probe(key, hash);
    if (slots_[i].node != nullptr) {
      return {iterator(this, slots_[i].node, i), false};
    }
    slots_[i].hash = hash;
    slots_[i].node = new value_type(std::move(key), std::move(value));
    ++size_;
    return {iterator(this, slots_[i].node, i), true};
  }

  // Removes the entry `it` names (not end()). Backward-shift deletion: the entries after it
  // in its probe run move back, so no tombstones are left.
  void erase(const_iterator it) {
    HELIOS_ASSERT(it.node_ != nullptr && it.table_ == this);
    std::size_t hole = slot_of(it.node_, it.slot_);
    delete slots_[hole].node;
    slots_[hole] = Slot{};
    --size_;
    const std::size_t mask = capacity_ - 1;
    for (std::size_t j = (hole + 1) & mask; slots_[j].node != nullptr; j = (j + 1) & mask) {
      const std::size_t home = slots_[j].hash & mask;
      // Move slot j into the hole unless its home lies cyclically in (hole, j].
      const bool home_after_hole = ((j - home) & mask) < ((j - hole) & mask);
      if (!home_after_hole) {
        slots_[hole] = slots_[j];
        slots_[j] = Slot{};
        hole = j;
      }
    }
  }

  // Makes room for `n` entries without growing again.
  void reserve(std::size_t n) {
    if (n * 4 > capacity_ * 3) {
      grow(n * 4 / 3 + 1);
    }
  }

  void clear() {
    for (std::size_t i = 0; i < capacity_; ++i) {
      delete slots_[i].node;
    }
    slots_.reset();
    capacity_ = 0;
    size_ = 0;
  }

  void swap(KeyTable& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(capacity_, other.capacity_);
    std::swap(size_, other.size_);
  }

 private:
  // The slot holding `key`, or the empty slot where it would go. Requires room (or no slots,
  // then returns 0 and the caller sees slots_ == nullptr).
  std::size_t probe(std::string_view key, std::size_t hash) const {
    if (slots_ == nullptr) {
      return 0;
    }
    const std::size_t mask = capacity_ - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.node == nullptr || (s.hash == hash && s.node->first == key)) {
        return i;
      }
    }
  }

  // The slot `node` is in: `hint` if it still is, else found by its key.
  std::size_t slot_of(const value_type* node, std::size_t hint) const {
    if (hint < capacity_ && slots_[hint].node == node) {
      return hint;
    }
    const std::size_t i = probe(node->first, Hash{}(node->first));
    HELIOS_ASSERT_MSG(slots_[i].node == node, "an iterator to an erased entry");
    return i;
  }

  template <bool kConst>
  Iter<kConst> first_from(std::size_t i) const {
    for (; i < capacity_; ++i) {
      if (slots_[i].node != nullptr) {
        return Iter<kConst>(this, slots_[i].node, i);
      }
    }
    return Iter<kConst>(this, nullptr, 0);
  }

  // Rebuilds the slots with at least `min_slots` of them (rounded up to a power of two);
  // the nodes stay where they are.
  void grow(std::size_t min_slots) {
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(min_slots, 8));
    HELIOS_ASSERT(capacity > capacity_);
    std::unique_ptr<Slot[]> slots(new Slot[capacity]);
    const std::size_t mask = capacity - 1;
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].node == nullptr) {
        continue;
      }
      std::size_t j = slots_[i].hash & mask;
      while (slots[j].node != nullptr) {
        j = (j + 1) & mask;
      }
      slots[j] = slots_[i];
    }
    slots_ = std::move(slots);
    capacity_ = capacity;
  }

  std::unique_ptr<Slot[]> slots_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace helios::atlas
