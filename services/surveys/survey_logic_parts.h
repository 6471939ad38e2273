#pragma once
// What the parts of SurveyLogic (survey_logic.cc and survey_*.cc) share; not for other callers.

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/proto_util.h"
#include "services/surveys/survey_logic.h"

namespace lobby::surveys::detail {

constexpr int64_t kMinute = 60 * 1000;

inline int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

inline Dims DimsOf(const queue::Entry& e) {
  return Dims{std::string(e.Get("building")), std::string(e.Get("team")),
              std::string(e.Get("assignee")), std::string(e.Get("category")),
              std::string(e.Get("channel"))};
}

inline Dims DimsOf(const v1::Survey& s) {
  return Dims{s.building(), s.team(), s.member(), s.category(), ChannelName(s.channel())};
}

inline absl::TimeZone ZoneOf(const v1::SurveySettings& s) { return ZoneNamed(s.time_zone()); }
/// When the monthly report is next sent after `now`: the 1st of a month at 09:00 in `tz`.
inline absl::Time NextMonthlyReport(absl::Time now, const absl::TimeZone& tz) {
  auto nine = [&tz](absl::CivilMonth m) {
    return absl::FromCivil(absl::CivilHour(m.year(), m.month(), 1, 9), tz);
  };
  absl::CivilMonth month(absl::ToCivilSecond(now, tz));
  return now < nine(month) ? nine(month) : nine(month + 1);
}
/// The member of the due index that sends the monthly report.
inline constexpr char kMonthlyReport[] = "monthly:report";

inline std::string Pick(absl::string_view language, const char* en, const char* hant,
                        const char* hans) {
  return InLanguage(language, en, hant, hans);
}

inline bool Staff(auth::Role r) {
  return r != auth::Role::kAdapter && r != auth::Role::kManager && r != auth::Role::kAdmin;
}

inline v1::Channel Outbound(v1::Channel c) {
  return c == v1::CHANNEL_PHONE || c == v1::CHANNEL_COUNTER || c == v1::CHANNEL_UNSPECIFIED
             ? v1::CHANNEL_SMS
             : c;
}

}  // namespace lobby::surveys::detail
