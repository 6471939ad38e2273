// The SMS adapter through lobbyd against a local fake of Twilio's Messages API: a resident
// texts a repair, asks its status, opts out and back in; retries and forged webhooks.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "adapters/common/crypto.h"
#include "adapters/sms/providers.h"
#include "adapters/sms/sms.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::sms {
namespace {

using json = nlohmann::json;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kSid[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kAuth[] = "twilio-auth-token-0123456789";
constexpr char kFrom[] = "+85230001234";
constexpr char kPublic[] = "https://lobby.example.com";
constexpr char kPhone[] = "+85291234567";

/// Twilio's Messages API: Basic auth, form bodies, 201 with the message SID.
class FakeTwilio : public lobby::testing::FakeProvider {
 public:
  FakeTwilio() {
    server_.Post(R"(/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\.json)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   if (req.get_header_value("Authorization") !=
                       "Basic " + adapters::Base64(std::string(kSid) + ":" + kAuth)) {
                     res.status = 401;
                     res.set_content(R"({"code":20003,"message":"Authenticate","status":401})",
                                     "application/json");
                     return;
                   }
                   auto form = ParseForm(req.body);
                   std::map<std::string, std::string> m(form->begin(), form->end());
                   sent_.push_back(m);
                   res.status = 201;
                   res.set_content(
                       absl::StrCat(R"({"sid":"SM)", sent_.size(), R"(","status":"queued"})"),
                       "application/json");
                 });
    Start();
  }
  ~FakeTwilio() { Stop(); }
  std::vector<std::map<std::string, std::string>> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::vector<std::map<std::string, std::string>> sent_;
};

class SmsTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{"--sms-twilio-account-sid", kSid, "--sms-twilio-auth-token", kAuth,
                                 "--sms-twilio-from", kFrom, "--sms-twilio-api", twilio_.url(),
                                 "--public-url", kPublic, "--sms-webhook-secret",
                                 "gateway-secret-0123456789"});
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    // On file by phone only: no chat identity needed for SMS.
    resident_ = lobby::testing::CreateResident(harness_->channel,
                                               {"Mary Chan", kPhone, "Tower 2", "8", "C", "en"});
    ASSERT_FALSE(resident_.empty());
  }
  void TearDown() override { harness_.reset(); }

  /// An inbound SMS as Twilio posts it, signed as Twilio signs it.
  httplib::Result Text(const std::string& body, const std::string& sid,
                       const std::string& from = kPhone, bool forge = false) {
    Params p = {{"ToCountry", "HK"},
                {"SmsMessageSid", sid},
                {"NumMedia", "0"},
                {"SmsSid", sid},
                {"SmsStatus", "received"},
                {"Body", body},
                {"To", kFrom},
                {"NumSegments", "1"},
                {"MessageSid", sid},
                {"AccountSid", kSid},
                {"From", from},
                {"ApiVersion", "2010-04-01"}};
    std::string signature =
        TwilioSignature(forge ? "wrong-token" : kAuth, std::string(kPublic) + "/v1/sms/twilio", p);
    return http_->Post("/v1/sms/twilio", {{"X-Twilio-Signature", signature}}, FormEncode(p),
                       "application/x-www-form-urlencoded");
  }
  std::map<std::string, std::string> Sent(size_t n) {
    std::map<std::string, std::string> out;
    WaitFor([&] {
      auto all = twilio_.sent();
      if (all.size() < n) return false;
      out = all[n - 1];
      return true;
    });
    return out;
  }

  FakeClock clock_;
  FakeTwilio twilio_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::string resident_;
};

TEST_F(SmsTest, ARepairByTextThenItsStatusAndRetriesIgnored) {
  auto r = Text("Water is leaking from the kitchen pipe under the sink",
                "SM1000000000000000000000000000001");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<Response>"), std::string::npos);
  auto reply = Sent(1);
  EXPECT_EQ(reply["To"], kPhone);
  EXPECT_EQ(reply["From"], kFrom);
  EXPECT_EQ(reply["StatusCallback"], std::string(kPublic) + "/v1/sms/twilio/status");
  size_t at = reply["Body"].find("R-");
  ASSERT_NE(at, std::string::npos) << reply["Body"];
  std::string ticket = reply["Body"].substr(at, 7);
  EXPECT_NE(reply["Body"].find("FIX"), std::string::npos);  // how to correct it
  v1::GetTicketRequest get;
  get.set_id(ticket);
  auto t = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value.channel(), v1::CHANNEL_SMS);
  EXPECT_EQ(t.value.reporter().resident_id(), resident_);
  EXPECT_EQ(t.value.location().unit().room(), "C");
  // Twilio retries the same message: answered, not filed twice, not answered twice.
  EXPECT_EQ(Text("Water is leaking from the kitchen pipe under the sink",
                 "SM1000000000000000000000000000001")
                ->status,
            200);
  // The status by ticket number.
  EXPECT_EQ(Text(ticket, "SM1000000000000000000000000000002")->status, 200);
  auto status = Sent(2);
  EXPECT_EQ(status["Body"].substr(0, 7), ticket) << status["Body"];
  EXPECT_TRUE(WaitFor([&] { return server().Settled(); }));
  EXPECT_EQ(twilio_.sent().size(), 2u);
  // A message to the resident (as dispatch sends ticket updates), and its delivery receipt,
  // which goes on the resident's timeline.
  ASSERT_TRUE(server()
                  .conn()
                  .Command({"XADD", "lobby:q:outbound:sms", "*", "v", "1", "kind", "ticket_update",
                            "resident_id", resident_, "ticket_id", ticket, "text",
                            "Lobby: your repair is assigned", "idempotency_key", "update:1"})
                  .ok());
  EXPECT_EQ(Sent(3)["To"], kPhone);
  Params receipt = {{"MessageSid", "SM3"}, {"MessageStatus", "delivered"}, {"AccountSid", kSid}};
  std::string sig = TwilioSignature(kAuth, std::string(kPublic) + "/v1/sms/twilio/status", receipt);
  EXPECT_EQ(http_
                ->Post("/v1/sms/twilio/status", {{"X-Twilio-Signature", sig}}, FormEncode(receipt),
                       "application/x-www-form-urlencoded")
                ->status,
            200);
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  bool delivered = WaitFor([&] {
    auto l = CallRpc(*residents, &v1::ResidentService::Stub::ListTimeline, tl, kAdminToken);
    for (const auto& e : l.value.entries()) {
      if (e.text() == "SMS delivered") return true;
    }
    return false;
  });
  EXPECT_TRUE(delivered);
}

