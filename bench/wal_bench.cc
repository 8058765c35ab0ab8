// helios-wal-bench: WAL append throughput against the raw disk, measured in one run on one
// directory (so on one disk and one file system).
//
//   helios-wal-bench [--dir DIR] [--seconds S] [--rounds N] [--slice-ms M] [--fifo]
//
// Cases (every iteration of every loop except "raw seq" ends with one fdatasync):
//   raw sync      a plain file opened with open(2), O_APPEND: loop {write B bytes; fdatasync}
//                 for B = 100 and 4096 (the baselines for one-entry batches: every sync also
//                 commits the file's new size, as the WAL's appends do), and for 32 KiB and
//                 1 MiB, about what one WAL sync writes for 256 entries of 100 B and 4 KiB.
//   raw seq       1 MiB writes, fdatasync every 64 MiB and at the end, until 256 MiB or S
//                 seconds, whichever first: the disk's sequential write bandwidth.
//   raw fallocate / raw prewritten
//                 what preallocation would buy (an upper bound, not a target): the raw sync
//                 loop with pwrite into a 64 MiB file that is fallocate(2)d (unwritten
//                 extents) or fully written and synced beforehand (pure overwrites: fdatasync
//                 has no metadata to commit). The offset wraps at 64 MiB.
//   wal           Wal on PosixFileSystem (preallocated segments, the default), entries of 100
//                 and 4096 bytes, batches of 1, 16 and 256: loop {append(hard state, batch);
//                 sync()}. Nothing is compacted, so every segment after the first is a new
//                 file zero-filled while the one before it is written (the first pass of a
//                 node through its log).
//   wal compacting
//                 the same with 4096 x 256, plus compact() whenever the log spans more than two
//                 segments (a node in steady state, whose snapshots let it compact every
//                 segment or so): freed segments are recycled, nothing is zero-filled.
//
// Noise: on a small machine busy with other work, a process woken by an I/O completion (ours,
// or the file system's journal thread) may wait for another process's time slice to end, ~4 ms
// here, so the fdatasync latency flips between ~0.15 ms and ~4 ms within seconds. Hence:
//   - cases that are compared run as a group, in alternating slices of M ms (default 100)
//     until each had S seconds (default 2): A B C A B C...; "paired" ratios divide the rates
//     of slices that ran back to back (so in the same mode) and report the median;
//   - the whole list of groups runs N times (default 2): ABAB. Every case reports its best
//     round (the highest rate); the spread, (best - worst) / best, and the slowest and fastest
//     slice show the noise, and other processes' CPU use is reported per round;
//   - --fifo runs the benchmark at SCHED_FIFO priority 10 (needs root or CAP_SYS_NICE), which
//     removes most of the wait when the machine cannot be made idle.
//
// Ratios against the targets: batch 1: WAL syncs/s / raw sync syncs/s for the same write size
// (target >= 0.90, judged on the paired median); batch 256: WAL payload MB/s / raw seq MB/s
// (target >= 0.80, best rounds). MB is 10^6 bytes.
//
// DIR (default ./build/bench-tmp if ./build exists, else /var/tmp) gets a fresh unique
// subdirectory, removed at the end (also after an I/O failure, not when killed).
// Exit status: 0; 1 on an I/O failure; 2 on usage errors.

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "env/posix/posix_file_system.h"
#include "storage/wal.h"

namespace {

using Clock = std::chrono::steady_clock;
using helios::Index;
using helios::Status;

constexpr std::size_t kKiB = 1u << 10;
constexpr std::size_t kMiB = 1u << 20;
constexpr std::size_t kSeqChunk = kMiB;
constexpr std::size_t kSeqSyncEvery = 64 * kMiB;
constexpr std::size_t kSeqCap = 256 * kMiB;
constexpr std::size_t kPreallocBytes = 64 * kMiB;

// The unique directory this run created; removed by cleanup() on every exit path.
std::string g_run_dir;

void cleanup() {
  if (!g_run_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_run_dir, ec);
    g_run_dir.clear();
  }
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "helios-wal-bench: %s\n", what.c_str());
  cleanup();
  std::exit(1);
}

