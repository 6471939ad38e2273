#include "services/accounts/credentials.h"

#include <gtest/gtest.h>

namespace lobby::accounts {
namespace {

TEST(PasswordTest, TheRulesSayWhatIsWrongWithoutRepeatingIt) {
  EXPECT_TRUE(CheckPassword("harbour view 12 tides", "mak").ok());
  EXPECT_TRUE(CheckPassword("維修要快而且一定要做好", "mak").ok()) << "eleven characters";
  absl::Status short_one = CheckPassword("abc123", "mak");
  EXPECT_EQ(short_one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_one.message().find("at least 10 characters"), absl::string_view::npos);
  EXPECT_EQ(short_one.message().find("abc123"), absl::string_view::npos);
  // Characters, not bytes: nine Chinese characters are 27 bytes and still too short.
  EXPECT_FALSE(CheckPassword("維修要快而且做好了", "mak").ok());
  EXPECT_NE(CheckPassword("Password123", "mak").message().find("guess"), absl::string_view::npos);
  EXPECT_NE(CheckPassword("QWERTYUIOP", "mak").message().find("guess"), absl::string_view::npos);
  EXPECT_FALSE(CheckPassword("zzzzzzzzzzzz", "mak").ok()) << "one character repeated";
  EXPECT_NE(CheckPassword("i-am-Mak-Wing-Sze", "mak").message().find("login"),
            absl::string_view::npos);
  EXPECT_FALSE(CheckPassword(std::string(300, 'x') + "y", "mak").ok());
  EXPECT_NE(CheckPassword("abcdefghi\xff\xfe", "mak").message().find("UTF-8"),
            absl::string_view::npos);
}

TEST(PasswordTest, HashesAreArgon2idSaltedAndVerify) {
  auto a = HashPassword("harbour view 12 tides");
  auto b = HashPassword("harbour view 12 tides");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$v=19$", 0), 0u) << *a;
  EXPECT_NE(*a, *b) << "a salt of its own each time";
  EXPECT_EQ(a->find("harbour"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*a, "harbour view 12 tides"));
  EXPECT_FALSE(VerifyPassword(*a, "harbour view 12 tide"));
  EXPECT_FALSE(VerifyPassword(*a, ""));
  EXPECT_FALSE(VerifyPassword("not a hash", "harbour view 12 tides"));
  EXPECT_FALSE(NeedsRehash(*a));
}

TEST(TotpTest, Base32RoundTripsAndRefusesOtherLetters) {
  EXPECT_EQ(Base32("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(*FromBase32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), "12345678901234567890");
  EXPECT_EQ(Base32("f"), "MY");  // RFC 4648's vectors, without padding
  EXPECT_EQ(Base32("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(*FromBase32("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(FromBase32("MZXW1").status().code(), absl::StatusCode::kInvalidArgument);
}

// RFC 6238, appendix B: the SHA-1 rows (secret "12345678901234567890", 8 digits).
TEST(TotpTest, TheRfcVectors) {
  const std::string secret = "12345678901234567890";
  struct Row {
    int64_t unix;
    const char* code;
  } rows[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
              {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const Row& r : rows)
    EXPECT_EQ(TotpCode(secret, absl::FromUnixSeconds(r.unix), 8), r.code) << r.unix;
}

TEST(TotpTest, ACodeMatchesItsStepAndTheNeighbours) {
  std::string secret = NewTotpSecret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_NE(secret, NewTotpSecret());
  absl::Time now = absl::FromUnixSeconds(1796595300);  // the start of a step
  std::string code = TotpCode(secret, now);
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(MatchTotp(secret, code, now), 1796595300 / 30);
  EXPECT_EQ(MatchTotp(secret, code, now + absl::Seconds(35)), 1796595300 / 30) << "drift";
  EXPECT_EQ(MatchTotp(secret, code, now - absl::Seconds(25)), 1796595300 / 30);
  EXPECT_EQ(MatchTotp(secret, code, now + absl::Seconds(65)), -1) << "two steps late";
  EXPECT_EQ(MatchTotp(secret, "12345", now), -1);
  EXPECT_EQ(TotpUri("12345678901234567890", "mak"),
            "otpauth://totp/Lobby:mak?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Lobby&"
            "algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace lobby::accounts
