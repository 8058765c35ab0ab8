// libFuzzer target for src/wire/: frames from a byte stream, message and hello bodies.
// Build and run: fuzz/README.md. The checks live in wire_fuzz_body.h, shared with the unit
// test that replays the corpus (tests/unit/wire/fuzz_corpus_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/wire_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  helios::wire::wire_fuzz_one(data, size);
  return 0;
}
