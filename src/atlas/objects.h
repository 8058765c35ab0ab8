#pragma once
// Object commands: the Redis commands on hashes, lists, sets and sorted sets, and the string
// commands whose type rules need the same machinery (GETDEL, GETEX). One row per command
// (ObjectCommand) carries everything about it: its name, its code in the log (stable: part
// of the log format), Redis's arity, flags and key positions, and the function that runs
// it. The client port builds its command table rows from these rows
// (src/api/plan_objects.cc); the proposer puts an ObjOp naming the row by code into the log;
// Store::apply (writes) and Store::read (reads) run the row's function on every replica.
//
// A row's function parses its arguments as Redis does (errors: Redis's exact lines, as an
// error reply that changes nothing), finds its keys through its context (ObjectWriter for a
// write, ObjectReader for a read) and returns the reply. It must be deterministic: time is
// the context's stamp, randomness comes only from the op's seed, and nothing that changes
// the store may depend on a hash table's iteration order (a replica restored from a
// snapshot holds the same elements in another order): a command that picks elements
// (SPOP...) picks them in the canonical order of encode_object.
//
// The families: obj_string.cc (GETDEL, GETEX), obj_hash.cc, obj_list.cc, obj_set.cc,
// obj_zset.cc, obj_keys.cc (COPY, TOUCH, OBJECT, RANDOMKEY). Codes by family: strings 1-99, hashes
// 100-199, lists 200-299, sets 300-399, sorted sets 400-499, keys of any type 500-599.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/command.h"
#include "atlas/object.h"
#include "atlas/reply.h"

namespace helios::atlas {

class Store;

// A write's view of the store, at the command's stamp. Keys found expired at the stamp are
// removed first (the touch rule of store.h). Objects handed out stay valid until the next
// call on the writer that adds or removes a key.
class ObjectWriter {
 public:
  ObjectWriter(Store& store, std::uint64_t stamp_ms, std::uint64_t seed)
      : store_(store), stamp_ms_(stamp_ms), seed_(seed) {}

  std::uint64_t stamp_ms() const { return stamp_ms_; }
  std::uint64_t seed() const { return seed_; }

  struct Found {
    Object* object = nullptr;  // the key's object, if it holds one of the type asked
    bool wrong_type = false;   // the key exists and holds another type (a string included)
  };
  // The object of `key`, of `type`.
  Found find(std::string_view key, ObjectType type);
  // Creates `key`, which must be absent, holding an empty object of `type` and no deadline.
  // The command must fill it, or call done() to remove it.
  Object& create(std::string_view key, ObjectType type);
  // To call after changing `key`'s object: removes the key if the object is now empty (Redis
  // holds no empty collection).
  void done(std::string_view key);
  // Replaces whatever `key` holds (any type) by `object`, without a deadline; an empty
  // object just deletes the key (the *STORE commands).
  void put(std::string_view key, Object object);
  // Deletes `key` (any type); false if it did not exist.
  bool erase(std::string_view key);
  // Whether `key` exists (any type).
  bool exists(std::string_view key);

  // Strings (GETDEL, GETEX): the value of `key`, or nullptr if absent or not a string
  // (`wrong_type` says which).
  const std::string* find_string(std::string_view key, bool* wrong_type);
  // Sets the deadline of an existing key (0: none; else after the stamp).
  void set_deadline(std::string_view key, std::uint64_t deadline_ms);
  // COPY: gives `dst` (!= src) a copy of `src`'s value, whatever its type, and its deadline.
  // False, changing nothing, when `src` is absent or `dst` exists and !replace.
  bool copy(std::string_view src, std::string_view dst, bool replace);

 private:
  Store& store_;
  std::uint64_t stamp_ms_;
  std::uint64_t seed_;
};

// A read's view of the store, at `now_ms` (the serving node's clock, or the stamp inside a
// command). Never changes the store.
class ObjectReader {
 public:
  ObjectReader(const Store& store, std::uint64_t now_ms, std::uint64_t seed)
      : store_(store), now_ms_(now_ms), seed_(seed) {}

