// The wire fuzz target's body (fuzz/wire_fuzz_body.h) run by the default build: over every
// file of the fuzz corpus, and over seeded random mutations of valid frames and bodies, so CI
// exercises the decoders without clang or libFuzzer.
//
// HELIOS_REWRITE_WIRE_CORPUS=1 rewrites the seed files (fuzz/wire_seeds.h) into the corpus.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/prng.h"
#include "fuzz/wire_fuzz_body.h"
#include "fuzz/wire_seeds.h"

namespace helios::wire {
namespace {

const std::filesystem::path kCorpusDir =
    std::filesystem::path(HELIOS_SOURCE_DIR) / "fuzz" / "corpus" / "wire";
constexpr int kMutations = 20'000;

void run(const std::string& input) {
  wire_fuzz_one(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// One random edit: flip bits, overwrite, insert, erase, truncate, or duplicate a range.
std::string mutate(base::Prng& prng, std::string s) {
  const int edits = static_cast<int>(prng.range(1, 4));
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : prng.uniform(s.size());
    switch (prng.uniform(6)) {
      case 0:
        if (!s.empty()) {
          s[at] = static_cast<char>(s[at] ^ (1 << prng.uniform(8)));
        }
        break;
      case 1:
        if (!s.empty()) {
          s[at] = static_cast<char>(prng.uniform(256));
        }
        break;
      case 2:
        s.insert(at, prng.range(1, 8), static_cast<char>(prng.uniform(256)));
        break;
      case 3:
        s.erase(at, prng.range(1, 8));
        break;
      case 4:
        s.resize(at);
        break;
      default:
        s.insert(at, s.substr(at, prng.range(1, 40)));
        break;
    }
  }
  return s;
}

// A frame's body mutated and framed again with a valid checksum, so that the mutation
// reaches the body decoders through the stream path.
std::string mutate_body_and_reframe(base::Prng& prng, const std::string& frame) {
  FrameDecoder decoder;
  decoder.feed(frame);
  Result<Frame> f = decoder.next();
  EXPECT_TRUE(f.is_ok());
  return encode_frame(f.value().type, mutate(prng, f.value().body));
}

TEST(WireFuzzCorpusTest, seedsAreInTheCorpus) {
  const bool rewrite = std::getenv("HELIOS_REWRITE_WIRE_CORPUS") != nullptr;
  if (rewrite) {
    std::filesystem::create_directories(kCorpusDir);
  }
  for (const WireSeed& seed : wire_seeds()) {
    const std::filesystem::path path = kCorpusDir / seed.name;
    if (rewrite) {
      write_file(path, seed.bytes);
    }
    EXPECT_EQ(read_file(path), seed.bytes)
        << path << " is stale: rerun with HELIOS_REWRITE_WIRE_CORPUS=1";
  }
}

TEST(WireFuzzCorpusTest, everyCorpusFilePasses) {
  int files = 0;
  for (const auto& item : std::filesystem::directory_iterator(kCorpusDir)) {
    if (!item.is_regular_file()) {
      continue;
    }
    SCOPED_TRACE(item.path().string());
    run(read_file(item.path()));
    ++files;
  }
  EXPECT_GE(files, static_cast<int>(wire_seeds().size()));
}

TEST(WireFuzzCorpusTest, randomMutationsOfValidFramesPass) {
  const std::vector<WireSeed> seeds = wire_seeds();
  base::Prng prng(20'240'601);
  int decoded_bodies = 0;
  int refused_bodies = 0;
  for (int i = 0; i < kMutations; ++i) {
    const std::string& seed = seeds[prng.uniform(seeds.size())].bytes;
    const bool framed = seed.size() >= kFrameHeaderSize && seed.compare(0, 4, "HLXF") == 0;
    std::string input;
    if (framed && prng.chance(1, 2)) {
      input = mutate_body_and_reframe(prng, seed);
      FrameDecoder decoder;
      decoder.feed(input);
      const Frame f = decoder.next().value();
      const bool ok = f.type == FrameType::kRaft      ? decode_message(f.body).is_ok()
                      : f.type == FrameType::kForward ? true
                                                      : decode_hello(f.body).is_ok();
      ++(ok ? decoded_bodies : refused_bodies);
    } else {
      input = mutate(prng, seed);
    }
    run(input);
  }
  // Both the accepting and the refusing paths of the body decoders were exercised.
  EXPECT_GT(decoded_bodies, 100);
  EXPECT_GT(refused_bodies, 1000);
}

}  // namespace
}  // namespace helios::wire
