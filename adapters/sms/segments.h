#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace lobby::sms {

/// How a text travels by SMS. GSM-7 when every character is in the GSM 03.38 alphabet (the
/// extension characters ^{}\[~]|€ take two septets): 160 septets in one message, 153 a part
/// when split. Otherwise UCS-2 (any Chinese text): 70 UTF-16 units alone, 67 a part; a
/// character outside the BMP (an emoji) takes two units.
struct SmsSize {
  bool ucs2 = false;
  int units = 0;     // septets (GSM-7) or UTF-16 code units (UCS-2)
  int segments = 0;  // 0 for an empty text
};

SmsSize Measure(absl::string_view utf8);

/// `utf8` unchanged when it fits in `max_segments`, else cut at a character (GSM-7: never
/// between an escape and its character; UCS-2: never inside a surrogate pair) with "..." at
/// the end so that it fits. Invalid UTF-8 bytes count as one UCS-2 unit each.
std::string Fit(absl::string_view utf8, int max_segments);

}  // namespace lobby::sms
