#pragma once
// Command: one ATLAS log entry. A batch of one or more operations that Store::apply applies
// atomically (no other entry interleaves) and in order, at one time: `stamp_ms`.
//
// Who builds it: the leader, from client requests (src/api/) and from its own active expiry
// (DELETE_IF_EXPIRED). Before proposing, the leader
//   - turns every relative TTL (EX, PX, EXPIRE, PEXPIRE...) into an absolute deadline in unix
//     milliseconds, computed from the same clock reading it puts in `stamp_ms`;
//   - stamps `stamp_ms` with its clock, never below the stamp of any entry it or an earlier
//     leader proposed (architecture.md "TTLs are deterministic"). Apply trusts this and asserts
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
//     kRead            what:u8 (ReadKind) a:u64 b:u64 (int64s, two's complement; both 0
//                      unless kGetRange)  key (empty for kDbSize, and only for it)
//     kAppend          key value
//     kSetRange        offset:u64 (<= kMaxValueBytes)              key value
//     kIncrByFloat     key increment (length:u32 <= kMaxFloatIncrementBytes, then bytes
//                      that parse as a finite long double)
//     kRename          flags:u8 (RenameFlag bits)  src:key dst:key
//     kFlush           nothing
//     kMSetNx          pair_count:u32 (1..kMaxKeysPerOp)  (key value){pair_count}
//     kAcl             base:value (<= kMaxAclBytes)  arg_count:u32 (1..kMaxAclArgs)
//                      value{arg_count} (each <= kMaxAclArgBytes)
//     kObject          code:u16 (an ObjectCommand's, atlas/objects.h)  seed:u64
//                      arg_count:u32 (the row's arity, <= kMaxObjectArgs)  value{arg_count}
//     kWatch           guarded:u32 (ops after it that it guards; they must exist and hold
//                      no kWatch)  pair_count:u32 (1..kMaxKeysPerOp)
//                      (key version:u64){pair_count}
//     kStartVersions   nothing
//   key     := length:u32 (<= kMaxKeyBytes)   bytes
//   value   := length:u32 (<= kMaxValueBytes) bytes
//
// and the whole command is at most kMaxCommandBytes. decode_command rejects anything else:
// an unknown version, op code or ReadKind, unknown flag bits, a flag combination Redis
// refuses, a length beyond a limit or beyond the input, an increment that is not a finite
// number, bytes after the last op. (docs/formats.md describes the same layout.)
//
// A committed entry that fails to decode means a bug, corruption that passed the WAL and
// wire checksums, or an entry from a newer binary: the caller must stop the node (PANIC)
// rather than skip it, since a newer replica would apply it and the state would diverge.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace helios::atlas {

inline constexpr std::uint8_t kCommandVersion = 1;

// Limits (architecture.md coding habit 7). Redis allows 512 MB keys and values; a Helios value
// travels in one log entry, which must fit one WAL record (64 MiB) and one peer frame (64 MiB), and
// is copied into the log, the store and snapshots, so the limits are far lower:
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
// - an INCRBYFLOAT increment's text: 64 bytes (Redis allows 5 KiB, which no sensible
//   increment needs; src/api/ refuses longer ones).
inline constexpr std::size_t kMaxFloatIncrementBytes = 64;

enum class OpCode : std::uint8_t {
  kSet = 1,
  kDel = 2,
  kExpire = 3,
  kPersist = 4,
  kIncrBy = 5,
  kDeleteIfExpired = 6,
  kRead = 7,
  kAppend = 8,
  kSetRange = 9,
  kIncrByFloat = 10,
  kRename = 11,
  kFlush = 12,
  kMSetNx = 13,
  kAcl = 14,
  kObject = 15,
  kWatch = 16,
  kStartVersions = 17,
};

// ACL changes (AclOp): limits of one op.
inline constexpr std::size_t kMaxAclBytes = 4u << 20;     // the base: an encoded user table
inline constexpr std::size_t kMaxAclArgs = 4096;          // words of one ACL command
inline constexpr std::size_t kMaxAclArgBytes = 4u << 20;  // one word (ACL LOAD: a file)

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

// What a ReadOp reads.
enum class ReadKind : std::uint8_t {
  kGet = 1,          // bulk, or nil if absent
  kStrlen = 2,       // integer: the value's length, 0 if absent
  kExists = 3,       // integer: 1 or 0
  kPttl = 4,         // integer: as Store::ttl_ms (-2 absent, -1 no deadline, else ms left)
  kPexpireTime = 5,  // integer: as Store::expire_time_ms (-2, -1, else the deadline)
  kGetRange = 6,     // bulk: Redis's GETRANGE key a b (negative counts from the end);
                     //   "" if absent
  kDbSize = 7,       // integer: Store::size at the stamp; the key must be empty
  kType = 8,         // status: the key's type ("string", "hash"... "none" if absent)
  kGetOrNil = 9,     // as kGet, but nil for a key of another type (MGET's element)
};
inline constexpr std::uint8_t kMaxReadKind = 9;

