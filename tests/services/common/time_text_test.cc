// How a time reads to a person: the estate's zone, days without padding, the offset shown.
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "services/common/proto_util.h"

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

}  // namespace
}  // namespace lobby
