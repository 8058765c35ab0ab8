#pragma once
// Process memory housekeeping, and what the kernel says of the process's memory and disk.

#include <cstddef>
#include <cstdint>
#include <string>

namespace helios::env {

// Returns the allocator's free memory to the operating system (glibc's malloc_trim).
// Freeing millions of small blocks (a replaced state machine after an InstallSnapshot)
// leaves them in the allocator's arenas, where the process's resident size still counts
// them; call this after such a free, off the event loop (it walks every arena).
void release_free_memory();

// A string of `size` zero bytes, for reading a large file into. Its pages are mapped with one
// system call (madvise MADV_POPULATE_WRITE, Linux 5.14+) instead of one page fault per 4 KiB
// when first written: on a virtual machine each fault can cost 10 µs or more, which made
// reading a 126 MB snapshot take 0.4 s of faults alone. On older kernels it is a plain
// string (the faults happen as before).
std::string zeroed_buffer(std::size_t size);

// The process's resident set size in bytes (/proc/self/statm; 0 if unreadable).
std::uint64_t resident_bytes();

// The size and the space left to unprivileged users of the file system holding `path`
// (statvfs); both 0 if it cannot be asked.
struct DiskSpace {
  std::uint64_t total_bytes = 0;
  std::uint64_t free_bytes = 0;
};
DiskSpace disk_space(const std::string& path);

}  // namespace helios::env