[[noreturn]] void fail_errno(const char* call, const std::string& path) {
  fail(std::string(call) + " " + path + ": " + std::strerror(errno));
}

void check(const Status& s, const char* what) {
  if (!s.is_ok()) {
    fail(std::string(what) + ": " + s.to_string());
  }
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// User + system CPU time of this process, in seconds.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Busy CPU time of the whole machine (all CPUs, every process and the kernel), in seconds,
// from /proc/stat; 0 if unreadable.
double machine_busy_seconds() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) {
    return 0;
  }
  unsigned long long v[8] = {0};  // user nice system idle iowait irq softirq steal
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  if (n != 8) {
    return 0;
  }
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// 100 -> "100 B", 4096 -> "4 KiB", 1048576 -> "1 MiB".
std::string size_name(std::size_t n) {
  if (n >= kMiB && n % kMiB == 0) {
    return std::to_string(n / kMiB) + " MiB";
  }
  if (n >= kKiB && n % kKiB == 0) {
    return std::to_string(n / kKiB) + " KiB";
  }
  return std::to_string(n) + " B";
}

std::string fill_pattern(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

int open_new(const std::string& path, int extra_flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | extra_flags, 0644);
  if (fd < 0) {
    fail_errno("open", path);
  }
  return fd;
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      fail_errno("write", path);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void pwrite_all(int fd, const char* p, std::size_t n, std::uint64_t off, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      fail_errno("pwrite", path);
    }
    p += w;
    off += static_cast<std::uint64_t>(w);
    n -= static_cast<std::size_t>(w);
  }
}

void datasync(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) {
    fail_errno("fdatasync", path);
  }
}

void close_and_remove(int fd, const std::string& path) {
  ::close(fd);
  if (::unlink(path.c_str()) != 0) {
    fail_errno("unlink", path);
  }
}

// Lets the previous case's deletions and write-back finish outside the next case's timing.
void settle(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    fail_errno("open", dir);
  }
  if (::syncfs(fd) != 0) {
    fail_errno("syncfs", dir);
  }
  ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

// The body of a timed loop: each step() ends with one fdatasync (or Wal::sync()).
class Runner {
 public:
  virtual ~Runner() = default;
  // Creates the runner's files under `dir`; not timed.
  virtual void open(const std::string& dir) = 0;
  virtual void step() = 0;
  // Removes the runner's files; not timed.
  virtual void close() = 0;
  // Bytes written to the disk by the steps so far (payload plus any framing).
  virtual std::uint64_t disk_bytes() const = 0;
};

// How a raw sync loop's file is laid out before the timed loop.
enum class RawLayout { kAppend, kFallocate, kPrewritten };

class RawSyncRunner final : public Runner {
 public:
  RawSyncRunner(std::size_t bytes, RawLayout layout) : bytes_(bytes), layout_(layout) {}

  void open(const std::string& dir) override {
    static int serial = 0;
    path_ = dir + "/raw-" + std::to_string(++serial);
    fd_ = open_new(path_, layout_ == RawLayout::kAppend ? O_APPEND : 0);
    if (layout_ == RawLayout::kFallocate) {
      if (::fallocate(fd_, 0, 0, static_cast<off_t>(kPreallocBytes)) != 0) {
        fail_errno("fallocate", path_);
      }
    } else if (layout_ == RawLayout::kPrewritten) {
      const std::string chunk(kMiB, '\0');
      for (std::size_t off = 0; off < kPreallocBytes; off += kMiB) {
        write_all(fd_, chunk.data(), chunk.size(), path_);
      }
    }
    if (::fsync(fd_) != 0) {  // the layout (size, extents) is durable before timing starts
      fail_errno("fsync", path_);
    }
    buf_ = fill_pattern(bytes_, bytes_);
  }

