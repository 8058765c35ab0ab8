#pragma once
// Bytes that are still arriving while another thread reads them (an InstallSnapshot stream
// decoded as its chunks come in).
//
// Arrival is what a decoder needs: reached(end) returns once every byte before `end` (a
// pointer into the buffer being filled) is readable, or false once it never will be (the
// transfer was abandoned: the decoder stops and its caller throws away what it built). A
// decoder handed no Arrival (nullptr) has its whole input already.
//
// ArrivingBytes is the buffer: one writer thread appends in order (append), one reader
// thread waits with reached(). Bytes below the arrived count never change again, so the
// reader reads them without a lock; append() publishes with a release store that
// reached() acquires. A waiting reader sleeps on a condition variable; the fast path (the
// bytes are already there) is one atomic load.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string_view>

namespace helios::base {

class Arrival {
 public:
  virtual ~Arrival() = default;
  // True once every byte before `end` has arrived; false if it never will.
  virtual bool reached(const char* end) = 0;
};

// For decoders: true once the first `n` bytes of `view` (at most all of it) have arrived;
// always true without an arrival.
inline bool await_bytes(Arrival* arrival, std::string_view view, std::size_t n) {
  return arrival == nullptr || arrival->reached(view.data() + (n < view.size() ? n : view.size()));
}

class ArrivingBytes final : public Arrival {
 public:
  // Maps `total` bytes of anonymous memory, touched only as bytes arrive, in transparent
  // huge pages where the system allows them (one page fault per 2 MiB instead of 512; the
  // buffer lives only as long as one transfer, so a fork's copy-on-write of huge pages
  // would copy at most the one page being filled). Throws std::bad_alloc when the memory
  // cannot be had.
  explicit ArrivingBytes(std::size_t total);
  ~ArrivingBytes();
  ArrivingBytes(const ArrivingBytes&) = delete;
  ArrivingBytes& operator=(const ArrivingBytes&) = delete;

  // The whole buffer; only its first arrived() bytes may be read before reached() says so.
  std::string_view whole() const { return {bytes_, total_}; }
  std::size_t arrived() const { return arrived_.load(std::memory_order_acquire); }

  // Writer: the next bytes, in order (at most total - arrived() of them: asserted).
  void append(std::string_view bytes);
  // Writer (or an owner): no more bytes will come; every waiting and later reached() beyond
  // what arrived returns false.
  void abandon();

  bool reached(const char* end) override;

 private:
  void* mapping_ = nullptr;
  std::size_t mapped_ = 0;
  char* bytes_ = nullptr;  // in the mapping, aligned to a huge page
  std::size_t total_;
  std::atomic<std::size_t> arrived_{0};
  std::atomic<bool> abandoned_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace helios::base