// A read inside a write command (MULTI/EXEC with reads, GETDEL, GETEX), evaluated in order
// with the other ops, at the stamp, changing nothing: it does not even remove a key expired
// at the stamp (it just sees it absent). The reply is by `what`, above. `a` and `b` are
// GETRANGE's start and end, and 0 for every other kind. Any key is allowed, the empty one
// too, except for kDbSize, which takes the empty key only.
struct ReadOp {
  ReadKind what = ReadKind::kGet;
  std::string key;
  std::int64_t a = 0;
  std::int64_t b = 0;
  bool operator==(const ReadOp&) const = default;
};

// APPEND key value. Replies the new length. An absent key is created with `value` (even
// empty) and no deadline; an existing key keeps its deadline. A result longer than
// kMaxValueBytes replies kErrStringTooLong and changes nothing.
struct AppendOp {
  std::string key;
  std::string value;
  bool operator==(const AppendOp&) const = default;
};

// SETRANGE key offset value. Writes `value` at `offset`, padding with zero bytes; replies
// the new length. An empty value changes nothing and replies the current length (0, the key
// still absent, if it was absent). Otherwise an absent key is created (no deadline), an
// existing one keeps its deadline, and offset + value size beyond kMaxValueBytes replies
// kErrStringTooLong, changing nothing. offset <= kMaxValueBytes: src/api/ refuses negative
// offsets itself, and answers a larger offset without this op, as it would end: with an
// empty value, the current length (a READ kStrlen), else kErrStringTooLong.
struct SetRangeOp {
  std::string key;
  std::uint64_t offset = 0;
  std::string value;
  bool operator==(const SetRangeOp&) const = default;
};

// INCRBYFLOAT key increment. `increment` is the client's text, at most
// kMaxFloatIncrementBytes, which must parse (atlas/floating.h) to a finite number. The
// current value must parse the same way (infinity included, as in Redis) else
// kErrNotFloat; an absent key counts as 0 and gets no deadline, an existing key keeps its
// own. A NaN or infinite sum replies kErrNanOrInfinity. Otherwise the sum is stored as
// format_long_double writes it and replied as that bulk ("10.6", "5200"). Deterministic on
// replicas of one build (atlas/floating.h).
struct IncrByFloatOp {
  std::string key;
  std::string increment;
  bool operator==(const IncrByFloatOp&) const = default;
};

// RENAME src dst (nx false): replies OK. RENAMENX (nx true): replies 1, or 0 if dst exists
// (nothing changes). The value and the deadline move to dst, replacing dst's old value and
// deadline. An absent src (or one expired at the stamp) replies kErrNoSuchKey. src == dst:
// OK for RENAME, 0 for RENAMENX, if it exists.
struct RenameOp {
  std::string src;
  std::string dst;
  bool nx = false;
  bool operator==(const RenameOp&) const = default;
};

// FLUSHDB / FLUSHALL: removes every key. Replies OK.
struct FlushOp {
  bool operator==(const FlushOp&) const = default;
};

// MSETNX key value [key value ...]. If none of the keys exists at the stamp, sets them all
// (no deadline; for a key given twice, the last value wins) and replies 1; else replies 0
// and sets nothing. keys and values have the same size, 1..kMaxKeysPerOp.
struct MSetNxOp {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  bool operator==(const MSetNxOp&) const = default;
};

// A change of the ACL users (ACL SETUSER, ACL DELUSER...), replicated like any write so
// that every node enforces the same users once it applies it. The store keeps the users as
// an opaque table (bytes) and hands the change to the AclApplier the node installed
// (Store::set_acl_applier: src/api/ knows the rules and the commands); `args` is the ACL
// command ("SETUSER", name, rules... or "DELUSER", names...). `base` is the table to start
// from if the store holds none yet (the proposer's bootstrap users: requirepass, aclfile),
// else ignored. Touches no key. Replies what the applier says (OK, a count, an error).
struct AclOp {
  std::string base;
  std::vector<std::string> args;  // 1..kMaxAclArgs
  bool operator==(const AclOp&) const = default;
};

// Arguments of one ObjOp: enough for a key-value pair per kMaxKeysPerOp, and a few options.
inline constexpr std::size_t kMaxObjectArgs = 2 * kMaxKeysPerOp + 16;

