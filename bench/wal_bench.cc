// helios-wal-bench: WAL append throughput against the raw disk, measured in one run on one
// directory (so on one disk and one file system).
//
//   helios-wal-bench [--dir DIR] [--seconds S] [--rounds N]
//
// Cases (each runs for S seconds of wall time, default 2; the whole list runs N times, default
// 2, in the same interleaved order, ABAB, so drift and noise show up as a spread):
//   raw sync      a plain file opened with open(2), O_APPEND: loop {write B bytes; fdatasync}
//                 for B = 100 and 4096 (the baselines for one-entry batches: every sync also
//                 commits the file's new size, as the WAL's appends do), and for 32 KiB and
//                 1 MiB, about what one WAL sync writes for 256 entries of 100 B and 4 KiB.
//   raw seq       1 MiB writes, fdatasync every 64 MiB and at the end, until 256 MiB or S
//                 seconds, whichever first: the disk's sequential write bandwidth.
//   raw prealloc  what preallocation would buy (not a target, an upper bound): the "raw sync"
//                 loop with pwrite into a 64 MiB file that is fallocate(2)d (unwritten
//                 extents) or fully written and synced beforehand (pure overwrites: fdatasync
//                 has no metadata to commit), for B = 100, 4096 and (prewritten only) 1 MiB.
//                 The offset wraps at 64 MiB.
//   wal           Wal on PosixFileSystem, entries of 100 and 4096 bytes, batches of 1, 16 and
//                 256: loop {append(hard state, batch); sync()}.
//
// Ratios against the targets: batch 1: WAL syncs/s / raw sync syncs/s for the same write size
// (target >= 0.90); batch 256: WAL payload MB/s / raw seq MB/s (target >= 0.80). MB is 10^6
// bytes. Every case reports the best of its rounds; the per-round table and the spread
// ((best - worst) / best) show the noise.
//
// DIR (default ./build/bench-tmp if ./build exists, else /var/tmp) gets a fresh unique
// subdirectory, removed at the end (also after an I/O failure, not when killed).
// Exit status: 0; 1 on an I/O failure; 2 on usage errors.

