#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lobby::residents {

/// Parses a phone number as a resident or agent would type it ("9123 4567", "+852 9123-4567",
/// "(852) 91234567", "138 0013 8000") and returns it in E.164 ("+85291234567"). A number without
/// a country code is read in `default_region` (ISO 3166 code: "HK", "CN", "TW", ...).
/// INVALID_ARGUMENT when it is not a valid number.
absl::StatusOr<std::string> NormalizePhone(absl::string_view raw, absl::string_view default_region);

/// True when libphonenumber knows `region` ("HK", "CN", ...).
bool IsSupportedRegion(absl::string_view region);

}  // namespace lobby::residents
