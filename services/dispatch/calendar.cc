#include "services/dispatch/calendar.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "services/common/proto_util.h"

namespace lobby::dispatch {
namespace {

int Weekday(absl::CivilDay day) {                            // Sunday = 0, as in v1::Shift
  return (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;  // absl: Monday = 0
}

bool ParseDay(const std::string& s, absl::CivilDay* day) { return absl::ParseCivilTime(s, day); }

}  // namespace

int ClockMinutes(absl::string_view hhmm) {
  int h = 0, m = 0;
  if (hhmm.size() != 5 || !absl::SimpleAtoi(hhmm.substr(0, 2), &h) ||
      !absl::SimpleAtoi(hhmm.substr(3, 2), &m))
    return 0;
  return h * 60 + m;
}

absl::Time AtMinute(absl::CivilDay day, int minutes, const absl::TimeZone& tz) {
  return absl::FromCivil(absl::CivilMinute(day) + minutes, tz);
}

bool OnShift(const v1::Member& m, absl::Time now, const absl::TimeZone& tz) {
  absl::CivilMinute local = absl::ToCivilMinute(now, tz);
  absl::CivilDay today(local);
  for (const auto& l : m.leave()) {
    absl::CivilDay from, to;
    if (ParseDay(l.from(), &from) && ParseDay(l.to(), &to) && from <= today && today <= to)
      return false;
  }
  if (m.on_call()) return true;
  int weekday = Weekday(today);
  int minute = local.hour() * 60 + local.minute();
  for (const auto& s : m.shifts()) {
    int start = ClockMinutes(s.start()), end = ClockMinutes(s.end());
    if (start < end) {
      if (s.weekday() == weekday && minute >= start && minute < end) return true;
    } else {  // past midnight: the evening of its day, or the morning after
      if (s.weekday() == weekday && minute >= start) return true;
      if ((s.weekday() + 1) % 7 == weekday && minute < end) return true;
    }
  }
  for (const auto& x : m.extra_shifts()) {
    absl::CivilDay day;
    if (!ParseDay(x.date(), &day)) continue;
    int start = ClockMinutes(x.start()), end = ClockMinutes(x.end());
    absl::Time from = AtMinute(day, start, tz), to = AtMinute(end > start ? day : day + 1, end, tz);
    if (now >= from && now < to) return true;
  }
  return false;
}

Calendar Calendar::Always() { return Calendar(); }

Calendar Calendar::Business(const v1::Estate& estate) {
  Calendar c;
  c.always_ = false;
  c.tz_ = ZoneNamed(estate.time_zone());
  c.hours_.assign(estate.business_hours().begin(), estate.business_hours().end());
  for (const auto& h : estate.holidays()) {
    absl::CivilDay d;
    if (ParseDay(h, &d)) c.holidays_.insert(d);
  }
  return c;
}

Interval Calendar::Next(absl::Time t) const {
  if (always_) return {t, absl::InfiniteFuture()};
  absl::CivilDay day(absl::ToCivilDay(t, tz_));
  for (int i = 0; i < 2 * 366; ++i, ++day) {
    if (holidays_.count(day)) continue;
    int weekday = Weekday(day);
    Interval best{absl::InfiniteFuture(), absl::InfiniteFuture()};
    for (const auto& h : hours_) {
      if (h.weekday() != weekday) continue;
      absl::Time from = AtMinute(day, ClockMinutes(h.start()), tz_),
                 to = AtMinute(day, ClockMinutes(h.end()), tz_);
      if (to <= t) continue;
      from = std::max(from, t);
      if (from < best.from) best = {from, to};
    }
    if (best.from != absl::InfiniteFuture()) return best;
  }
  return {absl::InfiniteFuture(), absl::InfiniteFuture()};
}

absl::Time Calendar::Add(absl::Time start, absl::Duration work,
                         const std::vector<Interval>& pauses) const {
  absl::Duration left = work;
  absl::Time t = start;
  size_t p = 0;
  // Each pass counts one stretch of counted time, less the pauses inside it.
  for (int guard = 0; guard < 10000; ++guard) {
    Interval iv = Next(t);
    if (iv.from == absl::InfiniteFuture()) return absl::InfiniteFuture();
    absl::Time cur = iv.from;
    while (cur < iv.to) {
      while (p < pauses.size() && pauses[p].to <= cur) ++p;
      absl::Time piece_end = iv.to;
      if (p < pauses.size() && pauses[p].from <= cur) {  // inside a pause: skip to its end
        cur = std::min(pauses[p].to, iv.to);
        continue;
      }
      if (p < pauses.size()) piece_end = std::min(piece_end, pauses[p].from);
      if (piece_end - cur >= left) return cur + left;
      left -= piece_end - cur;
      cur = piece_end;
    }
    t = iv.to;
  }
  return absl::InfiniteFuture();
}

}  // namespace lobby::dispatch
