// The commands on keys of any type that need the object machinery (atlas/objects.h, codes
// 500-599): COPY (a write: the value, whatever its type, and the deadline), TOUCH, OBJECT and
// RANDOMKEY (reads).
//
// What differs from Redis, by design:
//   - OBJECT ENCODING of a string is judged by its contents (Redis's rule for a value it
//     stores: "int" for an integer of at most 20 characters, "embstr" up to 44 bytes,
//     "raw" beyond); Redis also reports "raw" for a short string grown by APPEND or
//     SETRANGE, which Helios does not track.
//   - OBJECT IDLETIME is 0 and OBJECT FREQ answers Redis's "no LFU policy" error: Helios keeps
//     no access clock per key (every replica would need the same one).
//   - RANDOMKEY is a read, served by one node: different nodes may name different keys, as two
//     calls on one Redis may.

#include <string>

#include "atlas/integer.h"
#include "atlas/obj_common.h"

namespace helios::atlas {

namespace {

// Redis's OBJ_SHARED_INTEGERS: a string holding an integer in [0, 10000) is a shared object,
// which OBJECT REFCOUNT reports as INT_MAX.
constexpr std::int64_t kSharedIntegers = 10000;
constexpr std::int64_t kSharedRefcount = 2147483647;
// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
constexpr std::size_t kEmbstrLimit = 44;

// COPY source destination [DB destination-db] [REPLACE]: the options in Redis's order (a DB
// index is checked when it is read; Helios has database 0 only).
struct CopyArgs {
  bool replace = false;
};

std::variant<CopyArgs, std::string> parse_copy(const Args& args) {
  CopyArgs c;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if (equals_upper(args[i], "REPLACE")) {
      c.replace = true;
    } else if (equals_upper(args[i], "DB") && i + 1 < args.size()) {
      const std::optional<std::int64_t> db = parse_int64(args[++i]);
      if (!db.has_value() || *db < INT32_MIN || *db > INT32_MAX) {
        return std::string(kErrNotInteger);
      }
      if (*db != 0) {
        return std::string("ERR DB index is out of range");
      }
    } else {
      return std::string(kErrSyntax);
    }
  }
  if (args[0] == args[1]) {
    return std::string("ERR source and destination objects are the same");
  }
  return c;
}

std::string check_copy(const Args& args) {
  auto parsed = parse_copy(args);
  const auto* error = std::get_if<std::string>(&parsed);
  return error == nullptr ? std::string() : *error;
}

Reply copy(ObjectWriter& w, const Args& args) {
  auto parsed = parse_copy(args);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    return Reply::error(*error);
  }
  return Reply::of_integer(w.copy(args[0], args[1], std::get<CopyArgs>(parsed).replace) ? 1 : 0);
}

// TOUCH key...: how many of the keys exist.
Reply touch(const ObjectReader& r, const Args& args) {
  std::int64_t n = 0;
  for (const std::string& key : args) {
    n += r.any(key).found ? 1 : 0;
  }
  return Reply::of_integer(n);
}

std::string_view string_encoding(std::string_view value) {
  if (value.size() <= 20 && parse_int64(value).has_value()) {
    return "int";
  }
  return value.size() <= kEmbstrLimit ? "embstr" : "raw";
}

std::int64_t refcount(const ObjectReader::Any& any) {
  if (any.object != nullptr) {
    return 1;
  }
  const std::optional<std::int64_t> n = parse_int64(any.value);
  const bool shared = any.value.size() <= 20 && n.has_value() && *n >= 0 && *n < kSharedIntegers;
  return shared ? kSharedRefcount : 1;
}

Reply object_help() {
  return bulk_array(std::vector<std::string_view>{
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    How the value of <key> is held (int, embstr, raw, listpack, hashtable,",
      "    quicklist, intset, skiplist...).",
      "FREQ <key>",
      "    Not tracked by Helios (no LFU policy): an error.",
      "IDLETIME <key>",
      "    Not tracked by Helios: always 0.",
      "REFCOUNT <key>",
      "    The reference count Redis would report for the value of <key>.",
      "HELP",
      "    Prints this help.",
  });
}

// OBJECT subcommand [key]: Redis 7 checks each subcommand's arity, then looks the key up
// (nil when absent), then answers.
Reply object(const ObjectReader& r, const Args& args) {
  const std::string& sub = args[0];
  const bool help = equals_upper(sub, "HELP");
  const bool keyed = equals_upper(sub, "ENCODING") || equals_upper(sub, "FREQ") ||
                     equals_upper(sub, "IDLETIME") || equals_upper(sub, "REFCOUNT");
  if (!help && !keyed) {
    return Reply::error("ERR unknown subcommand '" + sub + "'. Try OBJECT HELP.");
  }
  if (args.size() != (help ? 1u : 2u)) {
    std::string lower;
    for (char c : sub) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return Reply::error(wrong_args("object|" + lower));
  }
  if (help) {
    return object_help();
  }
  const ObjectReader::Any any = r.any(args[1]);
  if (!any.found) {
    return Reply::nil();
  }
  if (equals_upper(sub, "ENCODING")) {
    return Reply::bulk(
        std::string(any.object != nullptr ? any.object->encoding() : string_encoding(any.value)));
  }
  if (equals_upper(sub, "FREQ")) {
    return Reply::error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
        "note that when switching between policies at runtime LRU and LFU data will take "
        "some time to adjust.");
  }
  if (equals_upper(sub, "IDLETIME")) {
    return Reply::of_integer(0);
  }
  return Reply::of_integer(refcount(any));
}

// RANDOMKEY: a key drawn from the op's seed, or nil when there is none.
Reply randomkey(const ObjectReader& r, const Args&) {
  std::optional<std::string> key = r.random_key();
  return key.has_value() ? Reply::bulk(std::move(*key)) : Reply::nil();
}

constexpr ObjectCommand kRows[] = {
    {.name = "COPY",
     .code = 500,
     .arity = -3,
     .flags = "write denyoom",
     .first_key = 1,
     .last_key = 2,
     .write = copy,
     .check = check_copy},
    {.name = "TOUCH",
     .code = 501,
     .arity = -2,
     .flags = "readonly fast",
     .last_key = -1,
     .read = touch},
    {.name = "OBJECT",
     .code = 502,
     .arity = -2,
     .flags = "readonly",
     .first_key = 2,
     .last_key = 2,
     .read = object},
    {.name = "RANDOMKEY",
     .code = 503,
     .arity = 1,
     .flags = "readonly",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .read = randomkey,
     .random = true},
};

}  // namespace

std::span<const ObjectCommand> key_commands() {
  return kRows;
}

}  // namespace helios::atlas
