// SurveyLogic: trends, scorecards, heatmaps and repeat faults from the counters.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/surveys/survey_logic.h"
#include "services/surveys/survey_logic_parts.h"

namespace lobby::surveys {

using namespace detail;  // NOLINT: the parts of one class

// ------------------------------------------------------------------ trends

absl::StatusOr<std::vector<std::pair<absl::Time, std::map<std::string, Totals>>>> SurveyLogic::Read(
    const std::string& site, const absl::TimeZone& tz, v1::Period period, absl::Time from,
    absl::Time to, const std::string& filter_dim, const std::string& filter_value,
    const std::string& group_by) {
  LOBBY_ASSIGN_OR_RETURN(auto q, Plan(filter_dim, filter_value, group_by));
  if (to <= from) return absl::InvalidArgumentError("the range is empty: from must be before to");
  std::vector<absl::Time> starts;
  std::vector<std::string> keys;
  for (absl::Time t = PeriodStart(period, from, tz); t < to; t = NextPeriod(period, t, tz)) {
    if (starts.size() >= 400)
      return absl::InvalidArgumentError("at most 400 periods: use weeks or months for long ranges");
    starts.push_back(t);
    keys.push_back(absl::StrCat(PeriodKey(period, t, tz), ":", q.rollup));
  }
  LOBBY_ASSIGN_OR_RETURN(auto hashes, store_.ReadCounters(site, keys));
  std::vector<std::pair<absl::Time, std::map<std::string, Totals>>> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    std::map<std::string, Totals> groups;
    Accumulate(q, hashes[i], groups);
    out.emplace_back(starts[i], std::move(groups));
  }
  return out;
}

namespace {

int64_t Units(const v1::SurveySettings& s, const std::string& building) {
  if (!building.empty()) {
    auto it = s.units().find(building);
    return it == s.units().end() ? 0 : it->second;
  }
  int64_t n = 0;
  for (const auto& [b, u] : s.units()) n += u;
  return n;
}

absl::Status CheckRange(const google::protobuf::Timestamp& from,
                        const google::protobuf::Timestamp& to) {
  if (!from.seconds() || !to.seconds())
    return absl::InvalidArgumentError("from and to are required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Trends> SurveyLogic::GetTrends(const v1::GetTrendsRequest& req) {
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  LOBBY_ASSIGN_OR_RETURN(auto settings, GetSettings(req.site_id()));
  v1::Period period = req.period() == v1::PERIOD_UNSPECIFIED ? v1::PERIOD_DAY : req.period();
  auto rows =
      Read(req.site_id(), ZoneOf(settings), period, FromTimestamp(req.from()),
           FromTimestamp(req.to()), req.filter().name(), req.filter().value(), req.group_by());
  if (!rows.ok()) return rows.status();
  std::set<std::string> groups;
  for (const auto& [t, g] : *rows) {
    for (const auto& [name, totals] : g) groups.insert(name);
  }
  if (req.group_by().empty()) groups = {""};
  v1::Trends out;
  for (const auto& group : groups) {
    v1::Series* series = out.add_series();
    series->set_group(group);
    std::string building = req.group_by() == "building"        ? group
                           : req.filter().name() == "building" ? req.filter().value()
                                                               : "";
    for (const auto& [t, g] : *rows) {
      v1::Point* p = series->add_points();
      *p->mutable_start() = ToTimestamp(t);
      auto it = g.find(group);
      *p->mutable_kpis() =
          ComputeKpis(it == g.end() ? Totals{} : it->second, Units(settings, building));
    }
  }
  return out;
}

absl::StatusOr<v1::Scorecard> SurveyLogic::GetScorecard(const v1::GetScorecardRequest& req) {
  if (req.team().empty() == req.member().empty())
    return absl::InvalidArgumentError("one of team and member");
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  LOBBY_ASSIGN_OR_RETURN(auto settings, GetSettings(req.site_id()));
  absl::Time from = FromTimestamp(req.from()), to = FromTimestamp(req.to());
  absl::Time prev = from - (to - from);
  std::string dim = req.team().empty() ? "member" : "team",
              value = req.team().empty() ? req.member() : req.team();
  v1::Scorecard out;
  for (auto [a, b, kpis] : {std::tuple{from, to, out.mutable_current()},
                            std::tuple{prev, from, out.mutable_previous()}}) {
    LOBBY_ASSIGN_OR_RETURN(
        auto rows, Read(req.site_id(), ZoneOf(settings), v1::PERIOD_DAY, a, b, dim, value, ""));
    Totals sum;
    for (const auto& [t, g] : rows) {
      auto it = g.find("");
      if (it == g.end()) continue;
      for (const auto& [k, v] : it->second) sum[k] += v;
    }
    *kpis = ComputeKpis(sum, 0);
  }
  *out.mutable_previous_from() = ToTimestamp(prev);
  return out;
}

absl::StatusOr<v1::Heatmap> SurveyLogic::GetBuildingHeatmap(
    const v1::GetBuildingHeatmapRequest& req) {
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  LOBBY_ASSIGN_OR_RETURN(auto settings, GetSettings(req.site_id()));
  // One read of the building x category rollup per day.
  absl::TimeZone tz = ZoneOf(settings);
  std::vector<std::string> keys;
  for (absl::Time t = PeriodStart(v1::PERIOD_DAY, FromTimestamp(req.from()), tz);
       t < FromTimestamp(req.to()); t = NextPeriod(v1::PERIOD_DAY, t, tz)) {
    if (keys.size() >= 400) return absl::InvalidArgumentError("at most 400 days");
    keys.push_back(absl::StrCat(PeriodKey(v1::PERIOD_DAY, t, tz), ":b.c"));
  }
  LOBBY_ASSIGN_OR_RETURN(auto hashes, store_.ReadCounters(req.site_id(), keys));
  std::map<std::string, Totals> cells;  // "building\x1fcategory"
  for (const auto& h : hashes) {
    for (const auto& [field, value] : h) {
      size_t bar = field.rfind('|');
      int64_t n = 0;
      if (bar == std::string::npos || !absl::SimpleAtoi(value, &n)) continue;
      cells[field.substr(0, bar)][field.substr(bar + 1)] += n;
    }
  }
  v1::Heatmap out;
  for (const auto& [key, totals] : cells) {
    size_t sep = key.find('\x1f');
    v1::Kpis k = ComputeKpis(totals, 0);
    v1::HeatmapCell* c = out.add_cells();
    c->set_building(key.substr(0, sep));
    c->set_category(sep == std::string::npos ? "" : key.substr(sep + 1));
    c->set_volume(k.volume());
    c->set_csat(k.csat());
    c->set_responses(k.responses());
  }
  return out;
}

absl::StatusOr<v1::RepeatFaultsResponse> SurveyLogic::RepeatFaults(
    const v1::RepeatFaultsRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  LOBBY_ASSIGN_OR_RETURN(
      auto faults, store_.RepeatFaults(req.site_id(), Ms(clock_.Now() - absl::Hours(24 * 90))));
  v1::RepeatFaultsResponse out;
  for (const auto& [key, tickets] : faults) {
    size_t bar = key.rfind('|');
    v1::RepeatFault* f = out.add_faults();
    f->set_unit(key.substr(0, bar));
    f->set_category(key.substr(bar + 1));
    for (const auto& t : tickets) f->add_tickets(t);
  }
  return out;
}

}  // namespace lobby::surveys
