#include "services/surveys/counters.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/surveys/histogram.h"

namespace lobby::surveys {
namespace {

constexpr char kSep = '\x1f';
const char* kDims[] = {"building", "team", "member", "category", "channel"};
const char* kShort[] = {"b", "t", "m", "c", "ch"};

std::string Clean(const std::string& v) {
  std::string out = v;
  for (char& c : out) {
    if (c == '|' || c == kSep) c = '_';
  }
  return out;
}

int DimIndex(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kDims[i]) return i;
  }
  return -1;
}

}  // namespace

std::string PeriodKey(v1::Period period, absl::Time at, const absl::TimeZone& tz) {
  absl::CivilDay day = absl::ToCivilDay(at, tz);
  switch (period) {
    case v1::PERIOD_WEEK: {
      absl::CivilDay monday = day - static_cast<int>(absl::GetWeekday(day));  // absl: Monday = 0
      return absl::StrFormat("w%04d%02d%02d", monday.year(), monday.month(), monday.day());
    }
    case v1::PERIOD_MONTH:
      return absl::StrFormat("m%04d%02d", day.year(), day.month());
    default:
      return absl::StrFormat("d%04d%02d%02d", day.year(), day.month(), day.day());
  }
}

absl::Time PeriodStart(v1::Period period, absl::Time at, const absl::TimeZone& tz) {
  absl::CivilDay day = absl::ToCivilDay(at, tz);
  switch (period) {
    case v1::PERIOD_WEEK:
      return absl::FromCivil(day - static_cast<int>(absl::GetWeekday(day)), tz);
    case v1::PERIOD_MONTH:
      return absl::FromCivil(absl::CivilMonth(day), tz);
    default:
      return absl::FromCivil(day, tz);
  }
}

absl::Time NextPeriod(v1::Period period, absl::Time start, const absl::TimeZone& tz) {
  absl::CivilDay day = absl::ToCivilDay(start, tz);
  switch (period) {
    case v1::PERIOD_WEEK:
      return absl::FromCivil(day + 7, tz);
    case v1::PERIOD_MONTH:
      return absl::FromCivil(absl::CivilMonth(day) + 1, tz);
    default:
      return absl::FromCivil(day + 1, tz);
  }
}

namespace {

// The dimensions' positions (building, team, member, category, channel).
constexpr int kTeam = 1, kMember = 2;

std::vector<Increment> ExpandWhere(const Dims& d, absl::Time at, const absl::TimeZone& tz,
                                   const Metrics& metrics, bool team_rollups_only) {
  std::string v[5] = {Clean(d.building), Clean(d.team), Clean(d.member), Clean(d.category),
                      Clean(d.channel)};
  auto wanted = [&](int i, int j) {
    return !team_rollups_only || i == kTeam || i == kMember || j == kTeam || j == kMember;
  };
  std::vector<std::pair<std::string, std::string>> rollups;
  if (!team_rollups_only) rollups.push_back({"all", ""});
  for (int i = 0; i < 5; ++i) {
    if (wanted(i, i)) rollups.push_back({kShort[i], v[i]});
  }
  for (int i = 0; i < 5; ++i) {
    for (int j = i + 1; j < 5; ++j) {
      if (wanted(i, j))
        rollups.push_back({absl::StrCat(kShort[i], ".", kShort[j]),
                           absl::StrCat(v[i], std::string(1, kSep), v[j])});
    }
  }
  std::vector<Increment> out;
  for (v1::Period p : {v1::PERIOD_DAY, v1::PERIOD_WEEK, v1::PERIOD_MONTH}) {
    std::string period = PeriodKey(p, at, tz);
    for (const auto& [rollup, values] : rollups) {
      for (const auto& [metric, delta] : metrics)
        out.push_back(
            {absl::StrCat(period, ":", rollup), absl::StrCat(values, "|", metric), delta});
    }
  }
  return out;
}

}  // namespace

std::vector<Increment> Expand(const Dims& d, absl::Time at, const absl::TimeZone& tz,
                              const Metrics& metrics) {
  return ExpandWhere(d, at, tz, metrics, false);
}

std::vector<Increment> ExpandTeamRollups(const Dims& d, absl::Time at, const absl::TimeZone& tz,
                                         const Metrics& metrics) {
  return ExpandWhere(d, at, tz, metrics, true);
}

