// The SMS adapter's pure parts: provider signatures as the providers publish them, routes,
// segments and the texting rules.
#include "adapters/sms/sms.h"

#include <gtest/gtest.h>

#include "adapters/sms/providers.h"
#include "adapters/sms/segments.h"
#include "adapters/sms/texting.h"

namespace lobby::sms {
namespace {

TEST(TwilioSignature, MatchesTwilioPublishedExamples) {
  // Twilio's webhook-security guide: auth token 12345, this URL and these POST parameters.
  const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  Params params = {{"Digits", "1234"},
                   {"To", "+18005551212"},
                   {"From", "+14158675310"},
                   {"Caller", "+14158675310"},
                   {"CallSid", "CA1234567890ABCDE"}};
  EXPECT_EQ(TwilioSignature("12345", url, params), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
  // The guide's older edition, with other numbers: the order they come in does not matter.
  Params older = {{"CallSid", "CA1234567890ABCDE"},
                  {"Caller", "+12349013030"},
                  {"Digits", "1234"},
                  {"From", "+12349013030"},
                  {"To", "+18005551212"}};
  EXPECT_EQ(TwilioSignature("12345", url, older), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  // Any change to the URL, a parameter or the token changes it.
  EXPECT_NE(TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", params),
            "GvWf1cFY/Q7PnoempGyD5oXAezc=");
  params[0].second = "1235";
  EXPECT_NE(TwilioSignature("12345", url, params), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
}

TEST(TwilioSignature, FormsDecodeAsTwilioSendsThem) {
  auto p = ParseForm("Body=Hello+there%21+%E6%BC%8F%E6%B0%B4&From=%2B85291234567&NumMedia=0");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].second, "Hello there! 漏水");
  EXPECT_EQ((*p)[1].second, "+85291234567");
  EXPECT_FALSE(ParseForm("Body=%ZZ").ok());
  EXPECT_FALSE(ParseForm("Body=%4").ok());
}

TEST(AliyunSignature, MatchesAlibabaCloudPublishedExample) {
  // The SendSms signing example of Alibaba Cloud's SMS documentation (AccessKey testId/testSecret).
  Params p = {{"AccessKeyId", "testId"},
              {"Action", "SendSms"},
              {"Format", "XML"},
              {"OutId", "123"},
              {"PhoneNumbers", "15300000001"},
              {"RegionId", "cn-hangzhou"},
              {"SignName", "阿里云短信测试专用"},
              {"SignatureMethod", "HMAC-SHA1"},
              {"SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"},
              {"SignatureVersion", "1.0"},
              {"TemplateCode", "SMS_71390007"},
              {"TemplateParam", R"({"customer":"test"})"},
              {"Timestamp", "2017-07-12T02:42:19Z"},
              {"Version", "2017-05-25"}};
  EXPECT_EQ(AliyunSignature("testSecret", "GET", p), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
  EXPECT_EQ(PercentEncode("a b*~/"), "a%20b%2A~%2F");
}

TEST(AliyunSignature, SendSmsQueryCarriesTheTemplateAndSignature) {
  AliyunConfig cfg;
  cfg.access_key_id = "testId";
  cfg.access_key_secret = "testSecret";
  cfg.sign_name = "物业";
  cfg.templates = {{"verification_code", "SMS_1001"}, {"*", "SMS_2002"}};
  Message m{"+8613800138000", "您的验证码是 123456", "verification_code", "123456", "",
            "verify:abc"};
  auto q = AliyunSendSmsQuery(cfg, m, absl::FromUnixSeconds(1800000000), "nonce-1");
  ASSERT_TRUE(q.ok());
  auto params = ParseForm(*q);
  ASSERT_TRUE(params.ok());
  std::map<std::string, std::string> got(params->begin(), params->end());
  EXPECT_EQ(got["PhoneNumbers"], "13800138000");
  EXPECT_EQ(got["TemplateCode"], "SMS_1001");
  EXPECT_EQ(got["Timestamp"], "2027-01-15T08:00:00Z");
  EXPECT_NE(got["TemplateParam"].find("\"code\":\"123456\""), std::string::npos);
  // The signature is over every other parameter.
  std::string sig = got["Signature"];
  Params rest;
  for (const auto& kv : *params) {
    if (kv.first != "Signature") rest.push_back(kv);
  }
  EXPECT_EQ(sig, AliyunSignature("testSecret", "GET", rest));
  m.kind = "survey";
  got.clear();
  auto survey = ParseForm(*AliyunSendSmsQuery(cfg, m, absl::FromUnixSeconds(1800000000), "n"));
  for (const auto& kv : *survey) got[kv.first] = kv.second;
  EXPECT_EQ(got["TemplateCode"], "SMS_2002");
  m.to = "+85291234567";
  EXPECT_TRUE(absl::IsFailedPrecondition(AliyunSendSmsQuery(cfg, m, absl::Now(), "n").status()));
}

TEST(SmsRoutes, PrefixesInOrderAndClearErrors) {
  auto r = ParseRoutes(" +86 = aliyun , *=twilio");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], std::make_pair(std::string("+86"), std::string("aliyun")));
  EXPECT_EQ((*r)[1].first, "*");
  EXPECT_NE(ParseRoutes("+86=nexmo").status().message().find("twilio or aliyun"),
            absl::string_view::npos);
  EXPECT_NE(ParseRoutes("86=aliyun").status().message().find("+<digits>"), absl::string_view::npos);
  EXPECT_NE(ParseRoutes("+86").status().message().find("not name=value"), absl::string_view::npos);
  EXPECT_FALSE(ParseRoutes("").ok());
}

TEST(Segments, Gsm7AndUcs2AsCarriersCountThem) {
  EXPECT_EQ(Measure("").segments, 0);
  SmsSize a = Measure(std::string(160, 'a'));
  EXPECT_FALSE(a.ucs2);
  EXPECT_EQ(a.segments, 1);
  EXPECT_EQ(Measure(std::string(161, 'a')).segments, 2);
  EXPECT_EQ(Measure(std::string(306, 'a')).segments, 2);
  EXPECT_EQ(Measure(std::string(307, 'a')).segments, 3);
  // Extension characters take two septets; £ and é are in the basic alphabet.
  SmsSize ext = Measure(std::string(79, 'a') + "{€");
  EXPECT_FALSE(ext.ucs2);
  EXPECT_EQ(ext.units, 83);
  EXPECT_FALSE(Measure("£5 café").ucs2);
  // One Chinese character makes it UCS-2: 70 alone, 67 a part.
  std::string zh;
  for (int i = 0; i < 70; ++i) zh += "水";
  EXPECT_TRUE(Measure(zh).ucs2);
  EXPECT_EQ(Measure(zh).segments, 1);
  EXPECT_EQ(Measure(zh + "水").segments, 2);
  // An emoji is two UTF-16 units.
  EXPECT_EQ(Measure("🙂").units, 2);
}

TEST(Segments, FitCutsAtACharacterWithinTheLimit) {
  std::string zh;
  for (int i = 0; i < 300; ++i) zh += "漏";
  std::string fitted = Fit(zh, 2);
  EXPECT_LE(Measure(fitted).segments, 2);
  EXPECT_EQ(fitted.substr(fitted.size() - 3), "...");
  EXPECT_EQ(Measure(fitted).units, 2 * 67);
  std::string en(500, 'x');
  EXPECT_EQ(Measure(Fit(en, 1)).units, 160);
  EXPECT_EQ(Fit("short", 1), "short");
  // Never half an escape: 159 letters then '€' (2 septets) must drop the €.
  std::string edge = std::string(158, 'a') + "€€";
  EXPECT_LE(Measure(Fit(edge, 1)).units, 160);
}

TEST(Texting, KeywordsInBothLanguages) {
  std::string rest;
  EXPECT_EQ(ParseKeyword("STOP"), Keyword::kStop);
  EXPECT_EQ(ParseKeyword(" stop "), Keyword::kStop);
  EXPECT_EQ(ParseKeyword("退訂"), Keyword::kStop);
  EXPECT_EQ(ParseKeyword("退订"), Keyword::kStop);
  EXPECT_EQ(ParseKeyword("Unsubscribe"), Keyword::kStop);
  EXPECT_EQ(ParseKeyword("please stop the noise upstairs"),
            Keyword::kNone);  // words, not the keyword
  EXPECT_EQ(ParseKeyword("START"), Keyword::kStart);
  EXPECT_EQ(ParseKeyword("訂閱"), Keyword::kStart);
  EXPECT_EQ(ParseKeyword("help"), Keyword::kHelp);
  EXPECT_EQ(ParseKeyword("幫助"), Keyword::kHelp);
  EXPECT_EQ(ParseKeyword("客服"), Keyword::kAgent);
  EXPECT_EQ(ParseKeyword("FIX it is the kitchen tap", &rest), Keyword::kFix);
  EXPECT_EQ(rest, "it is the kitchen tap");
  EXPECT_EQ(ParseKeyword("更正：是廚房", &rest), Keyword::kFix);
  EXPECT_EQ(rest, "是廚房");
  EXPECT_EQ(ParseKeyword("fixed already, thanks"), Keyword::kNone);
  EXPECT_EQ(ParseKeyword("登記 A 12 C 91234567", &rest), Keyword::kJoin);
  EXPECT_EQ(rest, "A 12 C 91234567");
}

TEST(Texting, FlatsAsResidentsWriteThem) {
  v1::Unit u;
  std::string phone;
  ASSERT_TRUE(ParseFlat("A 12 C 91234567", &u, &phone));
  EXPECT_EQ(u.building(), "A");
  EXPECT_EQ(u.floor(), "12");
  EXPECT_EQ(u.room(), "C");
  EXPECT_EQ(phone, "91234567");
  ASSERT_TRUE(ParseFlat("A座12樓C室 9123 4567", &u, &phone));
  EXPECT_EQ(u.room(), "C");
  EXPECT_EQ(phone, "91234567");
  ASSERT_TRUE(ParseFlat("T2 / 8 / C, +85261234567", &u, &phone));
  EXPECT_EQ(u.building(), "T2");
  EXPECT_EQ(phone, "+85261234567");
  EXPECT_FALSE(ParseFlat("A 12 C", &u, &phone));  // no phone
  ASSERT_TRUE(ParseFlat("Tower 2 8 C 91234567", &u, &phone));
  EXPECT_EQ(u.building(), "Tower 2");
  EXPECT_EQ(u.room(), "C");
  EXPECT_FALSE(ParseFlat("12 C 91234567", &u, &phone));  // no building
}

}  // namespace
}  // namespace lobby::sms
