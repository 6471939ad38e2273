// proto_util: how a time reads to a person (the estate's zone, days without padding, the offset
// shown) and what a dry run calls a change.
#include "services/common/proto_util.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "lobby/v1/dispatch.pb.h"

namespace lobby {
namespace {

TEST(TimeTextTest, DaysAndMomentsInTheEstatesZone) {
  absl::TimeZone hk;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Hong_Kong", &hk));
  // 18:03 UTC on 1 December is 02:03 on Wednesday 2 December in Hong Kong.
  absl::Time t = absl::FromCivil(absl::CivilMinute(2026, 12, 1, 18, 3), absl::UTCTimeZone());
  EXPECT_EQ(DayText(t, hk), "Wed 2 Dec") << "one space, no padding";
  EXPECT_EQ(MomentText(t, hk), "Wed 2 Dec 02:03 (+08:00)");
  EXPECT_EQ(DayText(t + absl::Hours(24 * 9), hk), "Fri 11 Dec");
  EXPECT_EQ(MomentText(t, absl::UTCTimeZone()), "Tue 1 Dec 18:03 (+00:00)");
}

// A dry run says exactly what changed: the same estate member read again (its skills map in
// another order) is no change; a changed field is named with its old and new value.
TEST(FieldChangesTest, MapsCompareAsMapsAndEachFieldIsNamed) {
  v1::Member a, b;
  a.set_id("lee");
  a.set_capacity(4);
  (*a.mutable_skills())["plumbing"] = 3;
  (*a.mutable_skills())["electrical"] = 1;
  (*b.mutable_skills())["electrical"] = 1;
  (*b.mutable_skills())["plumbing"] = 3;
  b.set_capacity(4);
  b.set_id("lee");
  EXPECT_TRUE(FieldChanges(a, b).empty());
  b.set_capacity(5);
  (*b.mutable_skills())["plumbing"] = 2;
  (*b.mutable_skills())["gas"] = 1;
  std::vector<std::string> changes = FieldChanges(a, b);
  EXPECT_EQ(changes.size(), 3u) << ::testing::PrintToString(changes);
  EXPECT_EQ(changes, (std::vector<std::string>{"skills[plumbing]: 3 -> 2", "added skills[gas]: 1",
                                               "capacity: 4 -> 5"}));
}

TEST(QuietHoursTest, OvernightQuietHoursEndTheNextMorningInTheEstatesZone) {
  absl::TimeZone hk = ZoneNamed("Asia/Hong_Kong");
  v1::QuietHours q;
  q.set_start("22:00");
  q.set_end("07:30");
  auto at = [&](int day, int h, int m) {
    return absl::FromCivil(absl::CivilMinute(2026, 12, day, h, m), hk);
  };
  EXPECT_FALSE(QuietUntil(q, at(3, 21, 59), hk).has_value());
  EXPECT_EQ(QuietUntil(q, at(3, 22, 0), hk), at(4, 7, 30));
  EXPECT_EQ(QuietUntil(q, at(4, 3, 0), hk), at(4, 7, 30));
  EXPECT_FALSE(QuietUntil(q, at(4, 7, 30), hk).has_value());
  q.set_start("13:00");  // a nap: within one day
  q.set_end("14:00");
  EXPECT_EQ(QuietUntil(q, at(4, 13, 15), hk), at(4, 14, 0));
  q.set_end("2pm");
  EXPECT_FALSE(QuietUntil(q, at(4, 13, 15), hk).has_value()) << "unreadable: never quiet";
  EXPECT_EQ(ZoneNamed("Nowhere/Else"), absl::UTCTimeZone());
  EXPECT_EQ(InLanguage("zh-Hans", "en", "hant", "hans"), "hans");
  EXPECT_EQ(InLanguage("fr", "en", "hant", "hans"), "en");
}

TEST(ChannelNameTest, NamesAndBack) {
  for (v1::Channel c :
       {v1::CHANNEL_SMS, v1::CHANNEL_WECHAT, v1::CHANNEL_TELEGRAM, v1::CHANNEL_LINE})
    EXPECT_EQ(ChannelFromName(ChannelName(c)), c);
  EXPECT_EQ(ChannelFromName("WhatsApp"), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(ChannelFromName(""), v1::CHANNEL_UNSPECIFIED);
  EXPECT_EQ(ChannelFromName("pigeon"), v1::CHANNEL_UNSPECIFIED);
}

}  // namespace
}  // namespace lobby
