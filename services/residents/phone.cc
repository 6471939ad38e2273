#include "services/residents/phone.h"

#include <phonenumbers/phonenumberutil.h>

#include "absl/strings/str_cat.h"

namespace lobby::residents {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

absl::StatusOr<std::string> NormalizePhone(absl::string_view raw,
                                           absl::string_view default_region) {
  if (raw.empty()) return absl::InvalidArgumentError("phone number is empty");
  if (raw.size() > 40) return absl::InvalidArgumentError("phone number is too long");
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(std::string(raw), std::string(default_region), &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat("'", raw, "' is not a phone number"));
  }
  if (!util->IsValidNumber(number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", raw, "' is not a valid phone number (read in region ", default_region,
                     " when it has no +country code)"));
  }
  std::string out;
  util->Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

bool IsSupportedRegion(absl::string_view region) {
  std::set<std::string> regions;
  PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
  return regions.count(std::string(region)) > 0;
}

}  // namespace lobby::residents
