#include "adapters/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lobby::adapters {

bool ConstantTimeEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
std::string Hmac(const EVP_MD* md, absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  return Hmac(EVP_sha256(), key, data);
}

std::string HmacSha1(absl::string_view key, absl::string_view data) {
  return Hmac(EVP_sha1(), key, data);
}

std::string Sha1(absl::string_view data) {
  unsigned char out[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

std::string Hex(absl::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Base64(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

std::string LinkSignature(absl::string_view key, absl::string_view media_id) {
  return Hex(HmacSha256(key, media_id)).substr(0, 32);
}

bool LinkSigned(absl::string_view key, absl::string_view media_id, absl::string_view signature) {
  return !key.empty() && ConstantTimeEqual(signature, LinkSignature(key, media_id));
}

std::string TimestampedSignature(absl::string_view secret, absl::string_view timestamp,
                                 absl::string_view body) {
  return "sha256=" + Hex(HmacSha256(secret, absl::StrCat(timestamp, ".", body)));
}

absl::Status CheckTimestampedSignature(absl::string_view secret, absl::string_view timestamp,
                                       absl::string_view signature, absl::string_view body,
                                       absl::Time now) {
  int64_t ts = 0;
  if (!absl::SimpleAtoi(timestamp, &ts) ||
      absl::AbsDuration(now - absl::FromUnixSeconds(ts)) > absl::Minutes(5)) {
    return absl::UnauthenticatedError("X-Lobby-Timestamp missing or more than 5 minutes off");
  }
  if (secret.empty() ||
      !ConstantTimeEqual(signature, TimestampedSignature(secret, timestamp, body))) {
    return absl::UnauthenticatedError("bad X-Lobby-Signature");
  }
  return absl::OkStatus();
}

}  // namespace lobby::adapters