  std::uint64_t now_ms() const { return now_ms_; }
  std::uint64_t seed() const { return seed_; }

  struct Found {
    const Object* object = nullptr;
    bool wrong_type = false;
  };
  Found find(std::string_view key, ObjectType type) const;
  // The value of `key` if it is a string; nullopt if absent or of another type.
  std::optional<std::string_view> string_value(std::string_view key) const;
  // Whatever `key` holds: found false if absent; else its object, or (object nullptr) its
  // string value.
  struct Any {
    bool found = false;
    const Object* object = nullptr;
    std::string_view value;
  };
  Any any(std::string_view key) const;
  // A key visible at now_ms drawn from the seed (Store::random_key), or nullopt.
  std::optional<std::string> random_key() const;

 private:
  const Store& store_;
  std::uint64_t now_ms_;
  std::uint64_t seed_;
};

using Args = std::vector<std::string>;

struct ObjectCommand {
  std::string_view name;  // upper case: "HSET"
  std::uint16_t code = 0;
  int arity = 0;           // Redis's, counting the name: N exactly, -N at least N
  std::string_view flags;  // Redis's: "write denyoom fast"
  // Redis's legacy key positions in argv (the name is 0); last_key -1 is the last argument.
  int first_key = 1;
  int last_key = 1;
  int step = 1;
  // Exactly one of write and read.
  Reply (*write)(ObjectWriter& w, const Args& args) = nullptr;
  Reply (*read)(const ObjectReader& r, const Args& args) = nullptr;
  // Optional: the argument errors Redis reports before it looks at any key (the same parse
  // the function runs first), so the proposer answers them without a log entry; "" when the
  // arguments are fine. nullptr: nothing to check before the keys.
  std::string (*check)(const Args& args) = nullptr;
  // Optional, for commands whose keys Redis finds by a count (ZUNIONSTORE dst numkeys k...):
  // the key indexes into args (not argv). nullptr: by first_key/last_key/step.
  std::vector<std::size_t> (*keys)(const Args& args) = nullptr;
  bool random = false;  // the proposer stamps a seed into the op
  // False for a row the client port plans itself (its own row turns the client's arguments
  // into this row's: GETEX's relative TTLs into a deadline); such a row gets no command of
  // its own.
  bool client = true;
};

// The rows of each family (in any order; codes unique across all, asserted).
std::span<const ObjectCommand> string_object_commands();  // obj_string.cc
std::span<const ObjectCommand> hash_commands();           // obj_hash.cc
std::span<const ObjectCommand> list_commands();           // obj_list.cc
std::span<const ObjectCommand> set_commands();            // obj_set.cc
std::span<const ObjectCommand> zset_commands();           // obj_zset.cc
std::span<const ObjectCommand> key_commands();            // obj_keys.cc

// Every row.
const std::vector<const ObjectCommand*>& all_object_commands();
// The row of `code` / of an upper-case name, or nullptr.
const ObjectCommand* find_object_command(std::uint16_t code);
const ObjectCommand* find_object_command(std::string_view upper_name);
// True if `arg_count` arguments (after the name) satisfy the row's arity.
bool object_arity_ok(const ObjectCommand& row, std::size_t arg_count);
// The indexes into args (not argv) of the keys of a command with `args`.
std::vector<std::size_t> object_key_positions(const ObjectCommand& row, const Args& args);

// PLANTED BUG for the simulator only (`unordered-picks`): the commands that pick members at
// random (SPOP) pick in the hash table's order instead of the canonical one, so a replica
// restored from a snapshot (same members, another table order) removes other members.
// Process-wide; never set outside the simulator.
void plant_unordered_picks(bool on);
bool unordered_picks_planted();

// Runs an ObjOp: a write row through `w`, a read row at w's stamp.
Reply run_object_write(ObjectWriter& w, const Store& store, const ObjOp& op);
// Runs a read row (asserted) at `now_ms`.
Reply run_object_read(const Store& store, const ObjOp& op, std::uint64_t now_ms);
// True if `op` names a read row.
bool is_object_read(const ObjOp& op);

}  // namespace helios::atlas
