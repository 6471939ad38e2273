#include "services/accounts/credentials.h"

#include <openssl/hmac.h>
#include <sodium.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lobby::accounts {

namespace {

// The passwords tried first by anyone guessing, at least kMinPasswordChars long (shorter ones
// fail the length rule already), lower case.
constexpr absl::string_view kCommon[] = {
    "0000000000",    "0123456789",  "1111111111",   "1234512345",    "1234567890",  "12345678910",
    "123456789a",    "123456789q",  "1234qwer1234", "147258369147",  "1q2w3e4r5t",  "1q2w3e4r5t6y",
    "1qaz2wsx3edc",  "5201314520",  "9876543210",   "a123456789",    "aa12345678",  "abc1234567",
    "abcd123456",    "abcdefghij",  "admin12345",   "administrator", "asdfghjkl1",  "asdfghjkl;",
    "changeme123",   "football123", "iloveyou12",   "iloveyou123",   "letmein123",  "lobby12345",
    "lobbylobby",    "passw0rd123", "password1!",   "password12",    "password123", "password1234",
    "princess123",   "q123456789",  "qazwsxedc123", "qwer123456",    "qwerty1234",  "qwerty12345",
    "qwertyuiop",    "qwertyuiop1", "sunshine123",  "welcome123",    "welcome1234", "woaini1314",
    "woaini5201314", "zxcvbnm123",  "zxcvbnm1234",  "88888888888",   "66666666666", "helloworld",
    "trustno1234",
};

// Code points in `s`, or -1 when it is not valid UTF-8.
int64_t CodePoints(absl::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return -1;
    i += len;
  }
  return n;
}

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no randomness: nothing safe can be done
  });
}

}  // namespace

absl::Status CheckPassword(absl::string_view password, absl::string_view login) {
  if (password.size() > kMaxPasswordBytes)
    return absl::InvalidArgumentError(
        absl::StrCat("a password may have at most ", kMaxPasswordBytes, " bytes"));
  int64_t chars = CodePoints(password);
  if (chars < 0) return absl::InvalidArgumentError("a password must be valid UTF-8 text");
  if (chars < static_cast<int64_t>(kMinPasswordChars))
    return absl::InvalidArgumentError(
        absl::StrCat("a password needs at least ", kMinPasswordChars, " characters"));
  std::string lower = absl::AsciiStrToLower(password);
  if (std::find(std::begin(kCommon), std::end(kCommon), lower) != std::end(kCommon) ||
      std::all_of(lower.begin(), lower.end(), [&](char c) { return c == lower[0]; }))
    return absl::InvalidArgumentError(
        "that password is among the first anyone would guess; choose another");
  if (!login.empty() && lower.find(absl::AsciiStrToLower(login)) != std::string::npos)
    return absl::InvalidArgumentError("a password must not contain the login name");
  return absl::OkStatus();
}

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return absl::InternalError("hashing the password ran out of memory");
  return std::string(out);
}

bool VerifyPassword(absl::string_view hash, absl::string_view password) {
  InitSodium();
  std::string h(hash);  // NUL-terminated
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(absl::string_view hash) {
  InitSodium();
  std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string Base32(absl::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

absl::StatusOr<std::string> FromBase32(absl::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char raw : text) {
    if (raw == ' ' || raw == '=' || raw == '-') continue;
    char c = absl::ascii_toupper(static_cast<unsigned char>(raw));
    const char* at = std::find(kAlphabet, kAlphabet + 32, c);
    if (at == kAlphabet + 32)
      return absl::InvalidArgumentError("a secret is base32: letters A-Z and digits 2-7");
    buffer = (buffer << 5) | static_cast<uint32_t>(at - kAlphabet);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string NewTotpSecret() {
  InitSodium();
  std::string secret(20, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

namespace {
std::string CodeAt(absl::string_view secret, int64_t step, int digits) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter, sizeof counter, mac,
       &len);
  int offset = mac[len - 1] & 0x0f;  // RFC 4226's dynamic truncation
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                 (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                 (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(digits - code.size(), '0') + code;
}
int64_t StepOf(absl::Time t) { return absl::ToUnixSeconds(t) / 30; }
}  // namespace

std::string TotpCode(absl::string_view secret, absl::Time t, int digits) {
  return CodeAt(secret, StepOf(t), digits);
}

int64_t MatchTotp(absl::string_view secret, absl::string_view code, absl::Time now) {
  if (code.size() != 6) return -1;
  int64_t step = StepOf(now);
  for (int64_t s : {step, step - 1, step + 1}) {
    std::string want = CodeAt(secret, s, 6);
    if (sodium_memcmp(want.data(), code.data(), 6) == 0) return s;
  }
  return -1;
}

std::string TotpUri(absl::string_view secret, absl::string_view login, absl::string_view issuer) {
  return absl::StrCat("otpauth://totp/", issuer, ":", login, "?secret=", Base32(secret),
                      "&issuer=", issuer, "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace lobby::accounts
