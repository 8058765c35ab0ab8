#pragma once
// Command: one ATLAS log entry. A batch of one or more operations that Store::apply applies
// atomically (no other entry interleaves) and in order, at one time: `stamp_ms`.
//
// Who builds it: the leader, from client requests (src/api/) and from its own active expiry
// (DELETE_IF_EXPIRED). Before proposing, the leader
//   - turns every relative TTL (EX, PX, EXPIRE, PEXPIRE...) into an absolute deadline in unix
//     milliseconds, computed from the same clock reading it puts in `stamp_ms`;
//   - stamps `stamp_ms` with its clock, never below the stamp of any entry it or an earlier
//     leader proposed (DESIGN.md "TTLs are deterministic"). Apply trusts this and asserts
//     nothing about it; it only uses the stamp to decide which keys count as expired;
//   - calls validate_command and answers the client with its message if it fails.
// Every replica then applies the same bytes, so the same stamps and deadlines: apply never
// reads a clock.
//
// Each operation's outcome is its own Reply: an error in one operation (INCRBY on a
// non-integer) changes nothing for that operation and does not undo or skip the others, as
// in Redis's EXEC. MULTI/EXEC becomes one Command with several operations.
//
// Encoding (all integers little-endian; encode_command is canonical, so
// encode(decode(b)) == b for every b that decodes):
//
//   command := version:u8 (= kCommandVersion) stamp_ms:u64
//              op_count:u32 (1..kMaxOpsPerCommand) op{op_count}
//   op      := code:u8 (OpCode) then, by code:
//     kSet             flags:u8 (SetFlag bits)    deadline_ms:u64  key value
//     kDel             key_count:u32 (1..kMaxKeysPerOp)  key{key_count}
//     kExpire          flags:u8 (ExpireFlag bits) deadline_ms:u64  key
//     kPersist         key
//     kIncrBy          delta:u64 (the int64, two's complement)     key
//     kDeleteIfExpired deadline_ms:u64 (nonzero)                   key
//   key     := length:u32 (<= kMaxKeyBytes)   bytes
//   value   := length:u32 (<= kMaxValueBytes) bytes
//
// and the whole command is at most kMaxCommandBytes. decode_command rejects anything else:
// an unknown version or op code, unknown flag bits, a flag combination Redis refuses, a
// length beyond a limit or beyond the input, bytes after the last op.
//
// A committed entry that fails to decode means a bug, corruption that passed the WAL and
// wire checksums, or an entry from a newer binary: the caller must stop the node (PANIC)
// rather than skip it, since a newer replica would apply it and the state would diverge.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace helios::atlas {

inline constexpr std::uint8_t kCommandVersion = 1;

// Limits (STYLE.md habit 7). Redis allows 512 MB keys and values; a Helios value travels in
// one log entry, which must fit one WAL record (64 MiB) and one peer frame (64 MiB), and is
// copied into the log, the store and snapshots, so the limits are far lower:
// - keys: 64 KiB. Keys are also copied into expiry commands and kept in the deadline index;
//   real keys are tens of bytes, and memcached stops at 250.
inline constexpr std::size_t kMaxKeyBytes = 64u << 10;
// - values: 16 MiB, so that a SET of the largest value fits kMaxCommandBytes with room.
inline constexpr std::size_t kMaxValueBytes = 16u << 20;
// - a whole encoded command (a MULTI/EXEC batch): 32 MiB, half a WAL record and a frame, so
//   the Raft entry's own header always fits too.
inline constexpr std::size_t kMaxCommandBytes = 32u << 20;
// - operations in one command, and keys in one DEL: bounds the Reply vector and the work of
//   one apply.
inline constexpr std::size_t kMaxOpsPerCommand = 1u << 16;
inline constexpr std::size_t kMaxKeysPerOp = 1u << 16;

enum class OpCode : std::uint8_t {
  kSet = 1,
  kDel = 2,
  kExpire = 3,
  kPersist = 4,
  kIncrBy = 5,
  kDeleteIfExpired = 6,
};

// SET key value [NX | XX] [GET] [EXAT/PXAT deadline_ms | KEEPTTL]. Replies OK, or nil if
// NX/XX stopped it; with GET, the old value (bulk) or nil, whether or not it stored.
// Not both nx and xx; not keep_ttl with a deadline. A deadline at or before the stamp
// stores nothing and leaves the key absent (the value expired at once), still replying OK.
struct SetOp {
  std::string key;
  std::string value;
  std::uint64_t deadline_ms = 0;  // absolute unix ms; 0 = no deadline (clears an old one)
  bool nx = false;                // store only if the key is absent
  bool xx = false;                // store only if the key exists
  bool keep_ttl = false;          // keep the key's current deadline (none if it was absent)
  bool get = false;               // reply with the old value instead of OK
  bool operator==(const SetOp&) const = default;
};

