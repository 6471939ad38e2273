// The KPI counters against a brute-force recomputation over a generated dataset, the
// histogram's percentiles against exact ones, and the survey settings.
#include "services/surveys/counters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "services/surveys/histogram.h"
#include "services/surveys/survey_logic.h"

namespace lobby::surveys {
namespace {

const absl::TimeZone kHongKong = absl::FixedTimeZone(8 * 3600);

TEST(HistogramTest, PercentilesAreWithinTheStatedError) {
  std::mt19937 rng(42);
  std::lognormal_distribution<double> minutes(std::log(45.0), 1.2);  // about 45 minutes, long tail
  Histogram h;
  std::vector<double> exact;
  for (int i = 0; i < 20000; ++i) {
    double s = minutes(rng) * 60;
    exact.push_back(s);
    h.AddSeconds(s);
  }
  std::sort(exact.begin(), exact.end());
  for (double q : {0.5, 0.9, 0.99}) {
    double truth = exact[static_cast<size_t>(q * exact.size())];
    EXPECT_NEAR(h.Quantile(q), truth, truth * 0.10) << "q=" << q;
  }
  // Merging is adding counts: the buckets of two halves, added, are the whole.
  Histogram merged;
  for (int half = 0; half < 2; ++half) {
    for (size_t i = half; i < exact.size(); i += 2) merged.Add(Histogram::Bucket(exact[i]), 1);
  }
  EXPECT_EQ(merged.Quantile(0.9), h.Quantile(0.9));
  EXPECT_EQ(Histogram().Quantile(0.5), 0);
  EXPECT_EQ(Histogram::Bucket(0.5), 0);
  EXPECT_LT(Histogram::Lower(Histogram::Bucket(3600)), 3600.0 + 1e-9);
  EXPECT_GT(Histogram::Upper(Histogram::Bucket(3600)), 3600.0);
}

struct Fact {
  Dims dims;
  absl::Time at;
  std::string metric;
  int64_t delta;
};

TEST(CountersTest, TrendsMatchABruteForceRecomputation) {
  std::mt19937 rng(7);
  const std::vector<std::string> buildings = {"Tower 1", "Tower 2", "Block C"},
                                 teams = {"plumbing", "electrical", ""},
                                 members = {"lee", "wong", "cheung", ""},
                                 categories = {"plumbing", "lift", "noise"},
                                 channels = {"sms", "whatsapp", "wechat"},
                                 metrics = {"volume", "responses", "overall_sum"};
  absl::Time start = absl::FromCivil(absl::CivilDay(2026, 10, 1), kHongKong);
  std::vector<Fact> facts;
  std::map<std::string, std::map<std::string, int64_t>>
      redis;  // key -> field -> value, as HINCRBY would leave it
  for (int i = 0; i < 5000; ++i) {
    Fact f{{buildings[rng() % 3], teams[rng() % 3], members[rng() % 4], categories[rng() % 3],
            channels[rng() % 3]},
           start + absl::Minutes(rng() % (60 * 24 * 60)),
           metrics[rng() % 3],
           1 + static_cast<int64_t>(rng() % 5)};
    facts.push_back(f);
    for (const auto& inc : Expand(f.dims, f.at, kHongKong, {{f.metric, f.delta}}))
      redis[inc.key][inc.field] += inc.delta;
  }
  auto get = [](const Dims& d, const std::string& dim) {
    if (dim == "building") return d.building;
    if (dim == "team") return d.team;
    if (dim == "member") return d.member;
    if (dim == "category") return d.category;
    return d.channel;
  };
  struct Case {
    std::string filter_dim, filter_value, group_by;
    v1::Period period;
  };
  for (const Case& c : std::vector<Case>{{"", "", "", v1::PERIOD_DAY},
                                         {"", "", "building", v1::PERIOD_WEEK},
                                         {"team", "plumbing", "", v1::PERIOD_MONTH},
                                         {"building", "Tower 2", "category", v1::PERIOD_WEEK},
                                         {"channel", "sms", "member", v1::PERIOD_DAY},
                                         {"member", "lee", "team", v1::PERIOD_MONTH},
                                         {"category", "lift", "category", v1::PERIOD_DAY}}) {
    auto q = Plan(c.filter_dim, c.filter_value, c.group_by);
    ASSERT_TRUE(q.ok());
    absl::Time from = start + absl::Hours(24 * 9), to = start + absl::Hours(24 * 50);
    for (absl::Time t = PeriodStart(c.period, from, kHongKong); t < to;
         t = NextPeriod(c.period, t, kHongKong)) {
      std::string key = PeriodKey(c.period, t, kHongKong) + ":" + q->rollup;
      std::vector<std::pair<std::string, std::string>> fields;
      for (const auto& [f, v] : redis[key]) fields.emplace_back(f, std::to_string(v));
      std::map<std::string, Totals> got;
      Accumulate(*q, fields, got);
      std::map<std::string, Totals> want;
      absl::Time end = NextPeriod(c.period, t, kHongKong);
      for (const Fact& f : facts) {
        if (f.at < t || f.at >= end) continue;
        if (!c.filter_dim.empty() && get(f.dims, c.filter_dim) != c.filter_value) continue;
        want[c.group_by.empty() ? "" : get(f.dims, c.group_by)][f.metric] += f.delta;
      }
      EXPECT_EQ(got, want) << c.filter_dim << "=" << c.filter_value << " by " << c.group_by
                           << " at " << key;
    }
  }
  EXPECT_FALSE(Plan("floor", "3", "").ok());
}

TEST(CountersTest, KpisFromTotals) {
  Totals t = {{"volume", 40},   {"sent", 10},         {"responses", 8},     {"overall_sum", 30},
              {"overall_5", 3}, {"overall_1", 1},     {"resolved", 20},     {"resolved_first", 18},
              {"ftf", 9},       {"reopened", 2},      {"clocked", 10},      {"breached", 1},
              {"nps_n", 10},    {"nps_promoters", 6}, {"nps_detractors", 2}};
  t[HistogramMetric("ack", 600)] = 1;
  v1::Kpis k = ComputeKpis(t, 800);
  EXPECT_DOUBLE_EQ(k.response_rate(), 0.8);
  EXPECT_DOUBLE_EQ(k.csat(), 3.75);
  EXPECT_EQ(k.overall_distribution(0), 1);
  EXPECT_EQ(k.overall_distribution(4), 3);
  EXPECT_DOUBLE_EQ(k.reopen_rate(), 0.1);
  EXPECT_DOUBLE_EQ(k.first_time_fix_rate(), 0.5);
  EXPECT_DOUBLE_EQ(k.breach_rate(), 0.1);
  EXPECT_DOUBLE_EQ(k.volume_per_1000_units(), 50);
  EXPECT_DOUBLE_EQ(k.nps(), 40);
  EXPECT_NEAR(k.ack_p50_minutes(), 10, 1);
}

TEST(SettingsTest, ParsedWholeWithClearErrors) {
  auto s = ParseSettings(R"(
surveys:
  site: demo
  time_zone: Asia/Hong_Kong
  delay: 2h
  remind_after: 1d
  expire_after: 7d
  low_score: 2
  follow_up_within: 4h
  follow_up_escalate_to: mak-mgr
  units: {Tower 1: 320, Tower 2: 280}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->delay_minutes(), 120);
  EXPECT_EQ(s->expire_after_minutes(), 7 * 24 * 60);
  EXPECT_EQ(s->units().at("Tower 1"), 320);
  for (auto [yaml, why] : std::vector<std::pair<std::string, std::string>>{
           {"surveys: {site: demo, delay: soon}", "delay"},
           {"surveys: {site: demo, low_score: 5}", "low_score"},
           {"surveys: {site: demo, time_zone: Mars/Base}", "time zone"},
           {"surveys: {site: demo, colour: blue}", "unknown key"},
           {"teams: []", "surveys:"}}) {
    auto bad = ParseSettings(yaml);
    ASSERT_FALSE(bad.ok()) << yaml;
    EXPECT_NE(bad.status().message().find(why), std::string::npos) << bad.status();
  }
  EXPECT_EQ(Questions("ticket", "zh-Hant")[0].text(), "整體滿意度？(1-5)");
  EXPECT_EQ(Questions("nps", "en")[0].kind(), "nps");
}

}  // namespace
}  // namespace lobby::surveys
