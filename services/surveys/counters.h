#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lobby/v1/surveys.pb.h"

namespace lobby::surveys {

/// What a counted fact is about.
struct Dims {
  std::string building, team, member, category, channel;
};

/// The pre-aggregated counters: every fact is added to one hash per period (day, ISO week,
/// month, in the site's time zone) and rollup (everything; each dimension; each pair of
/// dimensions), field "<values>|<metric>". A trend, a scorecard or a heatmap then reads one
/// hash per period in its range, whatever the number of tickets and responses.
///
/// Keys: lobby:surveys:{SITE}:agg:<period key>:<rollup>, e.g. ...:agg:d20261127:b.c
/// (day 2026-11-27, building x category); periods d<YYYYMMDD>, w<YYYYMMDD of the Monday>,
/// m<YYYYMM>.
struct Increment {
  std::string key;  // after "lobby:surveys:{SITE}:agg:"
  std::string field;
  int64_t delta;
};
using Metrics = std::vector<std::pair<std::string, int64_t>>;
std::vector<Increment> Expand(const Dims& dims, absl::Time at, const absl::TimeZone& tz,
                              const Metrics& metrics);
/// Only the rollups that have the team or the member among their dimensions: to move a count
/// from "no team yet" to the team a ticket was assigned to, leaving the other rollups alone.
std::vector<Increment> ExpandTeamRollups(const Dims& dims, absl::Time at, const absl::TimeZone& tz,
                                         const Metrics& metrics);

/// The period key containing `at`, and the start of the period after it.
std::string PeriodKey(v1::Period period, absl::Time at, const absl::TimeZone& tz);
absl::Time PeriodStart(v1::Period period, absl::Time at, const absl::TimeZone& tz);
absl::Time NextPeriod(v1::Period period, absl::Time start, const absl::TimeZone& tz);

/// Which rollup answers a query filtered by `filter` (may be empty) and grouped by `group_by`
/// (may be empty), or INVALID_ARGUMENT for an unknown dimension.
struct Query {
  std::string rollup;
  int filter_pos = -1;  // position of the filter's value in the field's values
  std::string filter_value;
  int group_pos = -1;
};
absl::StatusOr<Query> Plan(const std::string& filter_dim, const std::string& filter_value,
                           const std::string& group_by);

/// Adds a hash's fields (as read) into `into`, per group, for the query.
using Totals = std::map<std::string, int64_t, std::less<>>;  // metric -> value
void Accumulate(const Query& q, const std::vector<std::pair<std::string, std::string>>& fields,
                std::map<std::string, Totals>& into);

/// The KPIs from summed counters; `units` for volume per 1,000 units (0: not known).
v1::Kpis ComputeKpis(const Totals& t, int64_t units);

/// Metrics of a histogram of `name` ("ack", "arrive", "resolve") for one duration.
std::string HistogramMetric(const std::string& name, double seconds);

}  // namespace lobby::surveys
