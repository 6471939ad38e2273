#pragma once

// What people sign in with: passwords (Argon2id, a length rule and a list of the commonest
// ones) and the optional second factor, time-based one-time codes (TOTP, RFC 6238). The
// accounts service keeps only what these functions make: a password's Argon2id string, a
// second factor's secret.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lobby::accounts {

/// The fewest characters (Unicode code points, so a Chinese passphrase counts as it reads) a
/// password may have, and the most bytes.
inline constexpr size_t kMinPasswordChars = 10;
inline constexpr size_t kMaxPasswordBytes = 256;

/// OK when `password` may be set for `login`: long enough, not too long, valid UTF-8, not one of
/// the commonest passwords (compared without case), and not the login name itself.
/// INVALID_ARGUMENT saying which, never repeating the password.
absl::Status CheckPassword(absl::string_view password, absl::string_view login);

/// `password` hashed with Argon2id and a random salt, as the self-describing "$argon2id$v=19$..."
/// string (libsodium's interactive limits: 64 MiB, 2 passes). INTERNAL when out of memory.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
/// Whether `password` is the one `hash` was made from (constant time in the password).
bool VerifyPassword(absl::string_view hash, absl::string_view password);
/// Whether `hash` was made with weaker limits than HashPassword's now: rehash at the next login.
bool NeedsRehash(absl::string_view hash);

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
std::string Base32(absl::string_view bytes);
/// The bytes of a base32 text (case, spaces and padding ignored); INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> FromBase32(absl::string_view text);

/// A new second-factor secret: 20 random bytes (160 bits, as RFC 4226 recommends).
std::string NewTotpSecret();
/// The TOTP code of `secret` at `t`: HMAC-SHA1 over 30-second steps since the epoch, `digits`
/// long (6 in apps; RFC 6238's test vectors use 8).
std::string TotpCode(absl::string_view secret, absl::Time t, int digits = 6);
/// Whether `code` is `secret`'s code at `now`, or one step before or after it (clock drift).
/// Returns the step it matched (to refuse the same code twice), or -1.
int64_t MatchTotp(absl::string_view secret, absl::string_view code, absl::Time now);
/// otpauth://totp/Lobby:LOGIN?secret=...&issuer=Lobby: what a QR code for an app holds.
std::string TotpUri(absl::string_view secret, absl::string_view login,
                    absl::string_view issuer = "Lobby");

}  // namespace lobby::accounts
