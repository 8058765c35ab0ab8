#include "base/checksum.h"

#include <xxhash.h>

namespace helios::base {

std::uint64_t checksum64(std::string_view data, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

std::uint64_t checksum64(std::string_view head, std::string_view body, std::uint64_t seed) {
  return checksum64(body, checksum64(head, seed));
}

}  // namespace helios::base
