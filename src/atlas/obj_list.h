#pragma once
// What the two files of the list commands share (atlas/objects.h): obj_list.cc (pushes,
// pops, moves, LLEN, and the family's rows) and obj_list_index.cc (the commands that address
// elements by index or by value: LINDEX, LSET, LRANGE, LTRIM, LINSERT, LREM, LPOS).

#include <cstddef>
#include <span>
#include <string>

#include "atlas/obj_common.h"

namespace helios::atlas::list {

// The list of `key` for a write, or nullptr: absent (`error` untouched) or another type
// (`error` set to WRONGTYPE).
ListObject* writable(ObjectWriter& w, const std::string& key, Reply* error);

// The list of `key` for a read, or nullptr with `reply` set: `absent` for an absent key,
// WRONGTYPE for another type.
const ListObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                           Reply* reply);

// True if `added` more elements would take a list of `size` beyond kMaxMembers.
bool too_many(std::size_t size, std::size_t added);

// The rows of obj_list_index.cc.
std::span<const ObjectCommand> index_commands();

}  // namespace helios::atlas::list
