#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "lobby/v1/dispatch.pb.h"

namespace lobby::dispatch {

/// "08:30" as minutes after midnight.
int ClockMinutes(absl::string_view hhmm);

/// The start of `day` plus `minutes` (may be 1440: the next midnight), in `tz`.
absl::Time AtMinute(absl::CivilDay day, int minutes, const absl::TimeZone& tz);

/// Whether `member` works at `now`: not on leave that day, and on call, in a weekly shift or in
/// an extra shift (in the estate's time zone). A shift whose end is before its start runs past
/// midnight.
bool OnShift(const v1::Member& member, absl::Time now, const absl::TimeZone& tz);

struct Interval {
  absl::Time from, to;
};

/// The time an SLA counts: all of it (24/7), or the estate's business hours without its
/// holidays. Immutable; cheap to build.
class Calendar {
 public:
  static Calendar Always();
  /// The estate's business hours and holidays, in its time zone.
  static Calendar Business(const v1::Estate& estate);

  /// The moment at which `work` of counted time has passed since `start`, leaving out
  /// `pauses` (sorted by start, not overlapping). InfiniteFuture when the calendar never
  /// counts that much (no business hours in the next two years).
  absl::Time Add(absl::Time start, absl::Duration work,
                 const std::vector<Interval>& pauses = {}) const;

 private:
  /// The counted stretch that contains `t`, from `t`, or the next one after it.
  Interval Next(absl::Time t) const;

  bool always_ = true;
  absl::TimeZone tz_;
  std::vector<v1::Shift> hours_;
  std::set<absl::CivilDay> holidays_;
};

}  // namespace lobby::dispatch
