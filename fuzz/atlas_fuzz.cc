// libFuzzer target for the ATLAS command decoder (the same body as
// tests/unit/atlas/command_fuzz_test.cc, which runs a fixed-seed version of it in CI).
// Whatever the input, decode_command must not crash; what decodes must be valid, re-encode
// to exactly the input bytes, and apply to a store without breaking its invariants. The
// input is also decoded as a store snapshot (fuzz/snapshot_fuzz_body.h).
//
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined ... ; ./atlas_fuzz corpus/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "atlas/command.h"
#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/assert.h"
#include "snapshot_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace helios::atlas;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)fuzz::snapshot_fuzz_one(bytes);
  helios::Result<Command> decoded = decode_command(bytes);
  if (!decoded.is_ok()) {
    HELIOS_ASSERT(decoded.status().code() == helios::Code::kInvalidArgument);
    return 0;
  }
  const Command& command = decoded.value();
  HELIOS_ASSERT(validate_command(command).is_ok());
  HELIOS_ASSERT(encode_command(command) == bytes);
  Store store;
  const auto obj = [](std::string_view name, std::vector<std::string> args) {
    return ObjOp{find_object_command(name)->code, 0, std::move(args)};
  };
  // Strings, and a key of each collection type (as tests/unit/atlas/command_fuzz_test.cc).
  Command seed{0,
               {SetOp{"a", "1"}, SetOp{"b", "x", 50}, SetOp{"", "-9223372036854775808"},
                obj("HSET", {"h", "f", "1", "g", "x"}), obj("RPUSH", {"l", "1", "a", "1"}),
                obj("SADD", {"s", "1", "2", "a"}), obj("ZADD", {"z", "1", "a", "2", "b"})}};
  (void)store.apply(seed);
  HELIOS_ASSERT(store.apply(command).size() == command.ops.size());
  store.check_invariants();
  return 0;
}
