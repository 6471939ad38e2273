// The LINE Messaging API adapter through lobbyd's HTTP server, against a local fake of the LINE
// API: X-Line-Signature, redeliveries, a repair confirmed with a quick-reply postback, the reply
// API while the token is fresh and the push API after, message content for photos.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "adapters/common/crypto.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/proto_util.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::line {
namespace {

using json = nlohmann::json;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kSecret[] = "line-channel-secret-0123";
constexpr char kToken[] = "line-access-token";
constexpr char kUser[] = "U4af4980629e5a8e5b4a3d1f3c3e0aa11";

class FakeLineApi : public lobby::testing::FakeProvider {
 public:
  FakeLineApi() {
    server_.Post(R"(/v2/bot/message/(reply|push))", [this](const httplib::Request& req,
                                                           httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
        res.status = 401;
        res.set_content(R"({"message":"Authentication failed"})", "application/json");
        return;
      }
      json body = json::parse(req.body);
      if (req.matches[1] == "reply" && used_.count(body["replyToken"])) {
        res.status = 400;
        res.set_content(R"({"message":"Invalid reply token"})", "application/json");
        return;
      }
      if (req.matches[1] == "reply") used_.insert(body["replyToken"]);
      calls_.push_back({req.matches[1], body});
      res.set_content(R"({"sentMessages":[{"id":"461230966842064897","quoteToken":"q"}]})",
                      "application/json");
    });
    server_.Get(R"(/v2/bot/message/(\d+)/content)",
                [](const httplib::Request& req, httplib::Response& res) {
                  res.set_content("PNG" + std::string(req.matches[1]), "image/png");
                });
    Start();
  }
  ~FakeLineApi() { Stop(); }
  std::vector<std::pair<std::string, json>> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> calls_;
  std::set<std::string> used_;
};

class LineTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{"--line-secret", kSecret, "--line-token", kToken, "--line-api",
                                 api_.url(), "--line-data-api", api_.url()});
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    lobby::testing::LinkedResident(harness_->channel,
                                   {"林小姐", "+886912345678", "A棟", "5", "2", "zh-Hant"},
                                   v1::CHANNEL_LINE, kUser);
  }
  void TearDown() override { harness_.reset(); }

  json Event(const std::string& type, const json& content) {
    json ev = {{"type", type},
               {"mode", "active"},
               {"timestamp", 1800000000000},
               {"source", {{"type", "user"}, {"userId", kUser}}},
               {"webhookEventId", "01H" + std::to_string(++n_)},
               {"deliveryContext", {{"isRedelivery", false}}},
               {"replyToken", "token" + std::to_string(n_)}};
    ev[type == "postback" ? "postback" : "message"] = content;
    return ev;
  }
  httplib::Result Post(const json& event, std::string signature = "") {
    std::string body = json{{"destination", "Uxxxxxxxx"}, {"events", json::array({event})}}.dump();
    if (signature.empty()) signature = adapters::Base64(adapters::HmacSha256(kSecret, body));
    return http_->Post("/v1/line/lobby", {{"X-Line-Signature", signature}}, body,
                       "application/json");
  }
  std::pair<std::string, json> Call(size_t n) {
    std::pair<std::string, json> out;
    WaitFor([&] {
      auto all = api_.calls();
      if (all.size() < n) return false;
      out = all[n - 1];
      return true;
    });
    return out;
  }

  FakeClock clock_;
  FakeLineApi api_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  int n_ = 0;
};

TEST_F(LineTest, SignaturesAndRedeliveries) {
  auto before = server().Snapshot();
  json ev = Event("message", {{"type", "text"}, {"id", "1001"}, {"text", "你好"}});
  EXPECT_EQ(Post(ev, adapters::Base64(adapters::HmacSha256("wrong", "x")))->status, 401);
  EXPECT_EQ(Post(ev, "")->status, 200) << "signed properly by Post()";
  EXPECT_EQ(Post(ev)->status, 200) << "the same webhookEventId again";
  auto reply = Call(1);
  EXPECT_EQ(reply.first, "reply") << "the reply token is used while fresh";
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(api_.calls().size(), 1u) << "the redelivery said nothing";
  (void)before;
}

