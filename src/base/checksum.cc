#include "base/checksum.h"

#include <xxhash.h>

#include <memory>

#include "base/assert.h"

namespace helios::base {

std::uint64_t checksum64(std::string_view data, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

std::uint64_t checksum64(std::string_view head, std::string_view body, std::uint64_t seed) {
  return checksum64(body, checksum64(head, seed));
}

std::uint64_t checksum64_concat(std::string_view first, std::string_view second,
                                std::uint64_t seed) {
  struct Free {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
  };
  const std::unique_ptr<XXH3_state_t, Free> state(XXH3_createState());
  HELIOS_ASSERT(state != nullptr);
  HELIOS_ASSERT(XXH3_64bits_reset_withSeed(state.get(), seed) == XXH_OK);
  HELIOS_ASSERT(XXH3_64bits_update(state.get(), first.data(), first.size()) == XXH_OK);
  HELIOS_ASSERT(XXH3_64bits_update(state.get(), second.data(), second.size()) == XXH_OK);
  return XXH3_64bits_digest(state.get());
}

}  // namespace helios::base