  void step() override {
    if (layout_ == RawLayout::kAppend) {
      write_all(fd_, buf_.data(), buf_.size(), path_);
    } else {
      if (offset_ + buf_.size() > kPreallocBytes) {
        offset_ = 0;
      }
      pwrite_all(fd_, buf_.data(), buf_.size(), offset_, path_);
      offset_ += buf_.size();
    }
    datasync(fd_, path_);
    written_ += buf_.size();
  }

  void close() override { close_and_remove(fd_, path_); }
  std::uint64_t disk_bytes() const override { return written_; }

 private:
  const std::size_t bytes_;
  const RawLayout layout_;
  std::string path_;
  std::string buf_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  std::uint64_t written_ = 0;
};

class WalRunner final : public Runner {
 public:
  WalRunner(std::size_t entry_bytes, std::size_t batch, bool compacting)
      : entry_bytes_(entry_bytes), batch_(batch), compacting_(compacting) {}

  void open(const std::string& dir) override {
    dir_ = dir + "/wal-" + std::to_string(entry_bytes_) + "x" + std::to_string(batch_) +
           (compacting_ ? "c" : "");
    check(fs_.create_dirs(dir_), "create_dirs");
    helios::Result<std::unique_ptr<helios::storage::Wal>> opened =
        helios::storage::Wal::open(fs_, dir_, helios::storage::WalOptions{});
    check(opened.status(), "Wal::open");
    wal_ = std::move(opened).value();
    entries_.resize(batch_);
    for (std::size_t i = 0; i < batch_; ++i) {
      entries_[i].term = 1;
      entries_[i].data = fill_pattern(entry_bytes_, i + 1);
    }
    check(wal_->sync(), "Wal::sync");  // the first segment's creation
    bytes_before_ = wal_->stats().bytes_written;
    next_ = wal_->last_index() + 1;
  }

  void step() override {
    for (std::size_t i = 0; i < batch_; ++i) {
      entries_[i].index = next_ + i;
    }
    next_ += batch_;
    check(wal_->append(helios::raft::HardState{1, 1, next_ - 1}, entries_), "Wal::append");
    check(wal_->sync(), "Wal::sync");
    if (compacting_ && wal_->segment_paths().size() > 2) {
      // Keep about one segment of entries behind the open one, as a node's trailing entries.
      const Index keep = helios::storage::WalOptions{}.segment_bytes / (entry_bytes_ + 33);
      const Index mark = wal_->last_index() - std::min<Index>(keep, wal_->last_index());
      if (mark > wal_->mark().index) {
        check(wal_->compact(helios::storage::SnapshotMark{mark, 1}), "Wal::compact");
      }
    }
  }

  void close() override {
    wal_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (ec) {
      fail("remove " + dir_ + ": " + ec.message());
    }
  }

  std::uint64_t disk_bytes() const override { return wal_->stats().bytes_written - bytes_before_; }

 private:
  const std::size_t entry_bytes_;
  const std::size_t batch_;
  const bool compacting_;
  helios::env::PosixFileSystem fs_;
  std::string dir_;
  std::unique_ptr<helios::storage::Wal> wal_;
  std::vector<helios::raft::Entry> entries_;
  std::uint64_t bytes_before_ = 0;
  Index next_ = 0;
};

// What one round of one case measured.
struct Sample {
  double seconds = 0;               // wall time in the case's own slices
  double cpu = 0;                   // user + system CPU time in them
  std::uint64_t syncs = 0;          // loop iterations
  std::uint64_t entries = 0;        // WAL entries appended
  std::uint64_t payload = 0;        // bytes the caller asked to store (entry data, raw writes)
  std::uint64_t disk = 0;           // bytes written to the file (payload + WAL framing)
  std::vector<double> latency;      // microseconds per iteration
  std::vector<double> slice_rates;  // iterations per second in each slice
  double others_cpu = 0;            // other processes' CPU use while the case ran, in % of all CPUs

