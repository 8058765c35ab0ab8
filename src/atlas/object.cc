#include "atlas/object.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "atlas/command.h"
#include "base/assert.h"
#include "base/bytes.h"

namespace helios::atlas {

namespace {

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, "atlas object: " + why);
}

void put_bytes(std::string& out, std::string_view s) {
  base::put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

// Reads one length-prefixed string; false (and `r` not ok) on a bad length.
bool read_bytes(base::Reader& r, std::string_view& out) {
  const std::uint32_t n = r.u32();
  if (!r.ok() || n > kMaxValueBytes || n > r.remaining()) {
    return false;
  }
  out = r.bytes(n);
  return true;
}

}  // namespace

std::string_view type_name(ObjectType type) {
  switch (type) {
    case ObjectType::kString:
      return "string";
    case ObjectType::kHash:
      return "hash";
    case ObjectType::kList:
      return "list";
    case ObjectType::kSet:
      return "set";
    case ObjectType::kZSet:
      return "zset";
  }
  return "none";
}

std::size_t Object::size() const {
  return std::visit([](const auto& c) { return size_of(c); }, data);
}

std::string_view Object::encoding() const {
  switch (type()) {
    case ObjectType::kHash:
      return as<HashObject>().encoding();
    case ObjectType::kSet:
      return as<SetObject>().encoding();
    case ObjectType::kList:
      return as<ListObject>().encoding();
    case ObjectType::kZSet:
      return as<ZSetObject>().encoding();
    case ObjectType::kString:
      break;
  }
  return "raw";
}

Object make_object(ObjectType type) {
  switch (type) {
    case ObjectType::kHash:
      return Object{HashObject{}};
    case ObjectType::kList:
      return Object{ListObject{}};
    case ObjectType::kSet:
      return Object{SetObject{}};
    case ObjectType::kZSet:
      return Object{ZSetObject{}};
    case ObjectType::kString:
      break;
  }
  HELIOS_ASSERT_MSG(false, "make_object of a string");
  return Object{HashObject{}};
}

Object clone_object(const Object& object) {
  return std::visit(
      [](const auto& c) -> Object {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, ZSetObject>) {
          return Object{c.clone()};
        } else {
          return Object{T(c)};
        }
      },
      object.data);
}

std::string encode_object(const Object& object) {
  std::string out;
  base::put_u64(out, object.size());
  switch (object.type()) {
    case ObjectType::kHash: {
      const auto& h = object.as<HashObject>();
      for (std::string_view field : h.fields()) {
        put_bytes(out, field);
        put_bytes(out, *h.find(field));
      }
      break;
    }
    case ObjectType::kList:
      object.as<ListObject>().for_each([&](std::string_view e) { put_bytes(out, e); });
      break;
    case ObjectType::kSet: {
      MemberText text;
      std::vector<std::string_view> members = object.as<SetObject>().members(text);
      std::sort(members.begin(), members.end());
      for (std::string_view m : members) {
        put_bytes(out, m);
      }
      break;
    }
    case ObjectType::kZSet:
      for (const SortedSet::Entry& e : object.as<ZSetObject>().entries()) {
        put_bytes(out, e.member);
        base::put_u64(out, std::bit_cast<std::uint64_t>(e.score));
      }
      break;
    case ObjectType::kString:
      HELIOS_ASSERT_MSG(false, "encode_object of a string");
  }
  return out;
}

Result<Object> decode_object(ObjectType type, std::string_view bytes) {
  if (type == ObjectType::kString || static_cast<std::uint8_t>(type) > kMaxObjectType) {
    return corrupt("not a collection type");
  }
  base::Reader r(bytes);
  const std::uint64_t count = r.u64();
  // Every element takes at least 4 bytes: a count beyond that is a lie.
  if (!r.ok() || count == 0 || count > kMaxMembers || count > r.remaining() / 4) {
    return corrupt("bad element count");
  }
  Object object = make_object(type);
  std::string_view previous;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view member;
    if (!read_bytes(r, member)) {
      return corrupt("element " + std::to_string(i) + " has a bad length");
    }
    const bool ascending = i == 0 || previous < member;
    previous = member;
    switch (type) {
      case ObjectType::kHash: {
        std::string_view value;
        if (!ascending || !read_bytes(r, value)) {
          return corrupt("hash field " + std::to_string(i) + " out of order or truncated");
        }
        object.as<HashObject>().set(member, value);
        break;
      }
      case ObjectType::kList:
        object.as<ListObject>().push_back(member);
        break;
      case ObjectType::kSet:
        if (!ascending) {
          return corrupt("set member " + std::to_string(i) + " out of order");
        }
        object.as<SetObject>().insert(member);
        break;
      case ObjectType::kZSet: {
        const double score = std::bit_cast<double>(r.u64());
        if (!r.ok() || std::isnan(score) || !object.as<ZSetObject>().insert(member, score)) {
          return corrupt("sorted set member " + std::to_string(i) + " repeated or bad");
        }
        break;
      }
      case ObjectType::kString:
        break;
    }
  }
  if (r.remaining() != 0) {
    return corrupt(std::to_string(r.remaining()) + " bytes after the last element");
  }
  return object;
}

void check_object(const Object& object) {
  HELIOS_ASSERT(!object.empty());
  HELIOS_ASSERT(object.size() <= kMaxMembers);
  switch (object.type()) {
    case ObjectType::kHash:
      object.as<HashObject>().check_invariants();
      object.as<HashObject>().for_each([](std::string_view field, std::string_view value) {
        HELIOS_ASSERT(field.size() <= kMaxValueBytes && value.size() <= kMaxValueBytes);
      });
      break;
    case ObjectType::kList:
      object.as<ListObject>().check_invariants();
      object.as<ListObject>().for_each(
          [](std::string_view e) { HELIOS_ASSERT(e.size() <= kMaxValueBytes); });
      break;
    case ObjectType::kSet:
      object.as<SetObject>().check_invariants();
      object.as<SetObject>().for_each(
          [](std::string_view e) { HELIOS_ASSERT(e.size() <= kMaxValueBytes); });
      break;
    case ObjectType::kZSet:
      object.as<ZSetObject>().check_invariants();
      for (const SortedSet::Entry& e : object.as<ZSetObject>().entries()) {
        HELIOS_ASSERT(!std::isnan(e.score) && e.member.size() <= kMaxValueBytes);
      }
      break;
    case ObjectType::kString:
      HELIOS_ASSERT_MSG(false, "a string held as an Object");
  }
}

}  // namespace helios::atlas
