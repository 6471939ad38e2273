#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lobby::adapters {

/// Compares in time that depends only on the lengths: for secrets and signatures.
bool ConstantTimeEqual(absl::string_view a, absl::string_view b);
/// Raw HMAC-SHA256 of `data` with `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);
/// Raw HMAC-SHA1 of `data` with `key` (Twilio and Aliyun signatures).
std::string HmacSha1(absl::string_view key, absl::string_view data);
std::string Sha1(absl::string_view data);
std::string Hex(absl::string_view bytes);
std::string Base64(absl::string_view bytes);

/// A link's signature: whoever holds a photo link from a ticket may fetch that photo, and nobody
/// can make up links to other media ids (which are often sequential).
std::string LinkSignature(absl::string_view key, absl::string_view media_id);
/// Checks `signature` (the "s" query parameter) in constant time.
bool LinkSigned(absl::string_view key, absl::string_view media_id, absl::string_view signature);

/// The signature of Lobby's generic webhooks (SMS gateways, cloud call centres):
/// X-Lobby-Timestamp is the Unix time in seconds, within 5 minutes of `now`, and
/// X-Lobby-Signature is "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
/// UNAUTHENTICATED saying which part is wrong.
absl::Status CheckTimestampedSignature(absl::string_view secret, absl::string_view timestamp,
                                       absl::string_view signature, absl::string_view body,
                                       absl::Time now);
std::string TimestampedSignature(absl::string_view secret, absl::string_view timestamp,
                                 absl::string_view body);

}  // namespace lobby::adapters