// An object command (atlas/objects.h): HSET, LPUSH, SADD, ZADD... and the string commands
// whose type rules need one (GETDEL, GETEX). `code` names the command's row; `args` are the
// client's arguments after the command's name, as sent: the row parses them when it is
// applied, as Redis parses a command queued in MULTI when EXEC runs it, so a bad argument
// is an error reply, the same on every replica. `seed` is the randomness the leader drew for
// the commands that need it (SPOP, SRANDMEMBER...), 0 for the others; every replica draws
// from it alike. The arity is the row's; each argument is at most kMaxValueBytes and each
// key (the row's key positions) at most kMaxKeyBytes.
struct ObjOp {
  std::uint16_t code = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> args;
  bool operator==(const ObjOp&) const = default;
};

// WATCH's check at EXEC (optimistic transactions): the guard of the `guarded` ops that
// follow it (a MULTI/EXEC transaction's). `keys[i]` had key version `versions[i]` when the
// client WATCHed it (Store::key_version: the log index of the entry that last changed the
// key; 0 for an absent key). At apply, if every key's version at the stamp (a key expired
// at the stamp counts as absent: 0) still equals the recorded one, the guarded ops run and
// the guard replies integer 1; otherwise they are skipped, the guard and each of them reply
// nil, and nothing changes (the client's EXEC answers a null array). It touches no key.
// keys and versions have the same size, 1..kMaxKeysPerOp; guarded may be 0 (an EXEC of an
// empty transaction still checks its watched keys, as Redis does).
struct WatchOp {
  std::uint32_t guarded = 0;
  std::vector<std::string> keys;
  std::vector<std::uint64_t> versions;
  bool operator==(const WatchOp&) const = default;
};

// The start of key versions (Store::versions_since): the first such entry applied makes its
// index the version of every key that exists (a key's version becomes the larger of the
// two), and from then on WatchOps compare versions; before it, a WatchOp skips what it
// guards (versions kept before it may differ between replicas: a snapshot of a release
// before WATCH carries none). The leader proposes it by itself once every member runs wire
// minor 1 or later (node::Runtime); later ones change nothing. Replies integer 1 if it
// started the versions, 0 if they had started. It touches no key.
struct StartVersionsOp {
  bool operator==(const StartVersionsOp&) const = default;
};

// The variant's alternatives are in OpCode order (index + 1 == code).
using Op = std::variant<SetOp, DelOp, ExpireOp, PersistOp, IncrByOp, DeleteIfExpiredOp, ReadOp,
                        AppendOp, SetRangeOp, IncrByFloatOp, RenameOp, FlushOp, MSetNxOp, AclOp,
                        ObjOp, WatchOp, StartVersionsOp>;

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

// RENAME flag bits in the encoding.
enum RenameFlag : std::uint8_t {
  kRenameNx = 1u << 0,
};
inline constexpr std::uint8_t kRenameFlagsAll = kRenameNx;

OpCode op_code(const Op& op);
// "SET", "DEL", "EXPIRE", "PERSIST", "INCRBY", "DELETE_IF_EXPIRED", "READ", "APPEND",
// "SETRANGE", "INCRBYFLOAT", "RENAME", "FLUSH", "MSETNX", "ACL", "OBJECT", "WATCH",
// "START_VERSIONS"; "UNKNOWN" outside OpCode.
const char* op_name(OpCode code);

// OK if `command` obeys every rule above (op count, key and value sizes, flag combinations,
// nonzero DELETE_IF_EXPIRED deadline, READ kind and arguments, SETRANGE offset, INCRBYFLOAT
// increment, MSETNX pairs, WATCH pairs and guarded ops, encoded size); else kInvalidArgument
// saying which.
Status validate_command(const Command& command);

// The size of encode_command(command), computed without encoding.
std::size_t encoded_size(const Command& command);

// True if `command` holds an op that a release before the data types cannot decode (an ObjOp,
// a WatchOp, a StartVersionsOp, or a READ of kind kType or kGetOrNil): the proposer holds
// such a command back while a member of that release remains (api::Executor,
// node::Runtime; wire minor 1 announces the data types and WATCH, which came in the same
// release).
bool uses_data_types(const Command& command);

// The canonical encoding. `command` must be valid: the proposer ran validate_command on it
// once (api::Executor for each client command, Runtime::propose for the others); this does
// not check it again.
std::string encode_command(const Command& command);

// Decodes and validates one encoded command. kInvalidArgument (with the reason and the
// offset) on any malformed input; never asserts on bad bytes.
Result<Command> decode_command(std::string_view bytes);

// The stamp of an encoded command, read from its header without decoding the operations
// (the node keeps the largest stamp in its log this way); nullopt if `bytes` does not start
// with a command header of this version.
std::optional<std::uint64_t> peek_stamp(std::string_view bytes);

}  // namespace helios::atlas
