// Metrics: the recorded families and the sampled ones render as Prometheus text; label
// values from outside stay bounded.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "metrics/sample.h"

namespace helios::metrics {
namespace {

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(MetricsTest, recordedFamiliesRenderWithHelpTypeAndValues) {
  Metrics m;
  m.proposals_committed.Increment(3);
  m.commit_duration.Observe(0.0004);
  m.commit_duration.Observe(2.0);
  const std::string text = m.render({});
  EXPECT_NE(text.find("# TYPE helios_raft_proposals_committed_total counter"), std::string::npos);
  EXPECT_NE(text.find("helios_raft_proposals_committed_total 3"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE helios_commit_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("helios_commit_duration_seconds_count 2"), std::string::npos);
  EXPECT_NE(text.find("helios_commit_duration_seconds_bucket{le=\"0.0005\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("helios_commit_duration_seconds_bucket{le=\"+Inf\"} 2"), std::string::npos);
  for (const char* family :
       {"helios_raft_read_index_duration_seconds", "helios_wal_fsync_duration_seconds",
        "helios_snapshot_duration_seconds", "helios_raft_proposals_failed_total",
        "helios_raft_ticks_lapsed_total"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
  }
}

TEST(MetricsTest, commandSeriesAreAddedOnceAndReused) {
  Metrics m;
  CommandSeries& a = m.command("set");
  CommandSeries& b = m.command("set");
  EXPECT_EQ(&a, &b);
  a.calls.Increment();
  b.duration.Observe(0.001);
  m.command("get").calls.Increment();
  const std::string text = m.render({});
  EXPECT_NE(text.find("helios_client_commands_total{cmd=\"set\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("helios_client_commands_total{cmd=\"get\"} 1"), std::string::npos);
  EXPECT_NE(text.find("helios_client_command_duration_seconds_count{cmd=\"set\"} 1"),
            std::string::npos);
}

TEST(MetricsTest, errorCodesAreBoundedWhateverTheyAre) {
  Metrics m;
  m.client_error("TRYAGAIN");
  m.client_error("TRYAGAIN");
  m.client_error("not a code");
  m.client_error("");
  m.client_error(std::string(100, 'X'));
  for (int i = 0; i < 200; ++i) {
    std::string code = "CODE";
    for (int v = i; v > 0; v /= 26) {
      code += static_cast<char>('A' + v % 26);
    }
    m.client_error(code);
  }
  const std::string text = m.render({});
  EXPECT_NE(text.find("helios_client_errors_total{error=\"TRYAGAIN\"} 2"), std::string::npos);
  EXPECT_NE(text.find("helios_client_errors_total{error=\"OTHER\"}"), std::string::npos);
  // At most kMaxErrorCodes series, whatever was sent.
  EXPECT_LE(count_of(text, "helios_client_errors_total{"),
            static_cast<int>(Metrics::kMaxErrorCodes));
}

TEST(MetricsTest, sampledFamiliesFollowTheRecordedOnesAndKeepTheirOrder) {
  Metrics m;
  Sample s;
  s.gauge("helios_raft_term", "term", 7);
  s.declare("helios_raft_replication_lag_entries", "lag", prometheus::MetricType::Gauge);
  s.counter("helios_peer_messages_sent_total", "sent", 5, {{"peer", "2"}});
  s.counter("helios_peer_messages_sent_total", "sent", 9, {{"peer", "3"}});
  const std::string text = m.render(s.take());
  const std::size_t term = text.find("helios_raft_term 7");
  const std::size_t lag = text.find("# TYPE helios_raft_replication_lag_entries gauge");
  const std::size_t sent = text.find("helios_peer_messages_sent_total{peer=\"3\"} 9");
  ASSERT_NE(term, std::string::npos) << text;
  ASSERT_NE(lag, std::string::npos) << text;
  ASSERT_NE(sent, std::string::npos) << text;
  EXPECT_LT(term, lag);
  EXPECT_LT(lag, sent);
  EXPECT_GT(term, text.find("helios_raft_proposals_committed_total"));
  EXPECT_EQ(count_of(text, "# TYPE helios_peer_messages_sent_total counter"), 1);
  // take() leaves the sample empty.
  EXPECT_TRUE(s.take().empty());
}

}  // namespace
}  // namespace helios::metrics
