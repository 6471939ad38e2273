// The primitives webhook signatures are built from, against published test vectors.
#include "adapters/common/crypto.h"

#include <gtest/gtest.h>

namespace lobby::adapters {
namespace {

TEST(CryptoTest, KnownVectors) {
  // RFC 4231, test case 2.
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // FIPS 180 "abc".
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 4648.
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64(""), "");
  EXPECT_TRUE(ConstantTimeEqual("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secret2"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

}  // namespace
}  // namespace lobby::adapters

#include "adapters/chatbot/conversation.h"

namespace lobby::chatbot {
namespace {

TEST(ChatTextTest, Utf8PrefixCountsCharactersAndNeverSplitsOne) {
  EXPECT_EQ(Utf8Prefix("浴室水龍頭漏水", 3), "浴室水");
  EXPECT_EQ(Utf8Prefix("abc", 5), "abc");
  EXPECT_EQ(Utf8Prefix("a浴b", 2), "a浴");
  EXPECT_EQ(Utf8Prefix("", 2), "");
}

TEST(ChatTextTest, TicketNumbersAnywhere) {
  EXPECT_EQ(FindTicketNumber("請問 r-10001 點樣？"), "R-10001");
  EXPECT_EQ(FindTicketNumber("C-10007"), "C-10007");
  EXPECT_EQ(FindTicketNumber("my flat is 12R-100"), "");
  EXPECT_EQ(FindTicketNumber("XR-10001"), "");
  EXPECT_EQ(FindTicketNumber("R-10001234567"), "");
  EXPECT_EQ(EncodeButtons({{"是", "yes"}, {"否", "no"}}), "是\x1fyes\x1e否\x1fno");
  EXPECT_EQ(DecodeButtons(EncodeButtons({{"是", "yes"}, {"否", "no"}})).size(), 2u);
}

}  // namespace
}  // namespace lobby::chatbot
