#pragma once
// Checksums for every record Helios writes or sends: 64-bit XXH3 (xxhash), seeded so that a
// record copied to the wrong place (another segment, another stream) does not verify.

#include <cstdint>
#include <string_view>

namespace helios::base {

std::uint64_t checksum64(std::string_view data, std::uint64_t seed);
// A checksum covering `head` and `body` without copying them together: the checksum of
// body, seeded with the checksum of head. (One-shot calls only: XXH3's streaming state
// needs 64-byte alignment, which sanitizer stack frames do not always give.)
std::uint64_t checksum64(std::string_view head, std::string_view body, std::uint64_t seed);
// checksum64 of `first` followed by `second`, as if they were one buffer, without copying
// them together (XXH3's streaming state, on the heap for its alignment).
std::uint64_t checksum64_concat(std::string_view first, std::string_view second,
                                std::uint64_t seed);

}  // namespace helios::base
