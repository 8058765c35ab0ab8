#include "sim/options.h"

#include <cmath>
#include <cstdio>

#include "base/prng.h"

namespace helios::sim {

SimOptions SimOptions::draw(std::uint64_t seed, int nodes) {
  base::Prng prng(seed ^ 0x5eed5eed5eedULL);
  SimOptions o;
  o.seed = seed;
  o.nodes = nodes;
  o.tick_us = prng.range(5, 50) * 1000;
  o.election_ticks = static_cast<int>(prng.range(3, 10));
  o.clock_skew_max = static_cast<double>(prng.range(0, 5)) / 100.0;

  o.delay_min_us = prng.range(50, 500);
  o.delay_max_us = o.delay_min_us + prng.range(0, o.tick_us / 2);
  o.drop_rate = prng.chance(1, 3) ? 0.0 : static_cast<double>(prng.range(1, 20)) / 100.0;
  o.dup_rate = prng.chance(1, 2) ? 0.0 : static_cast<double>(prng.range(1, 10)) / 100.0;
  o.spike_rate = prng.chance(1, 2) ? 0.0 : static_cast<double>(prng.range(1, 10)) / 100.0;
  o.spike_us = prng.range(1, 4) * o.tick_us * static_cast<Micros>(o.election_ticks);

  o.fsync_min_us = prng.range(20, 1000);
  o.fsync_max_us = o.fsync_min_us + prng.range(0, 5000);
  o.sync_failure_chance = prng.chance(1, 4) ? static_cast<double>(prng.range(1, 20)) / 1000.0 : 0;
  o.segment_bytes = 4096 * prng.range(1, 64);

  o.crash_chance = static_cast<double>(prng.range(0, 8)) / 100.0;
  o.partition_chance = static_cast<double>(prng.range(0, 10)) / 100.0;
  o.clog_chance = static_cast<double>(prng.range(0, 8)) / 100.0;
  const Micros timeout_us = o.tick_us * static_cast<Micros>(o.election_ticks);
  o.down_max_us = timeout_us * prng.range(1, 20);
  o.partition_max_us = timeout_us * prng.range(1, 30);
  o.clog_max_us = timeout_us * prng.range(1, 10);

  o.clients = static_cast<int>(prng.range(1, 6));
  o.keys = static_cast<int>(prng.range(1, 4));
  o.read_percent = static_cast<int>(prng.range(10, 70));
  o.client_think_max_us = prng.range(0, 3) * o.tick_us;
  // Beyond the client layer's own bounds (leader_wait + write_timeout: SimNode), so that a
  // client times out only on a node that crashed with its request.
  o.client_timeout_us = timeout_us * prng.range(20, 30);

  o.safety_us = prng.range(5, 20) * 1'000'000;
  o.leave_down = static_cast<int>(prng.range(0, static_cast<std::uint64_t>((nodes - 1) / 2)));

  o.max_entries_per_append = prng.chance(1, 4) ? prng.range(1, 4) : 100;
  o.max_inflight_appends = prng.chance(1, 4) ? prng.range(1, 4) : 64;

  // A third of the seeds churn: leaders crash and get cut off every few election timeouts,
  // and entries travel one or two per message, which opens the windows in which a leader
  // holds a mix of terms only partly replicated (Figure 8 of the paper).
  o.churn = prng.chance(1, 3);
  if (o.churn) {
    o.fault_interval_us = timeout_us;
    o.crash_chance = static_cast<double>(prng.range(20, 60)) / 100.0;
    o.partition_chance = static_cast<double>(prng.range(20, 60)) / 100.0;
    o.down_max_us = timeout_us * prng.range(1, 4);
    o.partition_max_us = timeout_us * prng.range(1, 4);
    o.max_entries_per_append = prng.range(1, 2);
  }

  o.snapshot_threshold = prng.range(2, 60);
  o.snapshot_trailing = prng.chance(1, 3) ? 0 : prng.range(1, 30);
  o.snapshot_write_max_us = prng.range(0, 2) * timeout_us;
  o.snapshot_ack_ticks = o.election_ticks * static_cast<int>(prng.range(1, 10));

  // Drawn last, so that the draws above stay those of seeds from before membership changes.
  o.spare = static_cast<int>(prng.range(1, 2));
  o.membership_interval_us = timeout_us * prng.range(1, 12);

  // Drawn after membership, for the same reason. Ticks run at rates up to (1 + max) /
  // (1 - max) apart: the drift bound covers that over an election timeout, rounded up.
  o.lease_reads = prng.chance(1, 2);
  const double rate = 2.0 * o.clock_skew_max / (1.0 - o.clock_skew_max);
  o.lease_drift_ticks = static_cast<int>(std::ceil(o.election_ticks * rate));

  // Drawn last. Half of the seeds start key versions late, as a cluster upgraded from a
  // release before WATCH does, after snapshots without versions were taken and restored.
  o.versions_start = prng.chance(1, 2) ? 0 : prng.range(20, 300);

  // Drawn last: snapshot bounds in bytes, in half of the seeds.
  if (prng.chance(1, 2)) {
    o.snapshot_threshold_bytes = prng.range(200, 4000);
    o.snapshot_trailing_bytes = prng.chance(1, 3) ? 0 : prng.range(50, 2000);
  }

  // Drawn last: paused nodes in half of the seeds, up to four election timeouts.
  if (prng.chance(1, 2)) {
    o.pause_chance = static_cast<double>(prng.range(1, 6)) / 100.0;
    o.pause_max_us = timeout_us * prng.range(2, 6);
  }
  o.sticky_reads = prng.chance(1, 2);
  // Drawn last: the leaders' executors hold their next batch in a third of the seeds.
  o.max_batches_in_flight = prng.chance(1, 3) ? 1 : 0;
  // Drawn last: removed nodes stop in a third of the seeds.
  o.removed_stop = prng.chance(1, 3);
  // Drawn last: snapshots by interval (snapshot_interval) in half of the seeds, every one to
  // six election timeouts.
  if (prng.chance(1, 2)) {
    o.snapshot_interval_ticks = static_cast<std::uint64_t>(o.election_ticks) * prng.range(1, 6);
  }
  // Drawn last: the client port closes idle connections in a third of the seeds.
  if (prng.chance(1, 3)) {
    o.idle_timeout_us = timeout_us * prng.range(2, 10);
  }
  // Drawn last: connection resets in half of the seeds.
  if (prng.chance(1, 2)) {
    o.reset_chance = static_cast<double>(prng.range(5, 40)) / 100.0;
  }
  return o;
}

std::uint64_t SimOptions::snapshot_interval() const {
  if (snapshot_interval_ticks == 0 && bugs.interval_leader_only) {
    return static_cast<std::uint64_t>(election_ticks) * 2;  // the bug needs the interval on
  }
  return snapshot_interval_ticks;
}

std::string SimOptions::describe() const {
  char buf[768];
  std::snprintf(
      buf, sizeof(buf),
      "nodes=%d tick=%lluus election=%d skew=%.2f delay=%llu-%lluus drop=%.2f dup=%.2f "
      "spike=%.2f/%lluus fsync=%llu-%lluus syncfail=%.3f segment=%llu crash=%.2f/%lluus "
      "partition=%.2f/%lluus "
      "clog=%.2f/%lluus pause=%.2f/%lluus clients=%d keys=%d reads=%d%% safety=%llums "
      "leave_down=%d "
      "max_append=%llu inflight=%llu snapshot=%llu/%llu/%lluus/ack%d/%lluB/%lluB spare=%d "
      "membership=%lluus lease=%s/%d versions=%llu interval=%llu%s%s%s%s",
      nodes, static_cast<unsigned long long>(tick_us), election_ticks, clock_skew_max,
      static_cast<unsigned long long>(delay_min_us), static_cast<unsigned long long>(delay_max_us),
      drop_rate, dup_rate, spike_rate, static_cast<unsigned long long>(spike_us),
      static_cast<unsigned long long>(fsync_min_us), static_cast<unsigned long long>(fsync_max_us),
      sync_failure_chance, static_cast<unsigned long long>(segment_bytes), crash_chance,
      static_cast<unsigned long long>(down_max_us), partition_chance,
      static_cast<unsigned long long>(partition_max_us), clog_chance,
      static_cast<unsigned long long>(clog_max_us), pause_chance,
      static_cast<unsigned long long>(pause_max_us), clients, keys, read_percent,
      static_cast<unsigned long long>(safety_us / 1000), leave_down,
      static_cast<unsigned long long>(max_entries_per_append),
      static_cast<unsigned long long>(max_inflight_appends),
      static_cast<unsigned long long>(snapshot_threshold),
      static_cast<unsigned long long>(snapshot_trailing),
      static_cast<unsigned long long>(snapshot_write_max_us), snapshot_ack_ticks,
      static_cast<unsigned long long>(snapshot_threshold_bytes),
      static_cast<unsigned long long>(snapshot_trailing_bytes), spare,
      static_cast<unsigned long long>(membership_interval_us), lease_reads ? "on" : "off",
      lease_drift_ticks, static_cast<unsigned long long>(versions_start),
      static_cast<unsigned long long>(snapshot_interval_ticks), churn ? " churn" : "",
      sticky_reads ? " sticky-reads" : "", max_batches_in_flight != 0 ? " hold-batches" : "",
      removed_stop ? " removed-stop" : "");
  std::string out(buf);
  if (idle_timeout_us != 0)
    out += " idle=" + std::to_string(idle_timeout_us) + "us";
  if (reset_chance != 0) {
    char reset[32];
    std::snprintf(reset, sizeof(reset), " reset=%.2f", reset_chance);
    out += reset;
  }
  if (bugs.vote_twice)
    out += " bug=vote-twice";
  if (bugs.commit_old_term)
    out += " bug=commit-old-term";
  if (bugs.ack_before_persist)
    out += " bug=ack-before-persist";
  if (bugs.read_without_quorum)
    out += " bug=read-without-quorum";
  if (bugs.snapshot_keeps_log)
    out += " bug=snapshot-keeps-log";
  if (bugs.compact_past_applied)
    out += " bug=compact-past-applied";
  if (bugs.skip_snapshot_restore)
    out += " bug=skip-snapshot-restore";
  if (bugs.count_learner_ack)
    out += " bug=count-learner-ack";
  if (bugs.leave_joint_early)
    out += " bug=leave-joint-early";
  if (bugs.notice_uncommitted_removal)
    out += " bug=notice-uncommitted-removal";
  if (bugs.snapshot_drops_acl)
    out += " bug=snapshot-drops-acl";
  if (bugs.stamp_below_log)
    out += " bug=stamp-below-log";
  if (bugs.lease_too_long)
    out += " bug=lease-too-long";
  if (bugs.unordered_picks)
    out += " bug=unordered-picks";
  if (bugs.lex_by_rank)
    out += " bug=lex-by-rank";
  if (bugs.snapshot_drops_versions)
    out += " bug=snapshot-drops-versions";
  if (bugs.versions_unestablished)
    out += " bug=versions-unestablished";
  if (bugs.trailing_bytes_from_end)
    out += " bug=trailing-bytes-from-end";
  if (bugs.lapse_dropped)
    out += " bug=lapse-dropped";
  if (bugs.ttl_local_clock)
    out += " bug=ttl-local-clock";
  if (bugs.leader_clock_unraised)
    out += " bug=leader-clock-unraised";
  if (bugs.uncertain_as_not_applied)
    out += " bug=uncertain-as-not-applied";
  if (bugs.unrepaid_loan)
    out += " bug=unrepaid-loan";
  if (bugs.held_batch_stuck)
    out += " bug=held-batch-stuck";
  if (bugs.vote_refusal_lost)
    out += " bug=vote-refusal-lost";
  if (bugs.member_answer_early)
    out += " bug=member-answer-early";
  if (bugs.removal_on_joint)
    out += " bug=removal-on-joint";
  if (bugs.removed_restarts)
    out += " bug=removed-restarts";
  if (bugs.vote_below_floor)
    out += " bug=vote-below-floor";
  if (bugs.join_unquarantined)
    out += " bug=join-unquarantined";
  if (bugs.transfer_answer_leaderless)
    out += " bug=transfer-answer-leaderless";
  if (bugs.transfer_to_silent)
    out += " bug=transfer-to-silent";
  if (bugs.interval_leader_only)
    out += " bug=interval-leader-only";
  if (bugs.promote_unanswered)
    out += " bug=promote-unanswered";
  if (bugs.read_skips_write)
    out += " bug=read-skips-write";
  if (bugs.blocking_serves_local)
    out += " bug=blocking-serves-local";
  if (bugs.blocking_drops_late_pop)
    out += " bug=blocking-drops-late-pop";
  if (bugs.json_ttl_seconds)
    out += " bug=json-ttl-seconds";
  if (bugs.unblock_drops_pop)
    out += " bug=unblock-drops-pop";
  if (bugs.idle_closes_busy)
    out += " bug=idle-closes-busy";
  if (bugs.receiver_skips_sync)
    out += " bug=receiver-skips-sync";
  if (bugs.receiver_forgets_conf)
    out += " bug=receiver-forgets-conf";
  if (bugs.sender_reads_behind)
    out += " bug=sender-reads-behind";
  if (bugs.sender_stalls_when_full)
    out += " bug=sender-stalls-when-full";
  if (bugs.receiver_fills_gaps)
    out += " bug=receiver-fills-gaps";
  return out;
}

bool set_planted_bug(const std::string& name, raft::PlantedBugs& bugs) {
  if (name == "vote-twice") {
    bugs.vote_twice = true;
  } else if (name == "commit-old-term") {
    bugs.commit_old_term = true;
  } else if (name == "ack-before-persist") {
    bugs.ack_before_persist = true;
  } else if (name == "read-without-quorum") {
    bugs.read_without_quorum = true;
  } else if (name == "snapshot-keeps-log") {
    bugs.snapshot_keeps_log = true;
  } else if (name == "compact-past-applied") {
    bugs.compact_past_applied = true;
  } else if (name == "skip-snapshot-restore") {
    bugs.skip_snapshot_restore = true;
  } else if (name == "count-learner-ack") {
    bugs.count_learner_ack = true;
  } else if (name == "leave-joint-early") {
    bugs.leave_joint_early = true;
  } else if (name == "notice-uncommitted-removal") {
    bugs.notice_uncommitted_removal = true;
  } else if (name == "snapshot-drops-acl") {
    bugs.snapshot_drops_acl = true;
  } else if (name == "stamp-below-log") {
    bugs.stamp_below_log = true;
  } else if (name == "lease-too-long") {
    bugs.lease_too_long = true;
  } else if (name == "unordered-picks") {
    bugs.unordered_picks = true;
  } else if (name == "lex-by-rank") {
    bugs.lex_by_rank = true;
  } else if (name == "snapshot-drops-versions") {
    bugs.snapshot_drops_versions = true;
  } else if (name == "versions-unestablished") {
    bugs.versions_unestablished = true;
  } else if (name == "trailing-bytes-from-end") {
    bugs.trailing_bytes_from_end = true;
  } else if (name == "lapse-dropped") {
    bugs.lapse_dropped = true;
  } else if (name == "ttl-local-clock") {
    bugs.ttl_local_clock = true;
  } else if (name == "leader-clock-unraised") {
    bugs.leader_clock_unraised = true;
  } else if (name == "uncertain-as-not-applied") {
    bugs.uncertain_as_not_applied = true;
  } else if (name == "unrepaid-loan") {
    bugs.unrepaid_loan = true;
  } else if (name == "held-batch-stuck") {
    bugs.held_batch_stuck = true;
  } else if (name == "vote-refusal-lost") {
    bugs.vote_refusal_lost = true;
  } else if (name == "removal-on-joint") {
    bugs.removal_on_joint = true;
  } else if (name == "removed-restarts") {
    bugs.removed_restarts = true;
  } else if (name == "vote-below-floor") {
    bugs.vote_below_floor = true;
  } else if (name == "join-unquarantined") {
    bugs.join_unquarantined = true;
  } else if (name == "member-answer-early") {
    bugs.member_answer_early = true;
  } else if (name == "transfer-answer-leaderless") {
    bugs.transfer_answer_leaderless = true;
  } else if (name == "transfer-to-silent") {
    bugs.transfer_to_silent = true;
  } else if (name == "interval-leader-only") {
    bugs.interval_leader_only = true;
  } else if (name == "promote-unanswered") {
    bugs.promote_unanswered = true;
  } else if (name == "read-skips-write") {
    bugs.read_skips_write = true;
  } else if (name == "blocking-serves-local") {
    bugs.blocking_serves_local = true;
  } else if (name == "blocking-drops-late-pop") {
    bugs.blocking_drops_late_pop = true;
  } else if (name == "json-ttl-seconds") {
    bugs.json_ttl_seconds = true;
  } else if (name == "unblock-drops-pop") {
    bugs.unblock_drops_pop = true;
  } else if (name == "idle-closes-busy") {
    bugs.idle_closes_busy = true;
  } else if (name == "receiver-skips-sync") {
    bugs.receiver_skips_sync = true;
  } else if (name == "receiver-forgets-conf") {
    bugs.receiver_forgets_conf = true;
  } else if (name == "sender-reads-behind") {
    bugs.sender_reads_behind = true;
  } else if (name == "sender-stalls-when-full") {
    bugs.sender_stalls_when_full = true;
  } else if (name == "receiver-fills-gaps") {
    bugs.receiver_fills_gaps = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace helios::sim
