// helios-sim: the deterministic simulator's command line.
//
//   helios-sim --seeds N --first-seed S [--nodes 3|5] [--jobs J] [--bug NAME]
//   helios-sim --seed S [--nodes 3|5] [--trace] [--bug NAME]
//   helios-sim --corpus FILE [--jobs J]
//
// Prints one line per failing seed (with the options it drew) and ends with
// "N passed, M failed" alone on a line; exits 1 if any seed failed.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "sim/runner.h"

namespace {

using helios::sim::SeedOutcome;
using helios::sim::SeedSpec;

struct Args {
  std::uint64_t seeds = 1;
  std::uint64_t first_seed = 1;
  int nodes = 3;
  int jobs = 0;
  bool trace = false;
  bool single = false;
  std::string corpus;
  helios::raft::PlantedBugs bugs;
};

void usage() {
  std::fprintf(
      stderr,
      "usage: helios-sim --seeds N --first-seed S [--nodes 3|5] [--jobs J] [--bug NAME]\n"
      "       helios-sim --seed S [--nodes 3|5] [--trace] [--bug NAME]\n"
      "       helios-sim --corpus FILE [--jobs J]\n"
      "bugs (test only): vote-twice commit-old-term ack-before-persist "
      "read-without-quorum\n"
      "  snapshot-keeps-log compact-past-applied skip-snapshot-restore "
      "count-learner-ack\n"
      "  leave-joint-early notice-uncommitted-removal snapshot-drops-acl\n"
      "  stamp-below-log lease-too-long unordered-picks lex-by-rank ttl-local-clock\n"
      "  leader-clock-unraised uncertain-as-not-applied unrepaid-loan held-batch-stuck\n"
      "  snapshot-drops-versions versions-unestablished trailing-bytes-from-end\n"
      "  vote-refusal-lost member-answer-early transfer-answer-leaderless\n"
      "  removal-on-joint removed-restarts vote-below-floor join-unquarantined\n"
      "  transfer-to-silent interval-leader-only promote-unanswered read-skips-write\n"
      "  blocking-serves-local blocking-drops-late-pop json-ttl-seconds unblock-drops-pop\n"
      "  idle-closes-busy receiver-skips-sync receiver-forgets-conf sender-reads-behind\n"
      "  sender-stalls-when-full receiver-fills-gaps\n");
}

bool parse_u64(const char* s, std::uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(s, &end, 10);
  return end != s && *end == '\0';
}

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    std::uint64_t n = 0;
    if (flag == "--trace") {
      a.trace = true;
      continue;
    }
    if (value == nullptr) {
      std::fprintf(stderr, "helios-sim: %s needs a value\n", flag.c_str());
      return false;
    }
    ++i;
    if (flag == "--corpus") {
      a.corpus = value;
    } else if (flag == "--bug") {
      if (!helios::sim::set_planted_bug(value, a.bugs)) {
        std::fprintf(stderr, "helios-sim: unknown bug '%s'\n", value);
        return false;
      }
    } else if (!parse_u64(value, n)) {
      std::fprintf(stderr, "helios-sim: %s wants a number, got '%s'\n", flag.c_str(), value);
      return false;
    } else if (flag == "--seeds") {
      a.seeds = n;
    } else if (flag == "--first-seed") {
      a.first_seed = n;
    } else if (flag == "--seed") {
      a.first_seed = n;
      a.seeds = 1;
      a.single = true;
    } else if (flag == "--nodes" && (n == 3 || n == 5)) {
      a.nodes = static_cast<int>(n);
    } else if (flag == "--jobs" && n >= 1 && n <= 64) {
      a.jobs = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "helios-sim: bad option %s %s\n", flag.c_str(), value);
      return false;
    }
  }
  return true;
}

// Corpus lines: "SEED NODES [BUG...]"; '#' starts a comment.
bool load_corpus(const std::string& path, std::vector<SeedSpec>& specs) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "helios-sim: cannot read corpus %s\n", path.c_str());
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    SeedSpec spec;
    if (!(fields >> spec.seed >> spec.nodes)) {
      continue;
    }
    std::string bug;
    while (fields >> bug) {
      if (!helios::sim::set_planted_bug(bug, spec.bugs)) {
        std::fprintf(stderr, "helios-sim: corpus names unknown bug '%s'\n", bug.c_str());
        return false;
      }
    }
    specs.push_back(spec);
  }
  return true;
}

