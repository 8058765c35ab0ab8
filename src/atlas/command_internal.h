#pragma once
// Shared by command.cc (validation, encoding) and command_decode.cc: the fixed sizes of the
// encoding in atlas/command.h. Not for use outside src/atlas.

#include <cstddef>
#include <string>

#include "base/status.h"

namespace helios::atlas {

inline constexpr std::size_t kCommandHeaderBytes = 1 + 8 + 4;  // version, stamp, op count
inline constexpr std::size_t kLengthBytes = 4;                 // before every key and value
// The smallest op: a FLUSH (its code alone).
inline constexpr std::size_t kMinOpBytes = 1;

// kInvalidArgument with "atlas command: " + why.
Status command_invalid(std::string why);

}  // namespace helios::atlas
