#pragma once
// The set family's parts (atlas/objects.h): obj_set.cc holds the rows and the commands on one
// set; obj_set_algebra.cc the commands over several sets (SINTER, SUNION, SDIFF, SINTERCARD
// and the *STORE forms), declared here for the rows. Each has the contract of a row function:
// Redis 7.0's replies and error lines, members in bytewise order where Redis's order is a
// hash table's, and no change to the store on an error.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/objects.h"

namespace helios::atlas::set_family {

// Redis 7.0 keeps a set whose members are all canonical integers, up to
// set-max-intset-entries (512), as an intset, which it walks in numeric order; any other set
// is a hash table, walked in no fixed order. The canonical order of set replies and of the
// seeded picks: numeric for such a set, bytewise otherwise (a function of the members only).
inline constexpr std::size_t kIntsetEntries = 512;
// Puts `members` (distinct) in that order; true if it is an intset's.
bool order_members(std::vector<std::string_view>& members);
// The members of `s` in that order (views into it or into `text`: SetObject::members).
std::vector<std::string_view> members_of(const SetObject& s, MemberText& text);
// The members as a set reply (RESP3 '~', RESP2 an array).
Reply set_reply(const std::vector<std::string_view>& members);

Reply sinter(const ObjectReader& r, const Args& args);
Reply sunion(const ObjectReader& r, const Args& args);
Reply sdiff(const ObjectReader& r, const Args& args);
Reply sintercard(const ObjectReader& r, const Args& args);
Reply sinterstore(ObjectWriter& w, const Args& args);
Reply sunionstore(ObjectWriter& w, const Args& args);
Reply sdiffstore(ObjectWriter& w, const Args& args);

// SINTERCARD numkeys key [key ...] [LIMIT limit]: its argument errors ("" if none) and its
// key indexes into args (none when numkeys is not valid).
std::string check_sintercard(const Args& args);
std::vector<std::size_t> sintercard_keys(const Args& args);

}  // namespace helios::atlas::set_family
