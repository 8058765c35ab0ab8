#include "atlas/command.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>
#include <utility>

#include "atlas/command_internal.h"
#include "atlas/floating.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "base/bytes.h"

namespace helios::atlas {

Status command_invalid(std::string why) {
  return Status(Code::kInvalidArgument, "atlas command: " + why);
}

namespace {

Status invalid(std::string why) {
  return command_invalid(std::move(why));
}

Status check_key(std::string_view key) {
  if (key.size() > kMaxKeyBytes) {
    return invalid("key of " + std::to_string(key.size()) + " bytes exceeds kMaxKeyBytes (" +
                   std::to_string(kMaxKeyBytes) + ")");
  }
  return Status::ok();
}

Status check_value(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return invalid("value of " + std::to_string(value.size()) + " bytes exceeds kMaxValueBytes (" +
                   std::to_string(kMaxValueBytes) + ")");
  }
  return Status::ok();
}

Status check_key_count(const char* what, std::size_t count) {
  if (count == 0 || count > kMaxKeysPerOp) {
    return invalid(std::string(what) + " of " + std::to_string(count) + " keys (1 to " +
                   std::to_string(kMaxKeysPerOp) + " allowed)");
  }
  return Status::ok();
}

Status check_op(const SetOp& op) {
  Status s = check_value(op.value);
  if (!s.is_ok()) {
    return s;
  }
  if (op.nx && op.xx) {
    return invalid("SET with both NX and XX");
  }
  if (op.keep_ttl && op.deadline_ms != 0) {
    return invalid("SET with both KEEPTTL and a deadline");
  }
  return check_key(op.key);
}

// A key list of `what` (DEL, WATCH): 1..kMaxKeysPerOp keys, each within kMaxKeyBytes.
Status check_keys(const char* what, const std::vector<std::string>& keys) {
  Status count = check_key_count(what, keys.size());
  if (!count.is_ok()) {
    return count;
  }
  for (const std::string& key : keys) {
    Status s = check_key(key);
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status check_op(const DelOp& op) {
  return check_keys("DEL", op.keys);
}

Status check_op(const ExpireOp& op) {
  if (op.nx && (op.xx || op.gt || op.lt)) {
    return invalid("EXPIRE with NX and XX, GT or LT");
  }
  if (op.gt && op.lt) {
    return invalid("EXPIRE with both GT and LT");
  }
  return check_key(op.key);
}

Status check_op(const PersistOp& op) {
  return check_key(op.key);
}
Status check_op(const IncrByOp& op) {
  return check_key(op.key);
}

Status check_op(const DeleteIfExpiredOp& op) {
  if (op.deadline_ms == 0) {
    return invalid("DELETE_IF_EXPIRED without a deadline");
  }
  return check_key(op.key);
}

Status check_op(const ReadOp& op) {
  const auto what = static_cast<std::uint8_t>(op.what);
  if (what == 0 || what > kMaxReadKind) {
    return invalid("READ of unknown kind " + std::to_string(what));
  }
  if (op.what != ReadKind::kGetRange && (op.a != 0 || op.b != 0)) {
    return invalid("READ with range arguments for kind " + std::to_string(what));
  }
  if (op.what == ReadKind::kDbSize && !op.key.empty()) {
    return invalid("READ of the database size with a key");
  }
  return check_key(op.key);
}

Status check_op(const AppendOp& op) {
  Status s = check_value(op.value);
  return s.is_ok() ? check_key(op.key) : s;
}

Status check_op(const SetRangeOp& op) {
  if (op.offset > kMaxValueBytes) {
    return invalid("SETRANGE offset " + std::to_string(op.offset) + " exceeds kMaxValueBytes (" +
                   std::to_string(kMaxValueBytes) + ")");
  }
  Status s = check_value(op.value);
  return s.is_ok() ? check_key(op.key) : s;
}

Status check_op(const IncrByFloatOp& op) {
  if (op.increment.size() > kMaxFloatIncrementBytes) {
    return invalid("INCRBYFLOAT increment of " + std::to_string(op.increment.size()) +
                   " bytes exceeds kMaxFloatIncrementBytes (" +
                   std::to_string(kMaxFloatIncrementBytes) + ")");
  }
  const std::optional<long double> increment = parse_long_double(op.increment);
  if (!increment || !std::isfinite(*increment)) {
    return invalid("INCRBYFLOAT increment is not a finite number");
  }
  return check_key(op.key);
}

Status check_op(const RenameOp& op) {
  Status s = check_key(op.src);
  return s.is_ok() ? check_key(op.dst) : s;
}

Status check_op(const FlushOp&) {
  return Status::ok();
}

Status check_op(const StartVersionsOp&) {
  return Status::ok();
}

Status check_op(const AclOp& op) {
  if (op.base.size() > kMaxAclBytes) {
    return invalid("ACL base of " + std::to_string(op.base.size()) + " bytes");
  }
  if (op.args.empty() || op.args.size() > kMaxAclArgs) {
    return invalid("ACL op of " + std::to_string(op.args.size()) + " words");
  }
  for (const std::string& a : op.args) {
    if (a.size() > kMaxAclArgBytes) {
      return invalid("ACL word of " + std::to_string(a.size()) + " bytes");
    }
  }
  return Status::ok();
}

Status check_op(const MSetNxOp& op) {
  if (op.keys.size() != op.values.size()) {
    return invalid("MSETNX of " + std::to_string(op.keys.size()) + " keys and " +
                   std::to_string(op.values.size()) + " values");
  }
  Status count = check_key_count("MSETNX", op.keys.size());
  if (!count.is_ok()) {
    return count;
  }
  for (std::size_t i = 0; i < op.keys.size(); ++i) {
    Status s = check_key(op.keys[i]);
    if (s.is_ok()) {
      s = check_value(op.values[i]);
    }
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status check_op(const ObjOp& op) {
  const ObjectCommand* row = find_object_command(op.code);
  if (row == nullptr) {
    return invalid("unknown object command " + std::to_string(op.code));
  }
  if (!object_arity_ok(*row, op.args.size()) || op.args.size() > kMaxObjectArgs) {
    return invalid(std::string(row->name) + " with " + std::to_string(op.args.size()) +
                   " arguments");
  }
  for (const std::string& a : op.args) {
    Status s = check_value(a);
    if (!s.is_ok()) {
      return s;
    }
  }
  for (std::size_t i : object_key_positions(*row, op.args)) {
    Status s = check_key(op.args[i]);
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status check_op(const WatchOp& op) {
  if (op.keys.size() != op.versions.size()) {
    return invalid("WATCH of " + std::to_string(op.keys.size()) + " keys and " +
                   std::to_string(op.versions.size()) + " versions");
  }
  return check_keys("WATCH", op.keys);
}

// The command-level rule of kWatch: its guarded ops follow it and hold no other guard.
Status check_guards(const Command& command) {
  std::size_t guarded_until = 0;  // ops before this index are inside a guard's range
  for (std::size_t i = 0; i < command.ops.size(); ++i) {
    const auto* watch = std::get_if<WatchOp>(&command.ops[i]);
    if (watch == nullptr) {
      continue;
    }
    if (i < guarded_until) {
      return invalid("WATCH inside the ops another WATCH guards (op " + std::to_string(i) + ")");
    }
    if (watch->guarded > command.ops.size() - i - 1) {
      return invalid("WATCH guarding " + std::to_string(watch->guarded) + " ops, " +
                     std::to_string(command.ops.size() - i - 1) + " follow (op " +
                     std::to_string(i) + ")");
    }
    guarded_until = i + 1 + watch->guarded;
  }
  return Status::ok();
}

// The encoded size of each op's body (after its code byte).
std::size_t body_size(const SetOp& o) {
  return 1 + 8 + kLengthBytes + o.key.size() + kLengthBytes + o.value.size();
}
std::size_t body_size(const DelOp& o) {
  std::size_t size = 4;
  for (const std::string& key : o.keys) {
    size += kLengthBytes + key.size();
  }
  return size;
}
std::size_t body_size(const ExpireOp& o) {
  return 1 + 8 + kLengthBytes + o.key.size();
}
std::size_t body_size(const PersistOp& o) {
  return kLengthBytes + o.key.size();
}
std::size_t body_size(const IncrByOp& o) {
  return 8 + kLengthBytes + o.key.size();
}
std::size_t body_size(const DeleteIfExpiredOp& o) {
  return 8 + kLengthBytes + o.key.size();
}

std::size_t body_size(const ReadOp& o) {
  return 1 + 8 + 8 + kLengthBytes + o.key.size();
}
std::size_t body_size(const AppendOp& o) {
  return kLengthBytes + o.key.size() + kLengthBytes + o.value.size();
}
std::size_t body_size(const SetRangeOp& o) {
  return 8 + kLengthBytes + o.key.size() + kLengthBytes + o.value.size();
}
std::size_t body_size(const IncrByFloatOp& o) {
  return kLengthBytes + o.key.size() + kLengthBytes + o.increment.size();
}
std::size_t body_size(const RenameOp& o) {
  return 1 + kLengthBytes + o.src.size() + kLengthBytes + o.dst.size();
}
std::size_t body_size(const FlushOp&) {
  return 0;
}
std::size_t body_size(const StartVersionsOp&) {
  return 0;
}
std::size_t body_size(const AclOp& o) {
  std::size_t size = kLengthBytes + o.base.size() + 4;
  for (const std::string& a : o.args) {
    size += kLengthBytes + a.size();
  }
  return size;
}
std::size_t body_size(const MSetNxOp& o) {
  std::size_t size = 4;
  for (std::size_t i = 0; i < o.keys.size(); ++i) {
    size += kLengthBytes + o.keys[i].size() + kLengthBytes + o.values[i].size();
  }
  return size;
}

std::size_t body_size(const WatchOp& o) {
  std::size_t size = 4 + 4;
  for (const std::string& k : o.keys) {
    size += kLengthBytes + k.size() + 8;
  }
  return size;
}

std::size_t body_size(const ObjOp& o) {
  std::size_t size = 2 + 8 + 4;
  for (const std::string& a : o.args) {
    size += kLengthBytes + a.size();
  }
  return size;
}

std::uint8_t set_flags(const SetOp& op) {
  return static_cast<std::uint8_t>((op.nx ? kSetNx : 0) | (op.xx ? kSetXx : 0) |
                                   (op.keep_ttl ? kSetKeepTtl : 0) | (op.get ? kSetGet : 0));
}

std::uint8_t expire_flags(const ExpireOp& op) {
  return static_cast<std::uint8_t>((op.nx ? kExpireNx : 0) | (op.xx ? kExpireXx : 0) |
                                   (op.gt ? kExpireGt : 0) | (op.lt ? kExpireLt : 0));
}

void put_bytes(std::string& out, std::string_view bytes) {
  HELIOS_ASSERT(bytes.size() <= kMaxValueBytes);
  base::put_u32(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}

// Appends each op's body (after its code byte).
void encode_body(std::string& out, const SetOp& o) {
  base::put_u8(out, set_flags(o));
  base::put_u64(out, o.deadline_ms);
  put_bytes(out, o.key);
  put_bytes(out, o.value);
}
void encode_body(std::string& out, const DelOp& o) {
  base::put_u32(out, static_cast<std::uint32_t>(o.keys.size()));
  for (const std::string& key : o.keys) {
    put_bytes(out, key);
  }
}
void encode_body(std::string& out, const ExpireOp& o) {
  base::put_u8(out, expire_flags(o));
  base::put_u64(out, o.deadline_ms);
  put_bytes(out, o.key);
}
void encode_body(std::string& out, const PersistOp& o) {
  put_bytes(out, o.key);
}
void encode_body(std::string& out, const IncrByOp& o) {
  base::put_u64(out, static_cast<std::uint64_t>(o.delta));
  put_bytes(out, o.key);
}
void encode_body(std::string& out, const DeleteIfExpiredOp& o) {
  base::put_u64(out, o.deadline_ms);
  put_bytes(out, o.key);
}

void encode_body(std::string& out, const ReadOp& o) {
  base::put_u8(out, static_cast<std::uint8_t>(o.what));
  base::put_u64(out, static_cast<std::uint64_t>(o.a));
  base::put_u64(out, static_cast<std::uint64_t>(o.b));
  put_bytes(out, o.key);
}
void encode_body(std::string& out, const AppendOp& o) {
  put_bytes(out, o.key);
  put_bytes(out, o.value);
}
void encode_body(std::string& out, const SetRangeOp& o) {
  base::put_u64(out, o.offset);
  put_bytes(out, o.key);
  put_bytes(out, o.value);
}
void encode_body(std::string& out, const IncrByFloatOp& o) {
  put_bytes(out, o.key);
  put_bytes(out, o.increment);
}
void encode_body(std::string& out, const RenameOp& o) {
  base::put_u8(out, o.nx ? kRenameNx : 0);
  put_bytes(out, o.src);
  put_bytes(out, o.dst);
}
void encode_body(std::string&, const FlushOp&) {}
void encode_body(std::string&, const StartVersionsOp&) {}
void encode_body(std::string& out, const AclOp& o) {
  put_bytes(out, o.base);
  base::put_u32(out, static_cast<std::uint32_t>(o.args.size()));
  for (const std::string& a : o.args) {
    put_bytes(out, a);
  }
}
void encode_body(std::string& out, const MSetNxOp& o) {
  base::put_u32(out, static_cast<std::uint32_t>(o.keys.size()));
  for (std::size_t i = 0; i < o.keys.size(); ++i) {
    put_bytes(out, o.keys[i]);
    put_bytes(out, o.values[i]);
  }
}

void encode_body(std::string& out, const ObjOp& o) {
  base::put_u16(out, o.code);
  base::put_u64(out, o.seed);
  base::put_u32(out, static_cast<std::uint32_t>(o.args.size()));
  for (const std::string& a : o.args) {
    put_bytes(out, a);
  }
}

void encode_body(std::string& out, const WatchOp& o) {
  base::put_u32(out, o.guarded);
  base::put_u32(out, static_cast<std::uint32_t>(o.keys.size()));
  for (std::size_t i = 0; i < o.keys.size(); ++i) {
    put_bytes(out, o.keys[i]);
    base::put_u64(out, o.versions[i]);
  }
}

}  // namespace

OpCode op_code(const Op& op) {
  static_assert(std::variant_size_v<Op> == 17);
  static_assert(std::is_same_v<std::variant_alternative_t<0, Op>, SetOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<5, Op>, DeleteIfExpiredOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<6, Op>, ReadOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<12, Op>, MSetNxOp>);
  static_assert(static_cast<int>(OpCode::kMSetNx) == 13);
  static_assert(std::is_same_v<std::variant_alternative_t<13, Op>, AclOp>);
  static_assert(static_cast<int>(OpCode::kAcl) == 14);
  static_assert(std::is_same_v<std::variant_alternative_t<14, Op>, ObjOp>);
  static_assert(static_cast<int>(OpCode::kObject) == 15);
  static_assert(std::is_same_v<std::variant_alternative_t<15, Op>, WatchOp>);
  static_assert(static_cast<int>(OpCode::kWatch) == 16);
  static_assert(std::is_same_v<std::variant_alternative_t<16, Op>, StartVersionsOp>);
  static_assert(static_cast<int>(OpCode::kStartVersions) == 17);
  HELIOS_ASSERT(!op.valueless_by_exception());
  return static_cast<OpCode>(op.index() + 1);
}

const char* op_name(OpCode code) {
  switch (code) {
    case OpCode::kSet:
      return "SET";
    case OpCode::kDel:
      return "DEL";
    case OpCode::kExpire:
      return "EXPIRE";
    case OpCode::kPersist:
      return "PERSIST";
    case OpCode::kIncrBy:
      return "INCRBY";
    case OpCode::kDeleteIfExpired:
      return "DELETE_IF_EXPIRED";
    case OpCode::kRead:
      return "READ";
    case OpCode::kAppend:
      return "APPEND";
    case OpCode::kSetRange:
      return "SETRANGE";
    case OpCode::kIncrByFloat:
      return "INCRBYFLOAT";
    case OpCode::kRename:
      return "RENAME";
    case OpCode::kFlush:
      return "FLUSH";
    case OpCode::kMSetNx:
      return "MSETNX";
    case OpCode::kAcl:
      return "ACL";
    case OpCode::kObject:
      return "OBJECT";
    case OpCode::kWatch:
      return "WATCH";
    case OpCode::kStartVersions:
      return "START_VERSIONS";
  }
  return "UNKNOWN";
}

Status validate_command(const Command& command) {
  if (command.ops.empty() || command.ops.size() > kMaxOpsPerCommand) {
    return invalid(std::to_string(command.ops.size()) + " ops (1 to " +
                   std::to_string(kMaxOpsPerCommand) + " allowed)");
  }
  for (std::size_t i = 0; i < command.ops.size(); ++i) {
    Status s = std::visit([](const auto& o) { return check_op(o); }, command.ops[i]);
    if (!s.is_ok()) {
      return Status(s.code(), s.message() + " (op " + std::to_string(i) + ")");
    }
  }
  if (Status guards = check_guards(command); !guards.is_ok()) {
    return guards;
  }
  const std::size_t size = encoded_size(command);
  if (size > kMaxCommandBytes) {
    return invalid("encoded size " + std::to_string(size) + " exceeds kMaxCommandBytes (" +
                   std::to_string(kMaxCommandBytes) + ")");
  }
  return Status::ok();
}

bool uses_data_types(const Command& command) {
  return std::any_of(command.ops.begin(), command.ops.end(), [](const Op& op) {
    const auto* read = std::get_if<ReadOp>(&op);
    return std::holds_alternative<ObjOp>(op) || std::holds_alternative<WatchOp>(op) ||
           std::holds_alternative<StartVersionsOp>(op) ||
           (read != nullptr &&
            (read->what == ReadKind::kType || read->what == ReadKind::kGetOrNil));
  });
}

std::size_t encoded_size(const Command& command) {
  std::size_t size = kCommandHeaderBytes;
  for (const Op& op : command.ops) {
    size += 1 + std::visit([](const auto& o) { return body_size(o); }, op);
  }
  return size;
}

std::string encode_command(const Command& command) {
  std::string out;
  out.reserve(encoded_size(command));
  base::put_u8(out, kCommandVersion);
  base::put_u64(out, command.stamp_ms);
  base::put_u32(out, static_cast<std::uint32_t>(command.ops.size()));
  for (const Op& op : command.ops) {
    base::put_u8(out, static_cast<std::uint8_t>(op_code(op)));
    std::visit([&](const auto& o) { encode_body(out, o); }, op);
  }
  HELIOS_ASSERT(out.size() == encoded_size(command));
  return out;
}

}  // namespace helios::atlas
