#include "base/checksum.h"

#include <xxhash.h>
#if defined(__x86_64__)
// Runtime dispatch to the widest vector unit the CPU has (SSE2, AVX2, AVX-512): the XXH3
// names below become their *_dispatch versions in Debian's libxxhash. Measured here
// (bench/checksum.cc): 3.5 GB/s without, 43-51 GB/s with, on 4 KiB to 1 MiB inputs.
#include <xxh_x86dispatch.h>
#endif

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
  // One streaming state per thread, reset for each call: no allocation per checksum (the WAL
  // checksums every large entry's record this way).
  struct Free {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
  };
  thread_local const std::unique_ptr<XXH3_state_t, Free> state{XXH3_createState()};
  HELIOS_ASSERT(state != nullptr);
  HELIOS_ASSERT(XXH3_64bits_reset_withSeed(state.get(), seed) == XXH_OK);
  HELIOS_ASSERT(XXH3_64bits_update(state.get(), first.data(), first.size()) == XXH_OK);
  HELIOS_ASSERT(XXH3_64bits_update(state.get(), second.data(), second.size()) == XXH_OK);
  return XXH3_64bits_digest(state.get());
}

struct Checksum64Stream::State {
  struct Free {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
  };
  std::unique_ptr<XXH3_state_t, Free> xxh{XXH3_createState()};
};

Checksum64Stream::Checksum64Stream(std::uint64_t seed) : state_(std::make_unique<State>()) {
  HELIOS_ASSERT(state_->xxh != nullptr);
  HELIOS_ASSERT(XXH3_64bits_reset_withSeed(state_->xxh.get(), seed) == XXH_OK);
}

Checksum64Stream::~Checksum64Stream() = default;

void Checksum64Stream::update(std::string_view data) {
  HELIOS_ASSERT(XXH3_64bits_update(state_->xxh.get(), data.data(), data.size()) == XXH_OK);
}

std::uint64_t Checksum64Stream::digest() const {
  return XXH3_64bits_digest(state_->xxh.get());
}

}  // namespace helios::base
