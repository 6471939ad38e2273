// The demo clock: where it starts, and that it only goes forward, then back to the system's.
#include "services/common/demo_clock.h"

#include <gtest/gtest.h>

namespace lobby {
namespace {

TEST(DemoClockTest, StartsWhereTheFlagSays) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(*ParseDemoClockStart("", now), std::nullopt) << "no flag: the system's clock";
  EXPECT_EQ(**ParseDemoClockStart("now", now), now);
  EXPECT_EQ(**ParseDemoClockStart("-91d", now), now - absl::Hours(24 * 91));
  EXPECT_EQ(**ParseDemoClockStart("2026-09-01T00:00:00+08:00", now),
            absl::FromUnixSeconds(1788192000));
  for (const char* bad : {"yesterday", "-91", "91d", "-d", "-x1d", "2026-09-01"}) {
    auto r = ParseDemoClockStart(bad, now);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("-90d"), std::string::npos) << r.status();
  }
}

TEST(DemoClockTest, GoesOnlyForwardThenBackToTheSystemsForGood) {
  SettableClock clock(-absl::Hours(48));
  EXPECT_LT(clock.Now(), absl::Now() - absl::Hours(47));
  absl::Time later = clock.Now() + absl::Hours(5);
  ASSERT_TRUE(clock.Set(later).ok());
  EXPECT_GE(clock.Now(), later);
  EXPECT_LT(clock.Now(), later + absl::Minutes(1)) << "then runs on with the system's";
  absl::Status back = clock.Set(later - absl::Hours(1));
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_GE(clock.Now(), later) << "a refused move moves nothing";

  ASSERT_TRUE(clock.Set(absl::Now() + absl::Hours(1)).ok());
  EXPECT_EQ(clock.Release().code(), absl::StatusCode::kFailedPrecondition)
      << "ahead of the system's: handing back would turn time back";
  EXPECT_FALSE(clock.released());

  SettableClock behind(-absl::Hours(3));
  ASSERT_TRUE(behind.Release().ok());
  EXPECT_TRUE(behind.released());
  EXPECT_LT(absl::AbsDuration(behind.Now() - absl::Now()), absl::Seconds(1));
  EXPECT_EQ(behind.Set(absl::Now() + absl::Hours(1)).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lobby
