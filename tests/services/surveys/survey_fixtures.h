#pragma once

// What the surveys tests (the logic tier and the service tier) start from: the demo estate's
// survey settings and Hong Kong wall-clock times.
#include "absl/time/time.h"

namespace lobby::surveys {

inline const absl::TimeZone kHongKong = absl::FixedTimeZone(8 * 3600);
inline absl::Time HK(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kHongKong);
}

inline constexpr char kSettings[] = R"(
surveys:
  site: demo
  time_zone: Asia/Hong_Kong
  delay: 2h
  remind_after: 1d
  expire_after: 3d
  low_score: 2
  follow_up_within: 4h
  follow_up_escalate_to: mak-mgr
  units: {Tower 1: 400}
)";

}  // namespace lobby::surveys
