#pragma once
// Checksums for every record Helios writes or sends: 64-bit XXH3 (xxhash), seeded so that a
// record copied to the wrong place (another segment, another stream) does not verify.

#include <cstdint>
#include <memory>
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

// checksum64 of everything passed to update(), in pieces of any size, as if it were one
// buffer (XXH3's streaming state, on the heap for its alignment): for data too large to
// hold at once, e.g. a backup streamed from a file. One thread at a time.
class Checksum64Stream {
 public:
  explicit Checksum64Stream(std::uint64_t seed);
  ~Checksum64Stream();
  Checksum64Stream(const Checksum64Stream&) = delete;
  Checksum64Stream& operator=(const Checksum64Stream&) = delete;

  // This thread's stream, restarted with `seed`: no allocation per checksum (a frame's or a
  // WAL record's pieces). The caller is done with it before anything else on the thread
  // calls for_this_thread() again.
  static Checksum64Stream& for_this_thread(std::uint64_t seed);

  // Restarts the stream: as if just constructed with `seed`.
  void reset(std::uint64_t seed);
  void update(std::string_view data);
  // The checksum of everything so far (more update() calls may follow).
  std::uint64_t digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace helios::base