  double per_sec(std::uint64_t n) const { return static_cast<double>(n) / seconds; }
  double mb_per_sec(std::uint64_t bytes) const {
    return static_cast<double>(bytes) / seconds / 1e6;
  }
  double percentile(double p) const {
    if (latency.empty()) {
      return 0;
    }
    std::vector<double> v = latency;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
  }
};

enum class Kind { kRawSync, kRawFallocate, kRawPrewritten, kRawSeq, kWal, kWalCompacting };

struct Case {
  Kind kind;
  std::size_t bytes;      // write or entry size
  std::size_t batch = 1;  // WAL entries per sync
  int group = 0;          // cases of one group run in alternating slices
  int baseline = -1;      // index of the raw case this one is paired with, or -1
  std::vector<Sample> rounds;

  bool is_wal() const { return kind == Kind::kWal || kind == Kind::kWalCompacting; }

  std::string name() const {
    switch (kind) {
      case Kind::kRawSync:
        return "raw sync " + size_name(bytes);
      case Kind::kRawFallocate:
        return "raw fallocate " + size_name(bytes);
      case Kind::kRawPrewritten:
        return "raw prewritten " + size_name(bytes);
      case Kind::kRawSeq:
        return "raw seq 1 MiB writes";
      case Kind::kWal:
        return "wal " + size_name(bytes) + " x " + std::to_string(batch);
      case Kind::kWalCompacting:
        return "wal " + size_name(bytes) + " x " + std::to_string(batch) + " compacting";
    }
    return "?";
  }

  std::unique_ptr<Runner> make_runner() const {
    switch (kind) {
      case Kind::kRawSync:
        return std::make_unique<RawSyncRunner>(bytes, RawLayout::kAppend);
      case Kind::kRawFallocate:
        return std::make_unique<RawSyncRunner>(bytes, RawLayout::kFallocate);
      case Kind::kRawPrewritten:
        return std::make_unique<RawSyncRunner>(bytes, RawLayout::kPrewritten);
      case Kind::kWal:
        return std::make_unique<WalRunner>(bytes, batch, false);
      case Kind::kWalCompacting:
        return std::make_unique<WalRunner>(bytes, batch, true);
      case Kind::kRawSeq:
        break;
    }
    fail("raw seq has no runner");
  }

  // The number a round is judged by (higher is better).
  double score(const Sample& s) const {
    switch (kind) {
      case Kind::kRawSeq:
        return s.mb_per_sec(s.payload);
      case Kind::kWal:
      case Kind::kWalCompacting:
        return s.per_sec(s.entries);
      default:
        return s.per_sec(s.syncs);
    }
  }
  const Sample& best() const {
    return *std::max_element(
        rounds.begin(), rounds.end(),
        [this](const Sample& a, const Sample& b) { return score(a) < score(b); });
  }
  double spread() const {
    double lo = score(rounds[0]), hi = lo;
    for (const Sample& s : rounds) {
      lo = std::min(lo, score(s));
      hi = std::max(hi, score(s));
    }
    return hi > 0 ? (hi - lo) / hi : 0;
  }
  // The slowest and the fastest slice of all rounds, in syncs/s.
  std::pair<double, double> slice_range() const {
    double lo = 0, hi = 0;
    bool first = true;
    for (const Sample& s : rounds) {
      for (double r : s.slice_rates) {
        lo = first ? r : std::min(lo, r);
        hi = first ? r : std::max(hi, r);
        first = false;
      }
    }
    return {lo, hi};
  }
};

