#include "atlas/command.h"

#include <algorithm>
#include <type_traits>

#include "base/assert.h"
#include "base/bytes.h"

namespace helios::atlas {

namespace {

// Fixed sizes of the encoding.
constexpr std::size_t kCommandHeaderBytes = 1 + 8 + 4;  // version, stamp, op count
constexpr std::size_t kLengthBytes = 4;                 // before every key and value
// The smallest op: a PERSIST of the empty key (code, key length).
constexpr std::size_t kMinOpBytes = 1 + kLengthBytes;

Status invalid(std::string why) {
  return Status(Code::kInvalidArgument, "atlas command: " + why);
}

Status check_key(std::string_view key) {
  if (key.size() > kMaxKeyBytes) {
    return invalid("key of " + std::to_string(key.size()) + " bytes exceeds kMaxKeyBytes (" +
                   std::to_string(kMaxKeyBytes) + ")");
  }
  return Status::ok();
}

Status check_op(const SetOp& op) {
  if (op.value.size() > kMaxValueBytes) {
    return invalid("value of " + std::to_string(op.value.size()) +
                   " bytes exceeds kMaxValueBytes (" + std::to_string(kMaxValueBytes) + ")");
  }
  if (op.nx && op.xx) {
    return invalid("SET with both NX and XX");
  }
  if (op.keep_ttl && op.deadline_ms != 0) {
    return invalid("SET with both KEEPTTL and a deadline");
  }
  return check_key(op.key);
}

Status check_op(const DelOp& op) {
  if (op.keys.empty() || op.keys.size() > kMaxKeysPerOp) {
    return invalid("DEL of " + std::to_string(op.keys.size()) + " keys (1 to " +
                   std::to_string(kMaxKeysPerOp) + " allowed)");
  }
  for (const std::string& key : op.keys) {
    Status s = check_key(key);
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
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

// Decoding: a Reader plus the first error, with its offset. Reads after an error return
// zeros and empty strings; callers check ok() before using what they read.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : size_(bytes.size()), reader_(bytes) {}

  bool ok() const { return error_.is_ok(); }
  const Status& error() const { return error_; }
  std::size_t remaining() const { return reader_.remaining(); }

  std::uint8_t u8() { return checked(reader_.u8()); }
  std::uint32_t u32() { return checked(reader_.u32()); }
  std::uint64_t u64() { return checked(reader_.u64()); }

  // A u32 length (at most `limit`) and that many bytes.
  std::string bytes(std::size_t limit, const char* what) {
    const std::uint32_t length = u32();
    if (!ok()) {
      return {};
    }
    if (length > limit) {
      fail(std::string(what) + " length " + std::to_string(length) + " exceeds " +
           std::to_string(limit));
      return {};
    }
    if (length > reader_.remaining()) {
      fail(std::string(what) + " length " + std::to_string(length) + " runs past the end");
      return {};
    }
    return std::string(reader_.bytes(length));
  }
  std::string key() { return bytes(kMaxKeyBytes, "key"); }

  void fail(const std::string& why) {
    if (ok()) {
      error_ = invalid(why + " at offset " + std::to_string(size_ - reader_.remaining()));
    }
  }

 private:
  template <typename T>
  T checked(T value) {
    if (!reader_.ok()) {
      fail("truncated input");
    }
    return value;
  }

  std::size_t size_;
  base::Reader reader_;
  Status error_;
};

Op decode_set(Decoder& d) {
  SetOp o;
  const std::uint8_t flags = d.u8();
  o.deadline_ms = d.u64();
  if (d.ok() && (flags & ~kSetFlagsAll) != 0) {
    d.fail("unknown SET flag bits " + std::to_string(flags));
  }
  o.nx = (flags & kSetNx) != 0;
  o.xx = (flags & kSetXx) != 0;
  o.keep_ttl = (flags & kSetKeepTtl) != 0;
  o.get = (flags & kSetGet) != 0;
  o.key = d.key();
  o.value = d.bytes(kMaxValueBytes, "value");
  return o;
}

Op decode_del(Decoder& d) {
  DelOp o;
  const std::uint32_t count = d.u32();
  if (d.ok() && (count == 0 || count > kMaxKeysPerOp)) {
    d.fail("DEL of " + std::to_string(count) + " keys");
  }
  if (!d.ok()) {
    return o;
  }
  o.keys.reserve(std::min<std::size_t>(count, d.remaining() / kLengthBytes));
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    o.keys.push_back(d.key());
  }
  return o;
}

Op decode_expire(Decoder& d) {
  ExpireOp o;
  const std::uint8_t flags = d.u8();
  o.deadline_ms = d.u64();
  if (d.ok() && (flags & ~kExpireFlagsAll) != 0) {
    d.fail("unknown EXPIRE flag bits " + std::to_string(flags));
  }
  o.nx = (flags & kExpireNx) != 0;
  o.xx = (flags & kExpireXx) != 0;
  o.gt = (flags & kExpireGt) != 0;
  o.lt = (flags & kExpireLt) != 0;
  o.key = d.key();
  return o;
}

Op decode_persist(Decoder& d) {
  return PersistOp{d.key()};
}

Op decode_incrby(Decoder& d) {
  IncrByOp o;
  o.delta = static_cast<std::int64_t>(d.u64());
  o.key = d.key();
  return o;
}

Op decode_delete_if_expired(Decoder& d) {
  DeleteIfExpiredOp o;
  o.deadline_ms = d.u64();
  o.key = d.key();
  return o;
}

Op decode_op(Decoder& d) {
  const std::uint8_t code = d.u8();
  if (!d.ok()) {
    return Op{};
  }
  switch (static_cast<OpCode>(code)) {
    case OpCode::kSet:
      return decode_set(d);
    case OpCode::kDel:
      return decode_del(d);
    case OpCode::kExpire:
      return decode_expire(d);
    case OpCode::kPersist:
      return decode_persist(d);
    case OpCode::kIncrBy:
      return decode_incrby(d);
    case OpCode::kDeleteIfExpired:
      return decode_delete_if_expired(d);
  }
  d.fail("unknown op code " + std::to_string(code));
  return Op{};
}

}  // namespace

OpCode op_code(const Op& op) {
  static_assert(std::variant_size_v<Op> == 6);
  static_assert(std::is_same_v<std::variant_alternative_t<0, Op>, SetOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<5, Op>, DeleteIfExpiredOp>);
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
  const std::size_t size = encoded_size(command);
  if (size > kMaxCommandBytes) {
    return invalid("encoded size " + std::to_string(size) + " exceeds kMaxCommandBytes (" +
                   std::to_string(kMaxCommandBytes) + ")");
  }
  return Status::ok();
}

std::size_t encoded_size(const Command& command) {
  std::size_t size = kCommandHeaderBytes;
  for (const Op& op : command.ops) {
    size += 1 + std::visit([](const auto& o) { return body_size(o); }, op);
  }
  return size;
}

std::string encode_command(const Command& command) {
  const Status valid = validate_command(command);
  HELIOS_ASSERT_MSG(valid.is_ok(), valid.message().c_str());
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

Result<Command> decode_command(std::string_view bytes) {
  if (bytes.size() > kMaxCommandBytes) {
    return invalid(std::to_string(bytes.size()) + " bytes exceed kMaxCommandBytes");
  }
  Decoder d(bytes);
  const std::uint8_t version = d.u8();
  if (d.ok() && version != kCommandVersion) {
    return invalid("unsupported version " + std::to_string(version) + " (this build reads " +
                   std::to_string(kCommandVersion) + ")");
  }
  Command command;
  command.stamp_ms = d.u64();
  const std::uint32_t count = d.u32();
  if (d.ok() && (count == 0 || count > kMaxOpsPerCommand)) {
    return invalid(std::to_string(count) + " ops (1 to " + std::to_string(kMaxOpsPerCommand) +
                   " allowed)");
  }
  if (!d.ok()) {
    return d.error();
  }
  command.ops.reserve(std::min<std::size_t>(count, d.remaining() / kMinOpBytes));
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    command.ops.push_back(decode_op(d));
  }
  if (!d.ok()) {
    return d.error();
  }
  if (d.remaining() != 0) {
    return invalid(std::to_string(d.remaining()) + " trailing bytes after the last op");
  }
  // The structure is sound; now the rules a well-formed encoding can still break (flag
  // combinations, a zero DELETE_IF_EXPIRED deadline).
  Status s = validate_command(command);
  if (!s.is_ok()) {
    return s;
  }
  return command;
}

}  // namespace helios::atlas
