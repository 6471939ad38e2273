// The SMS adapter through lobbyd against a local fake of Twilio's Messages API: a resident
// texts a repair, asks its status, opts out and back in; retries and forged webhooks.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "adapters/common/crypto.h"
#include "adapters/sms/providers.h"
#include "adapters/sms/sms.h"
#include "lobby/v1/dispatch.grpc.pb.h"
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

// A member of staff links their number with STAFF and the code sent to it, then works their job
// by short commands: every step through the owning service as them, a late one told where the
// job stands.
TEST_F(SmsTest, StaffWorkTheirJobsByShortCommands) {
  constexpr char kLee[] = "+85291230001";
  lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing]}
members:
  - {id: lee, name: Lee Ka Ho, teams: [plumbing], skills: {plumbing: 3}, capacity: 4, on_call: true, phone: "+852 9123 0001", contact: {channel: sms, id: "+85291230001"}}
)");
  int sid = 0;
  auto text = [&](const std::string& body) {
    auto r = Text(body, absl::StrFormat("SM9%031d", ++sid), kLee);
    EXPECT_TRUE(r && r->status == 200) << body;
  };
  // The n-th text to lee whose body has `part` (waits for it).
  // The first text to lee, after those read so far, whose body has `part` (waits for it).
  size_t read = 0;
  auto to_lee = [&](const std::string& part) {
    std::string body;
    EXPECT_TRUE(WaitFor([&] {
      auto sent = twilio_.sent();
      for (size_t i = read; i < sent.size(); ++i) {
        if (sent[i]["To"] == kLee && sent[i]["Body"].find(part) != std::string::npos) {
          body = sent[i]["Body"];
          read = i + 1;
          return true;
        }
      }
      return false;
    })) << "nothing more to lee with \""
        << part << "\" in " << [&] {
             std::string all;
             for (auto& m : twilio_.sent()) all += "\n" + m["To"] + ": " + m["Body"];
             return all;
           }();
    return body;
  };

  text("STAFF");
  to_lee("reply with the 6-digit code");
  std::string code;  // the text to lee with six digits in a row
  ASSERT_TRUE(WaitFor([&] {
    for (auto& m : twilio_.sent())
      if (m["To"] == kLee && code.empty()) code = lobby::testing::SixDigits(m["Body"]);
    return !code.empty();
  }));
  text(code);
  EXPECT_NE(to_lee("now linked to Lee Ka Ho (lee)").find("ACK R-10042"), std::string::npos)
      << "and the commands";

  std::string id = lobby::testing::CreateRepair(*repairs_, {.resident = resident_});
  auto repair = [&] { return lobby::testing::GetRepair(*repairs_, id); };
  ASSERT_TRUE(WaitFor([&] { return repair().assignee() == "lee"; }));
  to_lee(id + " is yours");
  text("ACK " + id);
  to_lee(id + ": being handled, with lee.");
  EXPECT_EQ(repair().status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  text("ONWAY " + id);
  ASSERT_TRUE(WaitFor([&] { return repair().history().rbegin()->action() == "on_the_way"; }));
  EXPECT_EQ(repair().history().rbegin()->actor(), "lee");
  text("ONWAY " + id);
  to_lee("Not done: " + id + ": being handled, with lee.");  // once per visit
  text("onsite " + id);
  to_lee(id + ": technician on site, with lee.");
  text("HOLD " + id + " PARTS");
  to_lee(id + ": on hold, with lee.");
  EXPECT_EQ(repair().repair().hold_reason(), v1::HOLD_REASON_WAITING_PARTS);
  text("RESUME " + id);
  text("ONSITE " + id);
  ASSERT_TRUE(WaitFor([&] { return repair().status() == v1::TICKET_STATUS_ON_SITE; }));
  text("DONE " + id + " replaced the washer");
  to_lee(id + ": resolved, with lee.");
  v1::Ticket t = repair();
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_RESOLVED);
  EXPECT_EQ(t.history().rbegin()->actor(), "lee");
  EXPECT_EQ(t.history().rbegin()->note(), "replaced the washer");
  // Too late, and not a command.
  text("ACK " + id);
  to_lee("Not done: " + id + ": resolved, with lee.");
  EXPECT_EQ(repair().status(), v1::TICKET_STATUS_RESOLVED);
  text("what now?");
  to_lee("Lobby staff: ACK R-10042");
  text("JOBS");
  to_lee("you have no open jobs");
}

// No water in Tower 2: three residents reported it, the desk gathered the reports into one
// incident, and when it is resolved each of them gets an SMS with the resolution, in their own
// language, once.
TEST_F(SmsTest, EveryResidentOfAnIncidentIsToldWhenItIsResolved) {
  struct Reporter {
    std::string phone, language, id, ticket;
  };
  std::vector<Reporter> reporters = {{kPhone, "en", resident_, ""},
                                     {"+85291230011", "zh-Hant", "", ""},
                                     {"+85291230012", "zh-Hans", "", ""}};
  for (size_t i = 1; i < reporters.size(); ++i) {
    reporters[i].id = lobby::testing::CreateResident(
        harness_->channel, {"Neighbour", reporters[i].phone, "Tower 2", "8",
                            std::string(1, static_cast<char>('D' + i)), reporters[i].language});
    ASSERT_FALSE(reporters[i].id.empty());
  }
  v1::CreateIncidentRequest create;
  v1::Incident* in = create.mutable_incident();
  in->set_site_id("demo");
  in->set_title("No water in Tower 2");
  in->set_category("plumbing");
  in->add_buildings("Tower 2");
  auto incident = CallRpc(*repairs_, &v1::RepairService::Stub::CreateIncident, create, kAdminToken);
  ASSERT_TRUE(incident.ok()) << incident.status.error_message();
  v1::AttachToIncidentRequest attach;
  attach.set_incident_id(incident.value.id());
  for (Reporter& r : reporters) {
    r.ticket =
        lobby::testing::CreateRepair(*repairs_, {.description = "no water", .resident = r.id});
    attach.add_ticket_ids(r.ticket);
  }
  ASSERT_TRUE(
      CallRpc(*repairs_, &v1::RepairService::Stub::AttachToIncident, attach, kAdminToken).ok());
  v1::ResolveIncidentRequest resolve;
  resolve.set_id(incident.value.id());
  resolve.set_resolution("the water main is repaired");
  ASSERT_TRUE(
      CallRpc(*repairs_, &v1::RepairService::Stub::ResolveIncident, resolve, kAdminToken).ok());
  clock_.Advance(absl::Seconds(61));  // notify's coalescing window

  auto texts_to = [&](const std::string& phone) {
    std::vector<std::string> out;
    for (auto& m : twilio_.sent())
      if (m["To"] == phone && m["Body"].find("the water main is repaired") != std::string::npos)
        out.push_back(m["Body"]);
    return out;
  };
  ASSERT_TRUE(WaitFor([&] {
    for (const Reporter& r : reporters)
      if (texts_to(r.phone).empty()) return false;
    return true;
  })) << "not everyone was told";
  const std::map<std::string, std::string> kResolved = {
      {"en", "it is resolved: "}, {"zh-Hant", "已處理完成："}, {"zh-Hans", "已处理完成："}};
  for (const Reporter& r : reporters) {
    std::vector<std::string> told = texts_to(r.phone);
    ASSERT_EQ(told.size(), 1u) << r.phone << " told more than once";
    EXPECT_NE(told[0].find(r.ticket), std::string::npos) << told[0];
    EXPECT_NE(told[0].find(kResolved.at(r.language)), std::string::npos) << told[0];
  }
}

}  // namespace
}  // namespace lobby::sms
