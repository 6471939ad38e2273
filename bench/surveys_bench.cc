// Trend and scorecard query time, and the dashboard's whole first load, over 10 thousand, 1
// million and 5 million generated survey responses (with their tickets), through an in-process
// lobbyd: the figures must stay flat,
// because reads touch one counter hash per period, never the responses. A hash holds a field
// per group value and metric present, so it grows while a sparse estate fills its combinations
// (10 thousand responses over 90 days leave most of them empty) and not after.
//
// The counters for N responses are built as the service builds them (counters.h Expand, one
// increment per response, period and rollup), summed in memory first and written with HSET:
// Redis ends in the same state as after the N answers, in seconds instead of hours.
#include <future>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/surveys/counters.h"
#include "tests/support/harness.h"

using namespace lobby;

namespace {

const absl::TimeZone kHongKong = absl::FixedTimeZone(8 * 3600);
const absl::Time kStart = absl::FromCivil(absl::CivilDay(2026, 9, 1), kHongKong);
constexpr int kDays = 90;

/// Writes the counters of `responses` generated responses (and as many resolved tickets) of
/// site `site`.
void Generate(redis::Connection& conn, const std::string& site, int responses) {
  const char* buildings[] = {"Tower 1", "Tower 2", "Tower 3", "Block A"};
  const char* teams[] = {"plumbing", "electrical", "maintenance", "cleaning"};
  const char* categories[] = {"plumbing", "electrical", "lift",  "doors_locks",
                              "cleaning", "pest",       "noise", "security"};
  const char* channels[] = {"whatsapp", "wechat", "sms"};
  std::mt19937 rng(11);
  // Sum first by day and dimensions, then expand each distinct combination once.
  std::map<std::pair<int, std::string>, std::map<std::string, int64_t>> raw;
  for (int i = 0; i < responses; ++i) {
    int team = rng() % 4;
    std::string key =
        absl::StrCat(buildings[rng() % 4], "\x1e", teams[team], "\x1e", teams[team], "-", rng() % 3,
                     "\x1e", categories[rng() % 8], "\x1e", channels[rng() % 3]);
    auto& m = raw[{static_cast<int>(rng() % kDays), key}];
    int overall = 1 + rng() % 5;
    m["responses"]++;
    m["sent"]++;
    m["volume"]++;
    m["resolved"]++;
    m["overall_sum"] += overall;
    m[absl::StrCat("overall_", overall)]++;
    m[surveys::HistogramMetric("resolve", 600 + rng() % (3 * 86400))]++;
  }
  std::map<std::string, std::map<std::string, int64_t>> fields;
  for (const auto& [day_key, metrics] : raw) {
    std::vector<std::string> d = absl::StrSplit(day_key.second, '\x1e');
    surveys::Dims dims{d[0], d[1], d[2], d[3], d[4]};
    surveys::Metrics m(metrics.begin(), metrics.end());
    for (const auto& inc :
         surveys::Expand(dims, kStart + absl::Hours(24 * day_key.first + 10), kHongKong, m)) {
      fields[inc.key][inc.field] += inc.delta;
    }
  }
  std::vector<redis::Args> batch;
  size_t n = 0;
  for (const auto& [key, values] : fields) {
    redis::Args hset = {"HSET", absl::StrCat("lobby:surveys:{", site, "}:agg:", key)};
    for (const auto& [f, v] : values) {
      hset.push_back(f);
      hset.push_back(std::to_string(v));
      ++n;
    }
    batch.push_back(std::move(hset));
    if (batch.size() >= 200) {
      (void)conn.Run(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) (void)conn.Run(batch);
  std::printf("%s: %d responses -> %zu counter hashes, %zu fields\n", site.c_str(), responses,
              fields.size(), n);
}

}  // namespace

int main(int argc, char** argv) {
  int queries = argc > 1 ? std::atoi(argv[1]) : 300;
  lobby::log::Init("text", "warn").IgnoreError();
  lobby::testing::RedisServer redis;
  lobby::testing::Harness lobbyd(redis, SystemClock::Get(), bench::ExtraFlags());
  auto stub = v1::SurveyService::NewStub(lobbyd.channel);
  for (auto [site, n] :
       {std::pair<std::string, int>{"small", 10000}, {"large", 1000000}, {"huge", 5000000}}) {
    v1::ApplySurveySettingsRequest apply;
    apply.set_yaml(absl::StrCat("surveys: {site: ", site, ", time_zone: Asia/Hong_Kong}"));
    if (!lobby::testing::CallRpc(*stub, &v1::SurveyService::Stub::ApplySettings, apply,
                                 lobby::testing::kAdminToken)
             .ok())
      return 1;
    Generate(redis.conn(), site, n);
  }
  for (std::string site : {"small", "large", "huge"}) {
    struct Query {
      std::string name;
      std::function<grpc::Status()> call;
    };
    v1::GetTrendsRequest by_day;
    by_day.set_site_id(site);
    by_day.set_group_by("building");
    by_day.set_period(v1::PERIOD_DAY);
    *by_day.mutable_from() = ToTimestamp(kStart);
    *by_day.mutable_to() = ToTimestamp(kStart + absl::Hours(24 * kDays));
    v1::GetTrendsRequest by_week = by_day;
    by_week.set_period(v1::PERIOD_WEEK);
    by_week.set_group_by("");
    by_week.mutable_filter()->set_name("team");
    by_week.mutable_filter()->set_value("plumbing");
    v1::GetScorecardRequest card;
    card.set_site_id(site);
    card.set_team("plumbing");
    *card.mutable_from() = ToTimestamp(kStart + absl::Hours(24 * 60));
    *card.mutable_to() = ToTimestamp(kStart + absl::Hours(24 * 90));
    std::vector<Query> list = {
        {"trends: 90 days x building",
         [&] {
           return lobby::testing::CallRpc(*stub, &v1::SurveyService::Stub::GetTrends, by_day,
                                          lobby::testing::kAgentToken)
               .status;
         }},
        {"trends: 13 weeks, team filter",
         [&] {
           return lobby::testing::CallRpc(*stub, &v1::SurveyService::Stub::GetTrends, by_week,
                                          lobby::testing::kAgentToken)
               .status;
         }},
        {"scorecard: team, 30 days + previous 30", [&] {
           return lobby::testing::CallRpc(*stub, &v1::SurveyService::Stub::GetScorecard, card,
                                          lobby::testing::kAgentToken)
               .status;
         }}};
    for (auto& q : list) {
      std::vector<double> ms;
      auto t0 = bench::Clock::now();
      for (int i = 0; i < queries; ++i) {
        auto a = bench::Clock::now();
        grpc::Status s = q.call();
        if (!s.ok()) {
          std::printf("%s failed: %s\n", q.name.c_str(), s.error_message().c_str());
          return 1;
        }
        ms.push_back(bench::Seconds(a, bench::Clock::now()) * 1000);
      }
      bench::Report(site + " " + q.name, queries, bench::Seconds(t0, bench::Clock::now()), ms);
    }
    // The dashboard's first load, as the console makes it: every read of the page at once
    // (this week and the one before, the 12-week trend, a scorecard per team, the heatmap, the
    // repeat faults, the follow-ups, the incidents), timed from the first call sent to the last
    // answer in.
    auto repairs = v1::RepairService::NewStub(lobbyd.channel);
    std::vector<std::function<grpc::Status()>> page;
    v1::GetTrendsRequest weeks;
    weeks.set_site_id(site);
    weeks.set_period(v1::PERIOD_WEEK);
    *weeks.mutable_from() = ToTimestamp(kStart + absl::Hours(24 * 76));
    *weeks.mutable_to() = ToTimestamp(kStart + absl::Hours(24 * 90));
    v1::GetTrendsRequest twelve = weeks;
    *twelve.mutable_from() = ToTimestamp(kStart + absl::Hours(24 * 6));
    auto rpc = [&](auto method, auto req) {
      page.push_back([&stub, method, req] {
        return lobby::testing::CallRpc(*stub, method, req, lobby::testing::kAgentToken).status;
      });
    };
    rpc(&v1::SurveyService::Stub::GetTrends, weeks);
    rpc(&v1::SurveyService::Stub::GetTrends, twelve);
    for (const char* team : {"plumbing", "electrical", "maintenance", "cleaning"}) {
      v1::GetScorecardRequest c = card;
      c.set_team(team);
      *c.mutable_from() = weeks.from();
      *c.mutable_to() = weeks.to();
      rpc(&v1::SurveyService::Stub::GetScorecard, c);
    }
    v1::GetBuildingHeatmapRequest heat;
    heat.set_site_id(site);
    *heat.mutable_from() = weeks.from();
    *heat.mutable_to() = weeks.to();
    rpc(&v1::SurveyService::Stub::GetBuildingHeatmap, heat);
    v1::RepeatFaultsRequest faults;
    faults.set_site_id(site);
    rpc(&v1::SurveyService::Stub::RepeatFaults, faults);
    v1::ListFollowUpsRequest follow;
    follow.set_site_id(site);
    follow.set_include_done(true);
    rpc(&v1::SurveyService::Stub::ListFollowUps, follow);
    v1::ListIncidentsRequest incidents;
    incidents.set_site_id(site);
    incidents.set_include_resolved(true);
    page.push_back([&repairs, incidents] {
      return lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::ListIncidents, incidents,
                                     lobby::testing::kAgentToken)
          .status;
    });
    int loads = std::max(queries / 10, 10);
    std::vector<double> ms;
    auto t0 = bench::Clock::now();
    for (int i = 0; i < loads; ++i) {
      auto a = bench::Clock::now();
      std::vector<std::future<grpc::Status>> inflight;
      for (auto& call : page) inflight.push_back(std::async(std::launch::async, call));
      for (auto& f : inflight) {
        if (grpc::Status s = f.get(); !s.ok()) {
          std::printf("dashboard load failed: %s\n", s.error_message().c_str());
          return 1;
        }
      }
      ms.push_back(bench::Seconds(a, bench::Clock::now()) * 1000);
    }
    bench::Report(absl::StrCat(site, " dashboard first load (", page.size(), " reads at once)"),
                  loads, bench::Seconds(t0, bench::Clock::now()), ms);
  }
  return 0;
}