// The median over all rounds of (this case's syncs/s in slice k) / (the baseline's in slice k):
// slices k of both ran back to back.
double paired_ratio(const Case& c, const Case& base) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < c.rounds.size() && r < base.rounds.size(); ++r) {
    const std::vector<double>& a = c.rounds[r].slice_rates;
    const std::vector<double>& b = base.rounds[r].slice_rates;
    for (std::size_t k = 0; k < a.size() && k < b.size(); ++k) {
      if (b[k] > 0) {
        ratios.push_back(a[k] / b[k]);
      }
    }
  }
  return median(ratios);
}

// Other processes' CPU use since (busy0, own0, start), in % of all CPUs: the main source of
// noise (a process woken by an I/O completion may wait for a busy CPU's time slice to end).
double others_cpu_percent(double busy0, double own0, Clock::time_point start) {
  const double wall = seconds_between(start, Clock::now());
  const double others = (machine_busy_seconds() - busy0) - (cpu_seconds() - own0);
  return std::max(0.0, 100 * others / (wall * static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN))));
}

// Runs the cases of one group in alternating slices of `slice` seconds until each had
// `seconds` of wall time, and appends one Sample to each.
void run_group(const std::vector<Case*>& group, const std::string& dir, double seconds,
               double slice) {
  std::vector<std::unique_ptr<Runner>> runners;
  for (Case* c : group) {
    runners.push_back(c->make_runner());
    runners.back()->open(dir);
  }
  settle(dir);
  std::vector<Sample> samples(group.size());
  const double busy0 = machine_busy_seconds();
  const double own0 = cpu_seconds();
  const Clock::time_point group_start = Clock::now();
  bool more = true;
  while (more) {
    more = false;
    for (std::size_t i = 0; i < group.size(); ++i) {
      Sample& s = samples[i];
      if (s.seconds >= seconds) {
        continue;
      }
      const double budget = std::min(slice, seconds - s.seconds);
      const double cpu0 = cpu_seconds();
      const Clock::time_point start = Clock::now();
      Clock::time_point now = start;
      std::uint64_t steps = 0;
      do {
        runners[i]->step();
        const Clock::time_point after = Clock::now();
        s.latency.push_back(std::chrono::duration<double, std::micro>(after - now).count());
        ++steps;
        now = after;
      } while (seconds_between(start, now) < budget);
      const double took = seconds_between(start, now);
      s.seconds += took;
      s.cpu += cpu_seconds() - cpu0;
      s.syncs += steps;
      s.slice_rates.push_back(static_cast<double>(steps) / took);
      more = more || s.seconds < seconds;
    }
  }
  const double others = others_cpu_percent(busy0, own0, group_start);
  for (std::size_t i = 0; i < group.size(); ++i) {
    Sample& s = samples[i];
    s.others_cpu = others;
    s.entries = group[i]->is_wal() ? s.syncs * group[i]->batch : 0;
    s.payload = s.syncs * group[i]->batch * group[i]->bytes;
    s.disk = runners[i]->disk_bytes();
    runners[i]->close();
    group[i]->rounds.push_back(std::move(s));
  }
}

Sample run_raw_seq(const std::string& dir, double seconds) {
  const std::string path = dir + "/raw-seq";
  const int fd = open_new(path, O_APPEND);
  const std::string chunk = fill_pattern(kSeqChunk, 7);
  settle(dir);
  Sample s;
  const double busy0 = machine_busy_seconds();
  const double cpu0 = cpu_seconds();
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  std::size_t written = 0;
  while (written < kSeqCap && seconds_between(start, Clock::now()) < seconds) {
    write_all(fd, chunk.data(), chunk.size(), path);
    written += chunk.size();
    if (written % kSeqSyncEvery == 0) {
      datasync(fd, path);
      const Clock::time_point now = Clock::now();
      s.latency.push_back(std::chrono::duration<double, std::micro>(now - last).count());
      last = now;
      ++s.syncs;
    }
  }
  if (written % kSeqSyncEvery != 0) {
    datasync(fd, path);
    ++s.syncs;
  }
  s.seconds = seconds_between(start, Clock::now());
  s.cpu = cpu_seconds() - cpu0;
  s.payload = s.disk = written;
  s.slice_rates.push_back(s.per_sec(s.syncs));
  s.others_cpu = others_cpu_percent(busy0, cpu0, start);
  close_and_remove(fd, path);
  return s;
}