#include <fcntl.h>
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

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU time of this process, in seconds.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// What one run of one case measured.
struct Sample {
  double seconds = 0;           // wall time
  double cpu = 0;               // user + system CPU time
  std::uint64_t syncs = 0;      // loop iterations (each ends with one fdatasync / sync())
  std::uint64_t entries = 0;    // WAL entries appended
  std::uint64_t payload = 0;    // bytes the caller asked to store (entry data, raw writes)
  std::uint64_t disk = 0;       // bytes written to the file (payload + WAL framing)
  std::vector<double> latency;  // microseconds per iteration

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

// Runs `iteration` until `seconds` of wall time have passed; it returns the payload bytes
// it wrote. Latency and CPU are measured around it.
template <typename F>
void timed_loop(double seconds, Sample& s, F&& iteration) {
  const double cpu0 = cpu_seconds();
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  Clock::time_point now = start;
  while (now < deadline) {
    iteration();
    const Clock::time_point after = Clock::now();
    s.latency.push_back(std::chrono::duration<double, std::micro>(after - now).count());
    ++s.syncs;
    now = after;
  }
  s.seconds = std::chrono::duration<double>(now - start).count();
  s.cpu = cpu_seconds() - cpu0;
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

// How the raw sync loop's file is laid out before the timed loop.
enum class RawLayout { kAppend, kFallocate, kPrewritten };

Sample raw_sync(const std::string& dir, std::size_t write_bytes, RawLayout layout, double seconds) {
  const std::string path = dir + "/raw-sync";
  const int fd = open_new(path, layout == RawLayout::kAppend ? O_APPEND : 0);
  if (layout == RawLayout::kFallocate) {
    if (::fallocate(fd, 0, 0, static_cast<off_t>(kPreallocBytes)) != 0) {
      fail_errno("fallocate", path);
    }
  } else if (layout == RawLayout::kPrewritten) {
    const std::string chunk(kMiB, '\0');
    for (std::size_t off = 0; off < kPreallocBytes; off += kMiB) {
      write_all(fd, chunk.data(), chunk.size(), path);
    }
  }
  if (::fsync(fd) != 0) {  // the layout (size, extents) is durable before timing starts
    fail_errno("fsync", path);
  }
  const std::string buf = fill_pattern(write_bytes, write_bytes);
  Sample s;
  std::uint64_t off = 0;
  timed_loop(seconds, s, [&] {
    if (layout == RawLayout::kAppend) {
      write_all(fd, buf.data(), buf.size(), path);
    } else {
      if (off + buf.size() > kPreallocBytes) {
        off = 0;
      }
      pwrite_all(fd, buf.data(), buf.size(), off, path);
      off += buf.size();
    }
    datasync(fd, path);
  });
  s.payload = s.disk = s.syncs * write_bytes;
  close_and_remove(fd, path);
  return s;
}

Sample raw_seq(const std::string& dir, double seconds) {
  const std::string path = dir + "/raw-seq";
  const int fd = open_new(path, O_APPEND);
  const std::string chunk = fill_pattern(kSeqChunk, 7);
  Sample s;
  const double cpu0 = cpu_seconds();
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  std::size_t written = 0;
  while (written < kSeqCap && seconds_since(start) < seconds) {
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
  s.seconds = seconds_since(start);
  s.cpu = cpu_seconds() - cpu0;
  s.payload = s.disk = written;
  close_and_remove(fd, path);
  return s;
}

Sample wal_append(const std::string& dir, std::size_t entry_bytes, std::size_t batch,
                  double seconds) {
  const std::string wal_dir = dir + "/wal";
  helios::env::PosixFileSystem fs;
  check(fs.create_dirs(wal_dir), "create_dirs");
  Sample s;
  {
    helios::Result<std::unique_ptr<helios::storage::Wal>> opened =
        helios::storage::Wal::open(fs, wal_dir, helios::storage::WalOptions{});
    check(opened.status(), "Wal::open");
    helios::storage::Wal& wal = *opened.value();
    std::vector<helios::raft::Entry> entries(batch);
    for (std::size_t i = 0; i < batch; ++i) {
      entries[i].term = 1;
      entries[i].data = fill_pattern(entry_bytes, i + 1);
    }
    check(wal.sync(), "Wal::sync");  // the first segment's creation, outside the timing
    const std::uint64_t bytes_before = wal.stats().bytes_written;
    Index next = wal.last_index() + 1;
    timed_loop(seconds, s, [&] {
      for (std::size_t i = 0; i < batch; ++i) {
        entries[i].index = next + i;
      }
      next += batch;
      check(wal.append(helios::raft::HardState{1, 1, next - 1}, entries), "Wal::append");
      check(wal.sync(), "Wal::sync");
    });
    s.entries = s.syncs * batch;
    s.payload = s.entries * entry_bytes;
    s.disk = wal.stats().bytes_written - bytes_before;
  }
  std::error_code ec;
  std::filesystem::remove_all(wal_dir, ec);
  if (ec) {
    fail("remove " + wal_dir + ": " + ec.message());
  }
  return s;
}

enum class Kind { kRawSync, kRawSeq, kRawFallocate, kRawPrewritten, kWal };

// 100 -> "100 B", 4096 -> "4 KiB", 1048576 -> "1 MiB".
std::string size_name(std::size_t n) {
  if (n >= kMiB && n % kMiB == 0) {
    return std::to_string(n / kMiB) + " MiB";
  }
  if (n >= 1024 && n % 1024 == 0) {
    return std::to_string(n / 1024) + " KiB";
  }
  return std::to_string(n) + " B";
}

struct Case {
  Kind kind;
  std::size_t bytes;  // write or entry size
  std::size_t batch;  // WAL entries per sync
  std::vector<Sample> rounds;

  std::string name() const {
    switch (kind) {
      case Kind::kRawSync:
        return "raw sync " + size_name(bytes);
      case Kind::kRawSeq:
        return "raw seq 1 MiB";
      case Kind::kRawFallocate:
        return "raw fallocate " + size_name(bytes);
      case Kind::kRawPrewritten:
        return "raw prewritten " + size_name(bytes);
      case Kind::kWal:
        return "wal " + size_name(bytes) + " x " + std::to_string(batch);
    }
    return "?";
  }
  // The number a round is judged by (higher is better).
  double score(const Sample& s) const {
    switch (kind) {
      case Kind::kRawSeq:
        return s.mb_per_sec(s.payload);
      case Kind::kWal:
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
};

Sample run_case(const Case& c, const std::string& dir, double seconds) {
  switch (c.kind) {
    case Kind::kRawSync:
      return raw_sync(dir, c.bytes, RawLayout::kAppend, seconds);
    case Kind::kRawFallocate:
      return raw_sync(dir, c.bytes, RawLayout::kFallocate, seconds);
    case Kind::kRawPrewritten:
      return raw_sync(dir, c.bytes, RawLayout::kPrewritten, seconds);
    case Kind::kRawSeq:
      return raw_seq(dir, seconds);
    case Kind::kWal:
      return wal_append(dir, c.bytes, c.batch, seconds);
  }
  fail("unknown case");
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

// The 1-minute load average: on a small machine, other processes' CPU use delays every
// fdatasync's wake-ups (the journal thread's and ours), which shows up as noise.
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
  std::fprintf(stderr, "usage: helios-wal-bench [--dir DIR] [--seconds S] [--rounds N]\n");
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

std::string verdict(double ratio, double target) {
  return fmt("%.2f", ratio) + (ratio >= target ? " (ok, target " : " (MISS, target ") +
         fmt("%.2f", target) + ")";
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> parent;
  double seconds = 2;
  int rounds = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    }
    if (i + 1 >= argc) {
      return usage();
    }
    const std::string value = argv[++i];
    char* end = nullptr;
    if (arg == "--dir") {
      parent = value;
    } else if (arg == "--seconds") {
      seconds = std::strtod(value.c_str(), &end);
      if (*end != '\0' || !(seconds > 0)) {
        return usage();
      }
    } else if (arg == "--rounds") {
      rounds = static_cast<int>(std::strtol(value.c_str(), &end, 10));
      if (*end != '\0' || rounds < 1) {
        return usage();
      }
    } else {
      return usage();
    }
  }
  if (!parent.has_value()) {
    std::error_code ec;
    if (std::filesystem::is_directory("build", ec)) {
      parent = "build/bench-tmp";
    } else {
      parent = "/var/tmp";
    }
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

  // Interleaved: raw baselines next to the WAL cases they are compared with.
  std::vector<Case> cases = {
      {Kind::kRawSync, 100, 1, {}},        {Kind::kWal, 100, 1, {}},
      {Kind::kRawSync, 4096, 1, {}},       {Kind::kWal, 4096, 1, {}},
      {Kind::kRawSeq, kSeqChunk, 1, {}},   {Kind::kWal, 4096, 256, {}},
      {Kind::kRawSync, kMiB, 1, {}},       {Kind::kWal, 100, 256, {}},
      {Kind::kRawSync, 32 << 10, 1, {}},   {Kind::kWal, 100, 16, {}},
      {Kind::kWal, 4096, 16, {}},          {Kind::kRawFallocate, 100, 1, {}},
      {Kind::kRawPrewritten, 100, 1, {}},  {Kind::kRawFallocate, 4096, 1, {}},
      {Kind::kRawPrewritten, 4096, 1, {}}, {Kind::kRawPrewritten, kMiB, 1, {}},
  };

  utsname un{};
  uname(&un);
  std::printf("# helios-wal-bench\n\n");
  std::printf("- command: `%s`\n", command_line(argc, argv).c_str());
  std::printf("- date: %s; kernel %s; nproc %ld\n", now_utc().c_str(), un.release,
              sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("- load average (1 min) at start: %.2f\n", load_average());
  std::printf("- dir: %s (file system %s)\n", g_run_dir.c_str(), fs_type(g_run_dir).c_str());
  std::printf(
      "- %.3g s per case, %d round(s) of %zu cases in the same interleaved order;\n"
      "  each case reports its best round (the highest rate), spread = (best - worst) "
      "/ best\n\n",
      seconds, rounds, cases.size());
  std::fflush(stdout);

  for (int r = 0; r < rounds; ++r) {
    for (Case& c : cases) {
      settle(g_run_dir);
      std::fprintf(stderr, "round %d/%d: %-24s", r + 1, rounds, c.name().c_str());
      c.rounds.push_back(run_case(c, g_run_dir, seconds));
      std::fprintf(stderr, " %14s/s\n", grouped(c.score(c.rounds.back())).c_str());
    }
  }

  auto find = [&](Kind kind, std::size_t bytes) -> const Case& {
    for (const Case& c : cases) {
      if (c.kind == kind && c.bytes == bytes) {
        return c;
      }
    }
    fail("missing case");
  };
  // The raw sync case writing about as many bytes per fdatasync as a WAL case (the WAL adds
  // 33 bytes of framing per entry and 40 for the hard state), or 0.
  auto same_bytes_raw = [](const Case& c) -> std::size_t {
    if (c.batch == 1) {
      return c.bytes;
    }
    if (c.batch == 256) {
      return c.bytes == 4096 ? kMiB : std::size_t{32} << 10;
    }
    return 0;
  };

  std::printf("## Raw disk (plain file, POSIX calls)\n\n");
  std::printf("| case | write B | syncs/s | MB/s | p50 us | p99 us | cpu %% | spread |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Case& c : cases) {
    if (c.kind == Kind::kWal) {
      continue;
    }
    const Sample& s = c.best();
    std::printf("| %s | %zu | %s | %s | %s | %s | %s | %s |\n", c.name().c_str(), c.bytes,
                grouped(s.per_sec(s.syncs)).c_str(), fmt("%.1f", s.mb_per_sec(s.payload)).c_str(),
                fmt("%.0f", s.percentile(0.5)).c_str(), fmt("%.0f", s.percentile(0.99)).c_str(),
                fmt("%.0f", 100 * s.cpu / s.seconds).c_str(),
                fmt("%.1f%%", 100 * c.spread()).c_str());
  }

  const Case& seq = find(Kind::kRawSeq, kSeqChunk);
  const double seq_mb = seq.best().mb_per_sec(seq.best().payload);
  std::printf("\n## Wal (PosixFileSystem; append(hard state, batch) + sync() per iteration)\n\n");
  std::printf(
      "| entry B | batch | entries/s | payload MB/s | disk MB/s | syncs/s | p50 us | "
      "p99 us | cpu %% | spread | syncs/s vs raw sync of ~same bytes | ratio |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  for (const Case& c : cases) {
    if (c.kind != Kind::kWal) {
      continue;
    }
    const Sample& s = c.best();
    std::string ratio = "-";
    std::string same = "-";
    if (const std::size_t raw_bytes = same_bytes_raw(c); raw_bytes != 0) {
      const Sample& raw = find(Kind::kRawSync, raw_bytes).best();
      same = fmt("%.2f", s.per_sec(s.syncs) / raw.per_sec(raw.syncs)) + " (" +
             size_name(raw_bytes) + ")";
    }
    if (c.batch == 1) {
      const Sample& raw = find(Kind::kRawSync, c.bytes).best();
      ratio = verdict(s.per_sec(s.syncs) / raw.per_sec(raw.syncs), 0.90) + " of raw sync";
    } else if (c.batch == 256) {
      ratio = verdict(s.mb_per_sec(s.payload) / seq_mb, 0.80) + " of raw seq";
    }
    std::printf("| %zu | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.bytes,
                c.batch, grouped(s.per_sec(s.entries)).c_str(),
                fmt("%.1f", s.mb_per_sec(s.payload)).c_str(),
                fmt("%.1f", s.mb_per_sec(s.disk)).c_str(), grouped(s.per_sec(s.syncs)).c_str(),
                fmt("%.0f", s.percentile(0.5)).c_str(), fmt("%.0f", s.percentile(0.99)).c_str(),
                fmt("%.0f", 100 * s.cpu / s.seconds).c_str(),
                fmt("%.1f%%", 100 * c.spread()).c_str(), same.c_str(), ratio.c_str());
  }

  std::printf(
      "\n## Per round (syncs/s for raw sync cases, MB/s for raw seq, entries/s for wal)\n\n");
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
      std::printf(" %s |", grouped(c.score(s)).c_str());
    }
    std::printf("\n");
  }
  std::printf("\nload average (1 min) at the end: %.2f\n", load_average());
  cleanup();
  return 0;
}