TEST_F(LineTest, ARepairConfirmedWithAQuickReplyAndAPhoto) {
  ASSERT_EQ(
      Post(Event("message",
                 {{"type", "image"}, {"id", "325708"}, {"contentProvider", {{"type", "line"}}}}))
          ->status,
      200);
  EXPECT_NE(Call(1).second["messages"][0]["text"].get<std::string>().find("收到相片"),
            std::string::npos);
  ASSERT_EQ(Post(Event("message", {{"type", "text"}, {"id", "1002"}, {"text", "浴室水龍頭漏水"}}))
                ->status,
            200);
  auto confirm = Call(2);
  json items = confirm.second["messages"][0]["quickReply"]["items"];
  ASSERT_GE(items.size(), 2u) << confirm.second.dump();
  EXPECT_EQ(items[0]["action"]["data"], "yes");
  size_t n = 2;
  auto press = [&](const std::string& data) {
    EXPECT_EQ(Post(Event("postback", {{"data", data}}))->status, 200);
    return Call(++n);
  };
  press("yes");
  press("where:unit");
  json windows = press("photos:done").second["messages"][0]["quickReply"]["items"];
  ASSERT_EQ(windows.size(), 7u);
  press(windows[6]["action"]["data"]);  // any time
  press("entry:no");
  auto done = press("confirm");
  EXPECT_NE(done.second["messages"][0]["text"].get<std::string>().find("R-10001"),
            std::string::npos)
      << done.second.dump();
  v1::GetTicketRequest get;
  get.set_id("R-10001");
  v1::Ticket t = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken).value;
  EXPECT_EQ(t.channel(), v1::CHANNEL_LINE);
  EXPECT_EQ(t.location().unit().building(), "A棟");
  ASSERT_EQ(t.photos_size(), 1) << "the photo sent before the words";
  EXPECT_EQ(t.photos(0).url(), "http://localhost:7080/v1/line/lobby/content/325708?s=" +
                                   adapters::LinkSignature(kSecret, "325708"));
  EXPECT_EQ(http_->Get("/v1/line/lobby/content/325709")->status, 403);
  auto content = http_->Get(
      ("/v1/line/lobby/content/325708?s=" + adapters::LinkSignature(kSecret, "325708")).c_str());
  ASSERT_TRUE(content);
  EXPECT_EQ(content->body, "PNG325708");
}

TEST_F(LineTest, AnAnonymousComplaint) {
  size_t n = 0;
  auto say = [&](const std::string& type, const json& content) {
    EXPECT_EQ(Post(Event(type, content))->status, 200);
    return Call(++n).second["messages"][0];
  };
  json menu = say("message", {{"type", "text"}, {"id", "2001"}, {"text", "選單"}});
  EXPECT_EQ(menu["quickReply"]["items"][1]["action"]["data"], "menu:complaint") << menu.dump();
  json subjects = say("postback", {{"data", "menu:complaint"}});
  EXPECT_NE(subjects["text"].get<std::string>().find("投訴的是哪方面"), std::string::npos)
      << subjects.dump();
  ASSERT_EQ(subjects["quickReply"]["items"].size(), 7u);
  // Typed instead of pressed: the label is enough.
  json describe = say("message", {{"type", "text"}, {"id", "2002"}, {"text", "員工"}});
  EXPECT_NE(describe["text"].get<std::string>().find("發生了什麼事"), std::string::npos)
      << describe.dump();
  json anonymous = say(
      "message", {{"type", "text"}, {"id", "2003"}, {"text", "今朝大堂保安員對我好無禮，仲鬧我"}});
  ASSERT_EQ(anonymous["quickReply"]["items"][1]["action"]["data"], "anon:yes") << anonymous.dump();
  json summary = say("postback", {{"data", "anon:yes"}});
  EXPECT_NE(summary["text"].get<std::string>().find("匿名"), std::string::npos) << summary.dump();
  json done = say("postback", {{"data", "confirm"}});
  EXPECT_NE(done["text"].get<std::string>().find("投訴編號是 C-10001"), std::string::npos)
      << done.dump();

  auto complaints = v1::ComplaintService::NewStub(harness_->channel);
  v1::GetTicketRequest get;
  get.set_id("C-10001");
  v1::Ticket t =
      CallRpc(*complaints, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value;
  EXPECT_EQ(t.complaint().subject(), v1::COMPLAINT_SUBJECT_STAFF);
  EXPECT_TRUE(t.complaint().anonymous());
  EXPECT_EQ(t.category(), "staff_conduct") << "the classifier's reading of the words";
  EXPECT_EQ(t.channel(), v1::CHANNEL_LINE);
  EXPECT_EQ(t.location().unit().building(), "A棟");
  // The resident follows it like any ticket.
  json status = say("message", {{"type", "text"}, {"id", "2004"}, {"text", "C-10001"}});
  EXPECT_NE(status["text"].get<std::string>().find("C-10001: "), std::string::npos)
      << status.dump();
  EXPECT_EQ(status["text"].get<std::string>().find("找不到"), std::string::npos) << status.dump();
}

// An English-speaking resident on LINE, with quiet hours from 22:00 to 07:00: news of a routine
// repair that comes at 23:00 waits for the morning and then reaches him in English on the
// channel he prefers; an emergency's news does not wait.
TEST_F(LineTest, NewsInQuietHoursWaitsForTheMorningButAnEmergencysDoesNot) {
  harness_.reset();
  harness_ = std::make_unique<Harness>(
      server(), clock_,
      std::vector<std::string>{"--line-secret", kSecret, "--line-token", kToken, "--line-api",
                               api_.url(), "--line-data-api", api_.url(), "--notify-tick", "20ms"});
  repairs_ = v1::RepairService::NewStub(harness_->channel);
  constexpr char kJohn[] = "U0c1d2e3f40000000000000000000john";
  std::string john = lobby::testing::LinkedResident(
      harness_->channel, {"John Smith", "+85291230077", "A棟", "5", "3", "en"}, v1::CHANNEL_LINE,
      kJohn);
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::UpdateResidentRequest update;
  update.mutable_resident()->set_id(john);
  update.mutable_resident()->set_preferred_channel(v1::CHANNEL_LINE);
  update.mutable_resident()->mutable_quiet_hours()->set_start("22:00");
  update.mutable_resident()->mutable_quiet_hours()->set_end("07:00");
  update.mutable_update_mask()->add_paths("preferred_channel");
  update.mutable_update_mask()->add_paths("quiet_hours");
  ASSERT_TRUE(
      CallRpc(*residents, &v1::ResidentService::Stub::UpdateResident, update, kAdminToken).ok());
  // The estate's time zone is the one quiet hours are kept in; dispatch gives its repairs to tom.
  lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing]}