std::string fs_type(const std::string& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) {
    return "unknown";
  }
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53:
      return "ext2/3/4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0xF2F52010:
      return "f2fs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%lx", static_cast<unsigned long>(st.f_type));
  return buf;
}

// The 1-minute load average (processes waiting for I/O count too, this one included).
double load_average() {
  double load[1] = {0};
  return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    const bool plain = !arg.empty() && arg.find_first_of(" \t\"'\\$`*?") == std::string::npos;
    out += (i > 0 ? " " : "") + (plain ? arg : "'" + arg + "'");
  }
  return out;
}

int usage() {
  std::fprintf(stderr,
               "usage: helios-wal-bench [--dir DIR] [--seconds S] [--rounds N] [--slice-ms M] "
               "[--fifo]\n");
  return 2;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// 12345678 -> "12,345,678" (rates are easier to compare with separators).
std::string grouped(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return digits;
}

bool parse_double(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && *out > 0;
}

void print_tables(const std::vector<Case>& cases, int rounds) {
  std::printf("## Raw disk (plain file, POSIX calls)\n\n");
  std::printf(
      "| case | bytes/sync | syncs/s | MB/s | p50 us | p99 us | cpu %% | spread | "
      "slices: slowest..fastest syncs/s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Case& c : cases) {
    if (c.is_wal()) {
      continue;
    }
    const Sample& s = c.best();
    const auto [lo, hi] = c.slice_range();
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s..%s |\n", c.name().c_str(),
                c.kind == Kind::kRawSeq ? "64 MiB" : size_name(c.bytes).c_str(),
                grouped(s.per_sec(s.syncs)).c_str(), fmt("%.1f", s.mb_per_sec(s.payload)).c_str(),
                fmt("%.0f", s.percentile(0.5)).c_str(), fmt("%.0f", s.percentile(0.99)).c_str(),
                fmt("%.0f", 100 * s.cpu / s.seconds).c_str(),
                fmt("%.1f%%", 100 * c.spread()).c_str(), grouped(lo).c_str(), grouped(hi).c_str());
  }

  std::printf("\n## Wal (PosixFileSystem; append(hard state, batch) + sync() per iteration)\n\n");
  std::printf(
      "| entry B | batch | entries/s | payload MB/s | disk MB/s | syncs/s | p50 us | p99 us | "
      "cpu %% | spread | slices: slowest..fastest syncs/s | syncs/s paired with |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const Case& c : cases) {
    if (!c.is_wal()) {
      continue;
    }
    const Sample& s = c.best();
    const auto [lo, hi] = c.slice_range();
    std::string paired = "-";
    if (c.baseline >= 0) {
      const Case& base = cases[static_cast<std::size_t>(c.baseline)];
      paired = fmt("%.2f", paired_ratio(c, base)) + " x " + base.name();
    }
    std::printf(
        "| %zu | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s..%s | %s |\n", c.bytes, c.batch,
        grouped(s.per_sec(s.entries)).c_str(), fmt("%.1f", s.mb_per_sec(s.payload)).c_str(),
        fmt("%.1f", s.mb_per_sec(s.disk)).c_str(), grouped(s.per_sec(s.syncs)).c_str(),
        fmt("%.0f", s.percentile(0.5)).c_str(), fmt("%.0f", s.percentile(0.99)).c_str(),
        fmt("%.0f", 100 * s.cpu / s.seconds).c_str(), fmt("%.1f%%", 100 * c.spread()).c_str(),
        grouped(lo).c_str(), grouped(hi).c_str(), paired.c_str());
  }

  auto find = [&](Kind kind, std::size_t bytes, std::size_t batch) -> const Case& {
    for (const Case& c : cases) {
      if (c.kind == kind && c.bytes == bytes && c.batch == batch) {
        return c;
      }
    }
    fail("missing case");
  };
  std::printf("\n## Targets\n\n");
  std::printf("| target | wal | baseline | ratio (best rounds) | ratio (paired slices) | |\n");
  std::printf("|---|---:|---:|---:|---:|---|\n");
  for (std::size_t bytes : {std::size_t{100}, std::size_t{4096}}) {
    const Case& wal = find(Kind::kWal, bytes, 1);
    const Case& raw = find(Kind::kRawSync, bytes, 1);
    const double w = wal.best().per_sec(wal.best().syncs);
    const double r = raw.best().per_sec(raw.best().syncs);
    const double paired = paired_ratio(wal, raw);
    std::printf("| %s x 1: syncs/s >= 0.90 x %s | %s/s | %s/s | %.2f | %.2f | %s |\n",
                size_name(bytes).c_str(), raw.name().c_str(), grouped(w).c_str(),
                grouped(r).c_str(), w / r, paired, paired >= 0.90 ? "ok" : "MISS");
  }
  const Case& seq = find(Kind::kRawSeq, kSeqChunk, 1);
  const double seq_mb = seq.best().mb_per_sec(seq.best().payload);
  for (const auto& [kind, bytes] :
       {std::pair{Kind::kWalCompacting, std::size_t{4096}},
        std::pair{Kind::kWal, std::size_t{4096}}, std::pair{Kind::kWal, std::size_t{100}}}) {
    const Case& wal = find(kind, bytes, 256);
    const double w = wal.best().mb_per_sec(wal.best().payload);
    std::printf("| %s: payload MB/s >= 0.80 x raw seq | %.1f MB/s | %.1f MB/s | %.2f | - | %s |\n",
                wal.name().c_str(), w, seq_mb, w / seq_mb, w / seq_mb >= 0.80 ? "ok" : "MISS");
  }

  std::printf(
      "\n## Per round (syncs/s for raw sync cases, MB/s for raw seq, entries/s for wal; in\n"
      "brackets: other processes' CPU use meanwhile, in %% of all CPUs)\n\n");
  std::printf("| case |");
  for (int r = 0; r < rounds; ++r) {
    std::printf(" round %d |", r + 1);
  }
  std::printf("\n|---|");
  for (int r = 0; r < rounds; ++r) {
    std::printf("---:|");
  }
  std::printf("\n");
  for (const Case& c : cases) {
    std::printf("| %s |", c.name().c_str());
    for (const Sample& s : c.rounds) {
      std::printf(" %s (%.0f%%) |", grouped(c.score(s)).c_str(), s.others_cpu);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> parent;
  double seconds = 2;
  double slice_ms = 100;
  double rounds_arg = 2;
  bool fifo = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    }
    if (arg == "--fifo") {
      fifo = true;
      continue;
    }
    if (i + 1 >= argc) {
      return usage();
    }
    const std::string value = argv[++i];
    if (arg == "--dir") {
      parent = value;
    } else if (arg == "--seconds") {
      if (!parse_double(value, &seconds)) {
        return usage();
      }
    } else if (arg == "--rounds") {
      if (!parse_double(value, &rounds_arg) || rounds_arg != static_cast<int>(rounds_arg)) {
        return usage();
      }
    } else if (arg == "--slice-ms") {
      if (!parse_double(value, &slice_ms)) {
        return usage();
      }
    } else {
      return usage();
    }
  }
  const int rounds = static_cast<int>(rounds_arg);
  if (fifo) {
    sched_param param{};
    param.sched_priority = 10;
    if (::sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
      std::fprintf(stderr, "helios-wal-bench: SCHED_FIFO: %s\n", std::strerror(errno));
      return 1;
    }
  }
  if (!parent.has_value()) {
    std::error_code ec;
    parent = std::filesystem::is_directory("build", ec) ? "build/bench-tmp" : "/var/tmp";
  }
  {
    std::error_code ec;
    std::filesystem::create_directories(*parent, ec);
    if (ec) {
      std::fprintf(stderr, "helios-wal-bench: create %s: %s\n", parent->c_str(),
                   ec.message().c_str());
      return 1;
    }
  }
  std::string templ = std::filesystem::absolute(*parent).lexically_normal().string();
  templ += (templ.back() == '/' ? "" : "/");
  templ += "helios-wal-bench.XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    fail_errno("mkdtemp", templ);
  }
  g_run_dir = templ;

  // Groups run in this order; the cases of a group alternate slices. baseline indexes this
  // list.
  std::vector<Case> cases = {
      {Kind::kRawSync, 100, 1, 0, -1, {}},         {Kind::kWal, 100, 1, 0, 0, {}},
      {Kind::kRawFallocate, 100, 1, 0, -1, {}},    {Kind::kRawPrewritten, 100, 1, 0, -1, {}},
      {Kind::kRawSync, 4096, 1, 1, -1, {}},        {Kind::kWal, 4096, 1, 1, 4, {}},
      {Kind::kRawFallocate, 4096, 1, 1, -1, {}},   {Kind::kRawPrewritten, 4096, 1, 1, -1, {}},
      {Kind::kRawSeq, kSeqChunk, 1, 2, -1, {}},    {Kind::kRawSync, kMiB, 1, 3, -1, {}},
      {Kind::kWal, 4096, 256, 3, 9, {}},           {Kind::kRawPrewritten, kMiB, 1, 3, -1, {}},
      {Kind::kWalCompacting, 4096, 256, 3, 9, {}}, {Kind::kRawSync, 32 * kKiB, 1, 4, -1, {}},
      {Kind::kWal, 100, 256, 4, 13, {}},           {Kind::kWal, 100, 16, 5, -1, {}},
      {Kind::kWal, 4096, 16, 5, -1, {}},
  };
  const int groups = cases.back().group + 1;

  utsname un{};
  uname(&un);
  std::printf("# helios-wal-bench\n\n");
  std::printf("- command: `%s`\n", command_line(argc, argv).c_str());
  std::printf("- date: %s; kernel %s; nproc %ld; load average (1 min) at start %.2f\n",
              now_utc().c_str(), un.release, sysconf(_SC_NPROCESSORS_ONLN), load_average());
  std::printf("- dir: %s (file system %s); scheduling: %s\n", g_run_dir.c_str(),
              fs_type(g_run_dir).c_str(), fifo ? "SCHED_FIFO 10 (--fifo)" : "normal");
  std::printf(
      "- %.3g s per case per round in alternating slices of %.3g ms within a group, %d "
      "round(s) of all groups (ABAB);\n  every case reports its best round (highest rate); "
      "spread = (best - worst) / best;\n  paired = median of per-slice ratios of slices run "
      "back to back\n\n",
      seconds, slice_ms, rounds);
  std::fflush(stdout);

  for (int r = 0; r < rounds; ++r) {
    for (int g = 0; g < groups; ++g) {
      std::vector<Case*> group;
      for (Case& c : cases) {
        if (c.group == g) {
          group.push_back(&c);
        }
      }
      if (group.front()->kind == Kind::kRawSeq) {
        settle(g_run_dir);
        group.front()->rounds.push_back(run_raw_seq(g_run_dir, seconds));
      } else {
        run_group(group, g_run_dir, seconds, slice_ms / 1000);
      }
      for (const Case* c : group) {
        std::fprintf(stderr, "round %d/%d: %-24s %14s/s\n", r + 1, rounds, c->name().c_str(),
                     grouped(c->score(c->rounds.back())).c_str());
      }
      settle(g_run_dir);
    }
  }

  print_tables(cases, rounds);
  std::printf("\nload average (1 min) at the end: %.2f\n", load_average());
  cleanup();
  return 0;
}