// DEL key [key ...]. Replies the number of keys that existed (a repeated key counts once).
struct DelOp {
  std::vector<std::string> keys;  // 1..kMaxKeysPerOp keys
  bool operator==(const DelOp&) const = default;
};

// EXPIREAT/PEXPIREAT key deadline_ms [NX | XX | GT | LT] (the leader makes EXPIRE, PEXPIRE
// absolute). Replies 1 if the deadline was set, 0 if the key is absent or a flag stopped it.
// A key without a deadline has an infinite TTL for GT and LT (Redis 7): GT never sets it,
// LT always does. A deadline at or before the stamp deletes the key (replying 1).
// Not nx with any other flag; not both gt and lt.
struct ExpireOp {
  std::string key;
  std::uint64_t deadline_ms = 0;  // absolute unix ms; 0 is the epoch (always in the past)
  bool nx = false;                // only if the key has no deadline
  bool xx = false;                // only if the key has a deadline
  bool gt = false;                // only if the new deadline is later than the current one
  bool lt = false;                // only if the new deadline is earlier than the current one
  bool operator==(const ExpireOp&) const = default;
};

// PERSIST key. Replies 1 if the key existed and had a deadline (now removed), else 0.
struct PersistOp {
  std::string key;
  bool operator==(const PersistOp&) const = default;
};

// INCRBY key delta; INCR, DECR and DECRBY map to it (src/api/ must answer DECRBY
// INT64_MIN itself with Redis's "ERR decrement would overflow"). An absent key counts as 0
// and gets no deadline; an existing key keeps its deadline. Replies the new value, or
// kErrNotInteger / kErrOverflow (changing nothing).
struct IncrByOp {
  std::string key;
  std::int64_t delta = 0;
  bool operator==(const IncrByOp&) const = default;
};

// The leader's active expiry (Store::expired_keys): delete `key` only if its deadline is
// exactly `deadline_ms` and that is at or before the stamp. A SET or EXPIRE applied since the
// leader looked changed the deadline, and then this does nothing. Replies 1 if it deleted.
struct DeleteIfExpiredOp {
  std::string key;
  std::uint64_t deadline_ms = 0;  // nonzero
  bool operator==(const DeleteIfExpiredOp&) const = default;
};

// The variant's alternatives are in OpCode order (index + 1 == code).
using Op = std::variant<SetOp, DelOp, ExpireOp, PersistOp, IncrByOp, DeleteIfExpiredOp>;

struct Command {
  std::uint64_t stamp_ms = 0;  // the leader's unix-ms clock reading; see the file comment
  std::vector<Op> ops;         // 1..kMaxOpsPerCommand, applied in order
  bool operator==(const Command&) const = default;
};

// SET flag bits in the encoding.
enum SetFlag : std::uint8_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kSetKeepTtl = 1u << 2,
  kSetGet = 1u << 3,
};
inline constexpr std::uint8_t kSetFlagsAll = kSetNx | kSetXx | kSetKeepTtl | kSetGet;

// EXPIRE flag bits in the encoding.
enum ExpireFlag : std::uint8_t {
  kExpireNx = 1u << 0,
  kExpireXx = 1u << 1,
  kExpireGt = 1u << 2,
  kExpireLt = 1u << 3,
};
inline constexpr std::uint8_t kExpireFlagsAll = kExpireNx | kExpireXx | kExpireGt | kExpireLt;

OpCode op_code(const Op& op);
const char* op_name(OpCode code);  // "SET", "DEL", ...; "UNKNOWN" for a value outside OpCode

// OK if `command` obeys every rule above (op count, key and value sizes, flag combinations,
// nonzero DELETE_IF_EXPIRED deadline, encoded size); else kInvalidArgument saying which.
Status validate_command(const Command& command);

// The size of encode_command(command), computed without encoding.
std::size_t encoded_size(const Command& command);

// The canonical encoding. `command` must be valid (validate_command): encoding an invalid
// command is a programmer error (asserted), since the leader validates before proposing.
std::string encode_command(const Command& command);

// Decodes and validates one encoded command. kInvalidArgument (with the reason and the
// offset) on any malformed input; never asserts on bad bytes.
Result<Command> decode_command(std::string_view bytes);

}  // namespace helios::atlas
