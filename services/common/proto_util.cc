#include "services/common/proto_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"

namespace lobby {

using google::protobuf::util::TimeUtil;

std::string ChannelName(v1::Channel channel) {
  std::string name = v1::Channel_Name(channel);
  if (name.rfind("CHANNEL_", 0) == 0) name = name.substr(8);
  return absl::AsciiStrToLower(name);
}

v1::Channel ChannelFromName(absl::string_view name) {
  v1::Channel c = v1::CHANNEL_UNSPECIFIED;
  if (name.empty() || !v1::Channel_Parse("CHANNEL_" + absl::AsciiStrToUpper(name), &c))
    return v1::CHANNEL_UNSPECIFIED;
  return c;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

std::vector<std::string> FieldChanges(const google::protobuf::Message& before,
                                      const google::protobuf::Message& after) {
  using google::protobuf::util::MessageDifferencer;
  std::string text;
  {
    google::protobuf::io::StringOutputStream out(&text);
    MessageDifferencer::StreamReporter reporter(&out);
    reporter.SetMessages(before, after);  // so that map keys are named
    MessageDifferencer d;
    d.ReportDifferencesTo(&reporter);
    d.Compare(before, after);
  }
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // "modified: capacity: 4 -> 5", "added: skills[...]: ...", "deleted: ...".
    if (absl::ConsumePrefix(&line, "modified: "))
      lines.emplace_back(line);
    else if (absl::ConsumePrefix(&line, "added: "))
      lines.push_back(absl::StrCat("added ", line));
    else if (absl::ConsumePrefix(&line, "deleted: "))
      lines.push_back(absl::StrCat("removed ", line));
    else
      lines.emplace_back(line);
  }
  return lines;
}

std::string DayText(absl::Time t, absl::TimeZone zone) {
  absl::CivilDay d = absl::ToCivilDay(t, zone);
  return absl::StrCat(absl::FormatTime("%a", t, zone), " ", d.day(), " ",
                      absl::FormatTime("%b", t, zone));
}

std::string MomentText(absl::Time t, absl::TimeZone zone) {
  return absl::StrCat(DayText(t, zone), absl::FormatTime(" %H:%M (%Ez)", t, zone));
}

absl::TimeZone ZoneNamed(absl::string_view name) {
  absl::TimeZone tz;
  if (name.empty() || !absl::LoadTimeZone(std::string(name), &tz)) return absl::UTCTimeZone();
  return tz;
}

std::optional<absl::Time> QuietUntil(const v1::QuietHours& q, absl::Time t, absl::TimeZone zone) {
  auto minutes = [](const std::string& hhmm, int* out) {
    int h, m;
    if (hhmm.size() != 5 || !absl::SimpleAtoi(hhmm.substr(0, 2), &h) ||
        !absl::SimpleAtoi(hhmm.substr(3), &m))
      return false;
    *out = h * 60 + m;
    return true;
  };
  int a, b;
  if (!minutes(q.start(), &a) || !minutes(q.end(), &b) || a == b) return std::nullopt;
  absl::CivilMinute local = absl::ToCivilMinute(t, zone);
  int m = local.hour() * 60 + local.minute();
  bool quiet = a < b ? (m >= a && m < b) : (m >= a || m < b);
  if (!quiet) return std::nullopt;
  absl::CivilDay today(local);
  absl::CivilDay end_day = (a > b && m >= a) ? today + 1 : today;
  return absl::FromCivil(absl::CivilMinute(end_day) + b, zone);
}

std::string InLanguage(absl::string_view language, const char* en, const char* hant,
                       const char* hans) {
  if (language == "zh-Hant") return hant;
  if (language == "zh-Hans") return hans;
  return en;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  // Seconds and nanos apart: nanoseconds since 1970 overflow int64 after the year 2262.
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

bool IsValidTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 && t.nanos() < 1000000000;
}

absl::Status ValidateSiteId(absl::string_view site) {
  if (site.empty())
    return absl::InvalidArgumentError("site id is required: 1 to 32 of a-z, 0-9, '-', '_'");
  bool ok = site.size() <= 32;
  for (char c : site)
    ok &= absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_';
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("site id '", site, "' must be 1 to 32 characters of a-z, 0-9, '-' or '_'"));
  }
  return absl::OkStatus();
}

}  // namespace lobby
