#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace lobby::adapters {

/// Compares in time that depends only on the lengths: for secrets and signatures.
bool ConstantTimeEqual(absl::string_view a, absl::string_view b);
/// Raw HMAC-SHA256 of `data` with `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);
std::string Sha1(absl::string_view data);
std::string Hex(absl::string_view bytes);
std::string Base64(absl::string_view bytes);

}  // namespace lobby::adapters