members:
  - {id: tom, name: Tom Lau, teams: [plumbing], skills: {plumbing: 2}, capacity: 4, on_call: true}
)");
  absl::TimeZone hk = ZoneNamed("Asia/Hong_Kong");
  // Later than the fake clock's start (the register's cache counts forward).
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 1, 20, 23, 0, 0), hk));
  auto pushed_to_john = [&] {
    std::vector<std::string> texts;
    for (const auto& [kind, body] : api_.calls())
      if (kind == "push" && body["to"] == kJohn)
        for (const json& m : body["messages"]) texts.push_back(m.value("text", ""));
    return texts;
  };

  std::string id = lobby::testing::CreateRepair(*repairs_, {.resident = john});
  // Held until his quiet hours end: 07:00 the next morning, Hong Kong time.
  int64_t morning =
      absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2027, 1, 21, 7, 0, 0), hk));
  ASSERT_TRUE(WaitFor([&] {
    auto due = server().conn().Command({"ZSCORE", "lobby:notify:{demo}:due", john});
    return due.ok() && due->str == std::to_string(morning);
  })) << "not held until 07:00 ("
      << morning << "), pushed: " << ::testing::PrintToString(pushed_to_john());
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 1, 21, 6, 59, 0), hk));
  EXPECT_TRUE(pushed_to_john().empty());

  // An emergency at 06:59 goes at once, and takes the held news with it.
  std::string burst = lobby::testing::CreateRepair(
      *repairs_,
      {.priority = v1::PRIORITY_P1, .room = "3", .description = "pipe burst", .resident = john});
  // Dispatch gives it to tom (on call), as it gave the first: an Assign of ours would race it.
  ASSERT_TRUE(
      WaitFor([&] { return lobby::testing::GetRepair(*repairs_, burst).assignee() == "tom"; }));
  ASSERT_TRUE(WaitFor([&] { return pushed_to_john().size() == 2; }))
      << ::testing::PrintToString(pushed_to_john());
  std::vector<std::string> texts = pushed_to_john();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{id + ": the plumbing team is taking care of it.",
                                             burst + ": the plumbing team is taking care of it."}));

  // A routine change after the night is told after the coalescing window, in English.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 1, 21, 9, 0, 0), hk));
  lobby::testing::TransitionRepair(*repairs_, id, {v1::TICKET_ACTION_ACKNOWLEDGE});
  // Only once the change is held for the window (the notifier has read it) does the clock move:
  // read after the move, it would be held a window past it, and never told.
  int64_t nine = absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2027, 1, 21, 9, 0, 0), hk));
  ASSERT_TRUE(WaitFor([&] {
    auto due = server().conn().Command({"ZSCORE", "lobby:notify:{demo}:due", john});
    int64_t at = 0;
    return due.ok() && absl::SimpleAtoi(due->str, &at) && at > nine;
  }));
  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(WaitFor([&] { return pushed_to_john().size() == 3; }));
  EXPECT_EQ(pushed_to_john()[2], id + ": a technician has taken the job and will be with you.");
}

}  // namespace
}  // namespace lobby::line
