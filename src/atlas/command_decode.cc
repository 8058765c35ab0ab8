// decode_command: strict decoding of the encoding in atlas/command.h (command.cc validates
// and encodes).
#include <algorithm>
#include <string>
#include <utility>

#include "atlas/command.h"
#include "atlas/command_internal.h"
#include "base/bytes.h"

namespace helios::atlas {

namespace {

Status invalid(std::string why) {
  return command_invalid(std::move(why));
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
  std::uint16_t u16() {
    const std::uint8_t lo = u8();
    const std::uint8_t hi = u8();
    return static_cast<std::uint16_t>(lo | (hi << 8));
  }
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
  std::string value() { return bytes(kMaxValueBytes, "value"); }

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
  o.value = d.value();
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

Op decode_read(Decoder& d) {
  ReadOp o;
  const std::uint8_t what = d.u8();
  if (d.ok() && (what == 0 || what > kMaxReadKind)) {
    d.fail("unknown READ kind " + std::to_string(what));
  }
  o.what = static_cast<ReadKind>(what);
  o.a = static_cast<std::int64_t>(d.u64());
  o.b = static_cast<std::int64_t>(d.u64());
  o.key = d.key();
  return o;
}

Op decode_append(Decoder& d) {
  AppendOp o;
  o.key = d.key();
  o.value = d.value();
  return o;
}

Op decode_setrange(Decoder& d) {
  SetRangeOp o;
  o.offset = d.u64();
  o.key = d.key();
  o.value = d.value();
  return o;
}

Op decode_incrbyfloat(Decoder& d) {
  IncrByFloatOp o;
  o.key = d.key();
  o.increment = d.bytes(kMaxFloatIncrementBytes, "INCRBYFLOAT increment");
  return o;
}

Op decode_rename(Decoder& d) {
  RenameOp o;
  const std::uint8_t flags = d.u8();
  if (d.ok() && (flags & ~kRenameFlagsAll) != 0) {
    d.fail("unknown RENAME flag bits " + std::to_string(flags));
  }
  o.nx = (flags & kRenameNx) != 0;
  o.src = d.key();
  o.dst = d.key();
  return o;
}

Op decode_msetnx(Decoder& d) {
  MSetNxOp o;
  const std::uint32_t count = d.u32();
  if (d.ok() && (count == 0 || count > kMaxKeysPerOp)) {
    d.fail("MSETNX of " + std::to_string(count) + " keys");
  }
  if (!d.ok()) {
    return o;
  }
  const std::size_t fit = d.remaining() / (2 * kLengthBytes);
  o.keys.reserve(std::min<std::size_t>(count, fit));
  o.values.reserve(std::min<std::size_t>(count, fit));
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    o.keys.push_back(d.key());
    o.values.push_back(d.value());
  }
  return o;
}

Op decode_acl(Decoder& d) {
  AclOp o;
  o.base = d.value();
  const std::uint32_t count = d.u32();
  if (d.ok() && (count == 0 || count > kMaxAclArgs)) {
    d.fail("ACL op of " + std::to_string(count) + " words");
  }
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    o.args.push_back(d.value());
  }
  return o;
}

Op decode_object(Decoder& d) {
  ObjOp o;
  o.code = d.u16();
  o.seed = d.u64();
  const std::uint32_t count = d.u32();
  if (d.ok() && count > kMaxObjectArgs) {
    d.fail("object op of " + std::to_string(count) + " arguments");
  }
  if (!d.ok()) {
    return o;
  }
  o.args.reserve(std::min<std::size_t>(count, d.remaining() / kLengthBytes));
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    o.args.push_back(d.value());
  }
  return o;
}

Op decode_watch(Decoder& d) {
  WatchOp o;
  o.guarded = d.u32();
  const std::uint32_t count = d.u32();
  if (d.ok() && (count == 0 || count > kMaxKeysPerOp)) {
    d.fail("WATCH of " + std::to_string(count) + " keys");
  }
  if (!d.ok()) {
    return o;
  }
  const std::size_t fit = d.remaining() / (kLengthBytes + 8);
  o.keys.reserve(std::min<std::size_t>(count, fit));
  o.versions.reserve(std::min<std::size_t>(count, fit));
  for (std::uint32_t i = 0; i < count && d.ok(); ++i) {
    o.keys.push_back(d.key());
    o.versions.push_back(d.u64());
  }
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
    case OpCode::kRead:
      return decode_read(d);
    case OpCode::kAppend:
      return decode_append(d);
    case OpCode::kSetRange:
      return decode_setrange(d);
    case OpCode::kIncrByFloat:
      return decode_incrbyfloat(d);
    case OpCode::kRename:
      return decode_rename(d);
    case OpCode::kFlush:
      return FlushOp{};
    case OpCode::kMSetNx:
      return decode_msetnx(d);
    case OpCode::kAcl:
      return decode_acl(d);
    case OpCode::kObject:
      return decode_object(d);
    case OpCode::kWatch:
      return decode_watch(d);
    case OpCode::kStartVersions:
      return StartVersionsOp{};
  }
  d.fail("unknown op code " + std::to_string(code));
  return Op{};
}

}  // namespace

std::optional<std::uint64_t> peek_stamp(std::string_view bytes) {
  if (bytes.size() < kCommandHeaderBytes ||
      static_cast<std::uint8_t>(bytes[0]) != kCommandVersion) {
    return std::nullopt;
  }
  return base::load_u64(bytes.data() + 1);
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
  // combinations, a zero DELETE_IF_EXPIRED deadline, READ arguments, a SETRANGE offset, an
  // INCRBYFLOAT increment that is not a number).
  Status s = validate_command(command);
  if (!s.is_ok()) {
    return s;
  }
  return command;
}

}  // namespace helios::atlas
