#include "base/arrival.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "base/assert.h"

namespace helios::base {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
}  // namespace

ArrivingBytes::ArrivingBytes(std::size_t total) : total_(total) {
  // One huge page more than needed, so that the bytes can start on a huge page boundary.
  mapped_ = total + kHugePage;
  mapping_ = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw std::bad_alloc();
  }
  const auto start = reinterpret_cast<std::uintptr_t>(mapping_);
  bytes_ = static_cast<char*>(mapping_) + ((kHugePage - start % kHugePage) % kHugePage);
#ifdef MADV_HUGEPAGE
  (void)madvise(mapping_, mapped_, MADV_HUGEPAGE);  // a hint: without it, small pages
#endif
}

ArrivingBytes::~ArrivingBytes() {
  if (mapping_ != nullptr) {
    munmap(mapping_, mapped_);
  }
}

void ArrivingBytes::append(std::string_view bytes) {
  const std::size_t at = arrived_.load(std::memory_order_relaxed);
  HELIOS_ASSERT(bytes.size() <= total_ - at);
  if (!bytes.empty()) {
    std::memcpy(bytes_ + at, bytes.data(), bytes.size());
  }
  {
    // Under the lock, so that a reader between its check and its wait cannot miss it.
    std::lock_guard<std::mutex> lock(mu_);
    arrived_.store(at + bytes.size(), std::memory_order_release);
  }
  cv_.notify_all();
}

void ArrivingBytes::abandon() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    abandoned_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool ArrivingBytes::reached(const char* end) {
  HELIOS_ASSERT(end >= bytes_ && end <= bytes_ + total_);
  const auto needed = static_cast<std::size_t>(end - bytes_);
  if (needed <= arrived_.load(std::memory_order_acquire)) {
    return true;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return needed <= arrived_.load(std::memory_order_acquire) ||
           abandoned_.load(std::memory_order_acquire);
  });
  return needed <= arrived_.load(std::memory_order_acquire);
}

}  // namespace helios::base