int run_single(const Args& a) {
  helios::sim::SimOptions options = helios::sim::SimOptions::draw(a.first_seed, a.nodes);
  options.bugs = a.bugs;
  options.trace = a.trace;
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(a.first_seed),
              options.describe().c_str());
  const helios::sim::SimResult r = helios::sim::run_seed(options);
  std::printf(
      "events=%llu ticks=%llu committed=%llu ops_ok=%llu ops_unknown=%llu "
      "queue_delivered=%llu liveness=%.1fms\n"
      "client layer: writes=%llu batches=%llu forwarded=%llu withdrawn=%llu given_up=%llu "
      "tryagain=%llu uncertain=%llu barriers=%llu\n"
      "streams: frames lost with their connection=%llu snapshot transfers cut=%llu\n",
      static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.ticks),
      static_cast<unsigned long long>(r.committed), static_cast<unsigned long long>(r.ops_ok),
      static_cast<unsigned long long>(r.ops_unknown),
      static_cast<unsigned long long>(r.queue_delivered),
      static_cast<double>(r.liveness_us) / 1000.0, static_cast<unsigned long long>(r.api.writes),
      static_cast<unsigned long long>(r.api.batches),
      static_cast<unsigned long long>(r.api.forwarded),
      static_cast<unsigned long long>(r.api.forwards_withdrawn),
      static_cast<unsigned long long>(r.api.forwards_given_up),
      static_cast<unsigned long long>(r.api.tryagain),
      static_cast<unsigned long long>(r.api.uncertain),
      static_cast<unsigned long long>(r.api.barriers),
      static_cast<unsigned long long>(r.stream_frames_lost),
      static_cast<unsigned long long>(r.transfers_cut));
  if (!r.ok) {
    std::printf("seed %llu FAILED: %s\n", static_cast<unsigned long long>(a.first_seed),
                r.failure.c_str());
  }
  std::printf("%d passed, %d failed\n", r.ok ? 1 : 0, r.ok ? 0 : 1);
  return r.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    usage();
    return 2;
  }
  helios::sim::install_failure_handler();
  if (a.single) {
    return run_single(a);
  }
  std::vector<SeedSpec> specs;
  if (!a.corpus.empty()) {
    if (!load_corpus(a.corpus, specs)) {
      return 2;
    }
  } else {
    for (std::uint64_t s = 0; s < a.seeds; ++s) {
      specs.push_back(SeedSpec{a.first_seed + s, a.nodes, a.bugs});
    }
  }
  const int jobs =
      a.jobs > 0 ? a.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<SeedOutcome> outcomes = helios::sim::run_seeds(specs, jobs);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int passed = 0;
  int failed = 0;
  std::uint64_t ticks = 0;
  std::uint64_t lease_reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t uncertain = 0;
  std::uint64_t idle_closed = 0;
  std::uint64_t member_requests = 0;
  std::uint64_t member_changes = 0;
  std::uint64_t transfer_requests = 0;
  std::uint64_t transfers = 0;
  std::uint64_t removals = 0;
  std::uint64_t removed_stops = 0;
  std::uint64_t rejoins = 0;
  std::uint64_t frames_lost = 0;
  std::uint64_t transfers_cut = 0;
  for (const SeedOutcome& o : outcomes) {
    rejoins += o.result.rejoins;
    frames_lost += o.result.stream_frames_lost;
    transfers_cut += o.result.transfers_cut;
    removals += o.result.removals;
    removed_stops += o.result.removed_stops;
    member_requests += o.result.member_requests;
    member_changes += o.result.member_changes;
    transfer_requests += o.result.transfer_requests;
    transfers += o.result.transfers;
    ticks += o.result.ticks;
    lease_reads += o.result.lease_reads;
    writes += o.result.api.writes;
    forwarded += o.result.api.forwarded;
    uncertain += o.result.api.uncertain;
    idle_closed += o.result.idle_closed;
    if (o.result.ok) {
      ++passed;
      continue;
    }
    ++failed;
    std::printf("seed %llu FAILED: %s | %s\n", static_cast<unsigned long long>(o.spec.seed),
                o.result.failure.c_str(), o.options.describe().c_str());
  }
  std::fprintf(
      stderr,
      "helios-sim: %zu seeds in %.1fs (%.1f seeds/s, %.0f node ticks/s, %d jobs; "
      "%llu lease reads; client layer: %llu writes, %llu forwarded, %llu uncertain, "
      "%llu idle closed; "
      "membership: %llu requests, %llu applied; transfers: %llu requests, %llu moved; "
      "removals: %llu, %llu stopped, %llu ids joined again; streams: %llu frames lost with "
      "their connection, %llu snapshot transfers cut)\n",
      outcomes.size(), secs, static_cast<double>(outcomes.size()) / secs,
      static_cast<double>(ticks) / secs, jobs, static_cast<unsigned long long>(lease_reads),
      static_cast<unsigned long long>(writes), static_cast<unsigned long long>(forwarded),
      static_cast<unsigned long long>(uncertain), static_cast<unsigned long long>(idle_closed),
      static_cast<unsigned long long>(member_requests),
      static_cast<unsigned long long>(member_changes),
      static_cast<unsigned long long>(transfer_requests),
      static_cast<unsigned long long>(transfers), static_cast<unsigned long long>(removals),
      static_cast<unsigned long long>(removed_stops), static_cast<unsigned long long>(rejoins),
      static_cast<unsigned long long>(frames_lost), static_cast<unsigned long long>(transfers_cut));
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
