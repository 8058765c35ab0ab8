// libFuzzer target for src/resp/: the input as client requests and as server replies, fed at
// once, in two pieces and byte by byte. Build and run: fuzz/README.md. The checks live in
// resp_fuzz_body.h, shared with the unit test that replays them over seeded mutations
// (tests/unit/resp/stream_split_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/resp_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  helios::resp::resp_fuzz_one(data, size);
  return 0;
}
