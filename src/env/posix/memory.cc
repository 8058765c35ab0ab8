#include "env/posix/memory.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>

namespace helios::env {

namespace {

// Below this a buffer is a few pages: faulting them in is cheaper than a system call.
constexpr std::size_t kPrefaultMinBytes = 1 << 20;

}  // namespace

void release_free_memory() {
  (void)::malloc_trim(0);
}

std::string zeroed_buffer(std::size_t size) {
  std::string out;
  if (size >= kPrefaultMinBytes) {
    out.reserve(size);
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(out.data());
    const std::uintptr_t first = (begin + page - 1) & ~(page - 1);
    const std::uintptr_t last = (begin + size) & ~(page - 1);
    if (page > 0 && first < last) {
      // Failure (an old kernel: EINVAL) only means the pages fault in one by one.
      (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
    }
  }
  out.resize(size);
  return out;
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  statm >> pages >> resident;
  return statm ? resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

DiskSpace disk_space(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return {};
  }
  return DiskSpace{static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize,
                   static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize};
}

}  // namespace helios::env