TEST_F(SmsTest, StopIsHonouredUntilStart) {
  ASSERT_EQ(Text("STOP", "SM2000000000000000000000000000001")->status, 200);
  auto confirmation = Sent(1);
  EXPECT_NE(confirmation["Body"].find("START"), std::string::npos) << confirmation["Body"];
  // Anything else for that number is held back: a reply to a status question, here.
  ASSERT_EQ(Text("R-10001", "SM2000000000000000000000000000002")->status, 200);
  EXPECT_TRUE(WaitFor([&] { return server().Settled(); }));
  EXPECT_EQ(twilio_.sent().size(), 1u);
  // The resident's record says so too (surveys then go elsewhere or nowhere).
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::GetResidentRequest get;
  get.set_id(resident_);
  auto r = CallRpc(*residents, &v1::ResidentService::Stub::GetResident, get, kAdminToken);
  ASSERT_EQ(r.value.opted_out_channels_size(), 1);
  EXPECT_EQ(r.value.opted_out_channels(0), v1::CHANNEL_SMS);
  ASSERT_EQ(Text("start", "SM2000000000000000000000000000003")->status, 200);
  EXPECT_NE(Sent(2)["Body"].find("again"), std::string::npos);
  r = CallRpc(*residents, &v1::ResidentService::Stub::GetResident, get, kAdminToken);
  EXPECT_EQ(r.value.opted_out_channels_size(), 0);
}

TEST_F(SmsTest, UnknownNumberIsOfferedLinkingInChinese) {
  ASSERT_EQ(Text("升降機壞了，困了人", "SM3000000000000000000000000000001", "+85261234567")->status,
            200);
  auto offer = Sent(1);
  EXPECT_EQ(offer["To"], "+85261234567");
  EXPECT_NE(offer["Body"].find("登記"), std::string::npos) << offer["Body"];
  // Linking with the number on file sends a code there.
  ASSERT_EQ(Text(std::string("登記 Tower 2 8 C ") + kPhone, "SM3000000000000000000000000000002",
                 "+85261234567")
                ->status,
            200);
  auto code = Sent(2);
  auto prompt = Sent(3);
  std::map<std::string, std::string> to_resident = code["To"] == kPhone ? code : prompt;
  EXPECT_EQ(to_resident["To"], kPhone);
}

TEST_F(SmsTest, ForgedAndMalformedWebhooksWriteNothing) {
  auto before = server().Snapshot();
  // A bad or missing signature is 401, as on every other webhook.
  EXPECT_EQ(Text("hello", "SM4000000000000000000000000000001", kPhone, /*forge=*/true)->status,
            401);
  EXPECT_EQ(http_
                ->Post("/v1/sms/twilio", "Body=hi&From=%2B85291234567&MessageSid=SM1",
                       "application/x-www-form-urlencoded")
                ->status,
            401);
  EXPECT_EQ(http_
                ->Post("/v1/sms/twilio", {{"X-Twilio-Signature", "x"}}, "Body=%ZZ",
                       "application/x-www-form-urlencoded")
                ->status,
            400);
  // The generic gateway: a stale timestamp, a wrong signature.
  std::string body = R"({"id":"g1","from":"+85291234567","text":"hi"})";
  std::string old_ts = std::to_string(absl::ToUnixSeconds(clock_.Now()) - 600);
  EXPECT_EQ(http_
                ->Post("/v1/sms/inbound",
                       {{"X-Lobby-Timestamp", old_ts},
                        {"X-Lobby-Signature", adapters::TimestampedSignature(
                                                  "gateway-secret-0123456789", old_ts, body)}},
                       body, "application/json")
                ->status,
            401);
  std::string ts = std::to_string(absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(
      http_
          ->Post("/v1/sms/inbound", {{"X-Lobby-Timestamp", ts}, {"X-Lobby-Signature", "sha256=00"}},
                 body, "application/json")
          ->status,
      401);
  EXPECT_EQ(server().Snapshot(), before);
  // Signed properly, it is taken.
  EXPECT_EQ(http_
                ->Post("/v1/sms/inbound",
                       {{"X-Lobby-Timestamp", ts},
                        {"X-Lobby-Signature",
                         adapters::TimestampedSignature("gateway-secret-0123456789", ts, body)}},
                       body, "application/json")
                ->status,
            200);
  EXPECT_NE(Sent(1)["Body"].find("Lobby"), std::string::npos);
}

}  // namespace
}  // namespace lobby::sms
