// The hotline adapter's AMI framing.
#include "adapters/hotline/ami.h"

#include <gtest/gtest.h>

namespace lobby::hotline {
namespace {

TEST(AmiReader, SplitsTheBannerAndMessagesFedInPieces) {
  AmiReader r;
  AmiMessage m;
  r.Feed("Asterisk Call Manager/7.0.3\r\nResponse: Success\r\nActionID: lobby-login\r\nMess");
  EXPECT_FALSE(r.Next(&m));
  EXPECT_EQ(r.banner(), "Asterisk Call Manager/7.0.3");
  r.Feed(
      "age: Authentication accepted\r\n\r\nEvent: Newchannel\r\nChannel: PJSIP/trunk-00000001\r\n");
  ASSERT_TRUE(r.Next(&m));
  EXPECT_EQ(m.Get("response"), "Success");
  EXPECT_EQ(m.Get("Message"), "Authentication accepted");
  EXPECT_FALSE(r.Next(&m));
  r.Feed("CallerIDNum: 91234567\r\nExten: 8000\r\nDescription: a: b\r\n\r\n");
  ASSERT_TRUE(r.Next(&m));
  EXPECT_EQ(m.Get("Event"), "Newchannel");
  EXPECT_EQ(m.Get("Exten"), "8000");
  EXPECT_EQ(m.Get("Description"), "a: b");  // only the first colon separates
  EXPECT_EQ(m.Get("Missing"), "");
  // Bare LF line ends, as some proxies forward them.
  r.Feed("Event: Hangup\nLinkedid: 1.1\n\n");
  ASSERT_TRUE(r.Next(&m));
  EXPECT_EQ(m.Get("Linkedid"), "1.1");
  EXPECT_EQ(AmiAction({{"Action", "Ping"}}), "Action: Ping\r\n\r\n");
}

}  // namespace
}  // namespace lobby::hotline