absl::StatusOr<Query> Plan(const std::string& filter_dim, const std::string& filter_value,
                           const std::string& group_by) {
  int f = filter_dim.empty() ? -1 : DimIndex(filter_dim);
  int g = group_by.empty() ? -1 : DimIndex(group_by);
  if ((!filter_dim.empty() && f < 0) || (!group_by.empty() && g < 0)) {
    return absl::InvalidArgumentError(
        "dimensions are building, team, member, category and channel");
  }
  Query q;
  q.filter_value = Clean(filter_value);
  if (f < 0 && g < 0) {
    q.rollup = "all";
  } else if (f < 0 || g < 0 || f == g) {
    int only = f >= 0 ? f : g;
    q.rollup = kShort[only];
    if (f >= 0) q.filter_pos = 0;
    if (g >= 0) q.group_pos = 0;
  } else {
    int a = std::min(f, g), b = std::max(f, g);
    q.rollup = absl::StrCat(kShort[a], ".", kShort[b]);
    q.filter_pos = f == a ? 0 : 1;
    q.group_pos = g == a ? 0 : 1;
  }
  return q;
}

void Accumulate(const Query& q, const std::vector<std::pair<std::string, std::string>>& fields,
                std::map<std::string, Totals>& into) {
  // Called for every field of every period read: string views, no splitting into vectors.
  Totals* last_group = nullptr;
  std::string last_group_name;
  for (const auto& [field, value] : fields) {
    absl::string_view f(field);
    size_t bar = f.rfind('|');
    if (bar == absl::string_view::npos) continue;
    absl::string_view values = f.substr(0, bar), metric = f.substr(bar + 1);
    auto part = [&](int pos) -> absl::string_view {
      size_t sep = values.find(kSep);
      if (pos == 0) return values.substr(0, sep);
      return sep == absl::string_view::npos ? absl::string_view() : values.substr(sep + 1);
    };
    if (q.filter_pos >= 0 && part(q.filter_pos) != q.filter_value) continue;
    absl::string_view group = q.group_pos >= 0 ? part(q.group_pos) : absl::string_view();
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n)) continue;
    if (last_group == nullptr || group != last_group_name) {
      last_group_name = std::string(group);
      last_group = &into[last_group_name];
    }
    auto it = last_group->find(metric);
    if (it == last_group->end())
      last_group->emplace(std::string(metric), n);
    else
      it->second += n;
  }
}

std::string HistogramMetric(const std::string& name, double seconds) {
  return absl::StrCat(name, "_h", Histogram::Bucket(seconds));
}

v1::Kpis ComputeKpis(const Totals& t, int64_t units) {
  auto get = [&](const std::string& k) -> int64_t {
    auto it = t.find(k);
    return it == t.end() ? 0 : it->second;
  };
  auto ratio = [](int64_t a, int64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  v1::Kpis k;
  k.set_volume(get("volume"));
  k.set_surveys_sent(get("sent"));
  k.set_responses(get("responses"));
  k.set_response_rate(ratio(get("responses"), get("sent")));
  k.set_csat(ratio(get("overall_sum"), get("responses")));
  k.set_speed(ratio(get("speed_sum"), get("responses")));
  k.set_attitude(ratio(get("attitude_sum"), get("responses")));
  for (int s = 1; s <= 5; ++s) k.add_overall_distribution(get(absl::StrCat("overall_", s)));
  Histogram ack, arrive, resolve;
  for (const auto& [metric, n] : t) {
    for (auto [name, h] : {std::pair<const char*, Histogram*>{"ack_h", &ack},
                           {"arrive_h", &arrive},
                           {"resolve_h", &resolve}}) {
      int bucket;
      if (metric.rfind(name, 0) == 0 &&
          absl::SimpleAtoi(metric.substr(std::string(name).size()), &bucket))
        h->Add(bucket, n);
    }
  }
  k.set_ack_p50_minutes(ack.Quantile(0.5) / 60);
  k.set_ack_p90_minutes(ack.Quantile(0.9) / 60);
  k.set_arrive_p50_minutes(arrive.Quantile(0.5) / 60);
  k.set_arrive_p90_minutes(arrive.Quantile(0.9) / 60);
  k.set_resolve_p50_minutes(resolve.Quantile(0.5) / 60);
  k.set_resolve_p90_minutes(resolve.Quantile(0.9) / 60);
  k.set_breach_rate(ratio(get("breached"), get("clocked")));
  k.set_resolved(get("resolved"));
  k.set_reopen_rate(ratio(get("reopened"), get("resolved")));
  k.set_first_time_fix_rate(ratio(get("ftf"), get("resolved_first")));
  k.set_volume_per_1000_units(
      units > 0 ? 1000.0 * static_cast<double>(get("volume")) / static_cast<double>(units) : 0);
  k.set_follow_ups(get("follow_ups"));
  k.set_nps_responses(get("nps_n"));
  k.set_nps(get("nps_n") == 0
                ? 0
                : 100.0 * static_cast<double>(get("nps_promoters") - get("nps_detractors")) /
                      static_cast<double>(get("nps_n")));
  return k;
}

}  // namespace lobby::surveys
