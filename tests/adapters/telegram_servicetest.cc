// The Telegram chat bot through lobbyd's HTTP server, against a local fake of the Bot API that
// speaks its real request and response formats: the secret token, replays, bad bodies; whole
// conversations (a repair in Chinese with a photo, an emergency, a status query, a survey
// answered with buttons, an unknown sender); outbound retries on 429 and dead letters.
#include <httplib.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/common/crypto.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "tests/adapters/chat_support.h"
#include "tests/support/harness.h"

namespace lobby::telegram {
namespace {

using json = nlohmann::json;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kToken[] = "123456:TEST-token";
constexpr char kSecret[] = "webhook-secret-0123456789";

/// The Bot API, as far as Lobby uses it: records each call; can answer 429 or 400 on demand.
class FakeBotApi : public lobby::testing::FakeProvider {
 public:
  FakeBotApi() {
    server_.Post(R"(/bot([^/]+)/(\w+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.matches[1] != kToken) {
        res.status = 401;
        res.set_content(R"({"ok":false,"error_code":401,"description":"Unauthorized"})", "application/json");
        return;
      }
      if (too_many_ > 0) {
        --too_many_;
        res.status = 429;
        res.set_content(R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})",
                        "application/json");
        return;
      }
      if (refuse_) {
        res.status = 400;
        res.set_content(R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})", "application/json");
        return;
      }
      if (req.matches[2] == "getFile") {
        res.set_content(R"({"ok":true,"result":{"file_id":"big","file_size":8,"file_path":"photos/file_1.jpg"}})", "application/json");
        return;
      }
      calls_.push_back({req.matches[2], json::parse(req.body)});
      res.set_content(absl::StrCat(R"({"ok":true,"result":{"message_id":)", calls_.size(), R"(,"chat":{"id":1}}})"), "application/json");
    });
    server_.Get(R"(/file/bot([^/]+)/photos/file_1\.jpg)", [](const httplib::Request& req, httplib::Response& res) {
      if (req.matches[1] != kToken) {
        res.status = 404;
        return;
      }
      res.set_content("JPEGDATA", "image/jpeg");
    });
    Start();
  }
  ~FakeBotApi() { Stop(); }
  std::vector<std::pair<std::string, json>> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void TooMany(int n) {
    std::lock_guard lock(mu_);
    too_many_ = n;
  }
  void Refuse(bool r) {
    std::lock_guard lock(mu_);
    refuse_ = r;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> calls_;
  int too_many_ = 0;
  bool refuse_ = false;
};

class TelegramTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_, std::vector<std::string>{
        "--telegram-token", kToken, "--telegram-secret", kSecret, "--telegram-api", api_.url(), "--surveys-tick", "20ms"});
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    resident_ = lobby::testing::LinkedResident(harness_->channel, {"陳大文", "+85291234567", "Tower 1", "12", "A", "zh-Hant"}, v1::CHANNEL_TELEGRAM, "777000");
  }
  void TearDown() override { harness_.reset(); }

  httplib::Result Post(const std::string& body, const std::string& secret = kSecret, const std::string& bot = "lobby") {
    httplib::Headers h = {{"X-Telegram-Bot-Api-Secret-Token", secret}};
    return http_->Post(("/v1/telegram/" + bot).c_str(), h, body, "application/json");
  }
  std::string Message(int64_t user, const std::string& text, json extra = json::object()) {
    json m = {{"message_id", ++message_id_}, {"from", {{"id", user}, {"is_bot", false}, {"first_name", "Tai Man"}}},
              {"chat", {{"id", user}, {"type", "private"}}}, {"date", 1800000000}};
    if (!text.empty()) m["text"] = text;
    m.update(extra);
    return json{{"update_id", ++update_id_}, {"message", m}}.dump();
  }
  std::string Press(int64_t user, const std::string& data) {
    return json{{"update_id", ++update_id_},
                {"callback_query", {{"id", "cbq" + std::to_string(update_id_)}, {"from", {{"id", user}, {"is_bot", false}, {"first_name", "Tai Man"}}},
                                    {"message", {{"message_id", 1}, {"chat", {{"id", user}, {"type", "private"}}}, {"date", 1800000000}}},
                                    {"data", data}}}}
        .dump();
  }
  /// Waits for the bot's n-th sendMessage and returns it.
  json Sent(size_t n) {
    json out;
    WaitFor([&] {
      size_t seen = 0;
      for (auto& [method, body] : api_.calls()) {
        if (method == "sendMessage" && ++seen == n) {
          out = body;
          return true;
        }
      }
      return false;
    });
    return out;
  }
  std::vector<std::string> Buttons(const json& msg) {
    std::vector<std::string> out;
    if (!msg.contains("reply_markup")) return out;
    for (const auto& row : msg["reply_markup"]["inline_keyboard"]) {
      for (const auto& b : row) out.push_back(b["callback_data"]);
    }
    return out;
  }
  v1::Ticket Repair(const std::string& id) {
    v1::GetTicketRequest req;
    req.set_id(id);
    return CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, req, kAdminToken).value;
  }

  FakeClock clock_;
  FakeBotApi api_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::string resident_;
  int64_t update_id_ = 5000, message_id_ = 100;
};

TEST_F(TelegramTest, TheSecretTokenIsCheckedAndBadRequestsChangeNothing) {
  auto before = server().Snapshot();
  auto bad = Post(Message(777000, "hi"), "wrong-secret-0123456789");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(Post(Message(777000, "hi"), "")->status, 401);
  EXPECT_EQ(Post(Message(777000, "hi"), kSecret, "otherbot")->status, 404);
  EXPECT_EQ(Post("{not json")->status, 400);
  EXPECT_EQ(Post(R"({"message":{}})")->status, 400) << "no update_id";
  EXPECT_EQ(Post(R"({"update_id":1,"message":{"text":"hi"}})")->status, 400) << "no sender";
  EXPECT_EQ(Post(std::string(2 << 20, ' '))->status, 413);
  EXPECT_EQ(before, server().Snapshot());
  EXPECT_TRUE(api_.calls().empty());
}

TEST_F(TelegramTest, ARepairInChineseWithAPhotoConfirmedByAButton) {
  std::string report = Message(777000, "", {{"caption", "廚房水喉漏水，地下濕晒"},
                                            {"photo", json::array({{{"file_id", "small"}, {"width", 90}}, {{"file_id", "big"}, {"width", 1280}}})}});
  auto r = Post(report);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json confirm = Sent(1);
  EXPECT_EQ(confirm["chat_id"], "777000");
  EXPECT_NE(confirm["text"].get<std::string>().find("報修類別"), std::string::npos) << confirm.dump();
  ASSERT_EQ(Buttons(confirm), (std::vector<std::string>{"yes", "no"}));
  // The same update again (Telegram retrying): answered, ignored.
  EXPECT_EQ(Post(report)->body, "duplicate");
  ASSERT_EQ(Post(Press(777000, "yes"))->status, 200);
  json done = Sent(2);
  EXPECT_NE(done["text"].get<std::string>().find("R-10001"), std::string::npos) << done.dump();
  v1::Ticket t = Repair("R-10001");
  EXPECT_EQ(t.channel(), v1::CHANNEL_TELEGRAM);
  EXPECT_EQ(t.reporter().resident_id(), resident_);
  EXPECT_EQ(t.location().unit().room(), "A");
  ASSERT_EQ(t.photos_size(), 1);
  const std::string link = t.photos(0).url();
  EXPECT_EQ(link, "http://localhost:7080/v1/telegram/lobby/file/big?s=" + adapters::LinkSignature(kSecret, "big"))
      << "the largest size, signed, and no token";
  EXPECT_EQ(http_->Get("/v1/telegram/lobby/file/big")->status, 403) << "unsigned";
  EXPECT_EQ(http_->Get("/v1/telegram/lobby/file/big?s=0123456789abcdef0123456789abcdef")->status, 403);
  auto photo = http_->Get(link.substr(link.find("/v1/")).c_str());
  ASSERT_TRUE(photo);
  EXPECT_EQ(photo->status, 200);
  EXPECT_EQ(photo->body, "JPEGDATA") << "fetched through getFile";
  bool answered = false;
  for (auto& [method, body] : api_.calls()) answered |= method == "answerCallbackQuery";
  EXPECT_TRUE(answered) << "the button press is acknowledged";
  // A status query anywhere in a message.
  ASSERT_EQ(Post(Message(777000, "請問 r-10001 點樣？"))->status, 200);
  json status = Sent(3);
  EXPECT_NE(status["text"].get<std::string>().find("R-10001: 已收到"), std::string::npos) << status.dump();
  // Someone else's ticket number tells them nothing.
  ASSERT_EQ(Post(Message(777000, "R-99999"))->status, 200);
  EXPECT_NE(Sent(4)["text"].get<std::string>().find("找不到"), std::string::npos);
}

TEST_F(TelegramTest, AnEmergencyIsCreatedAtOnceWithSafetyInstructions) {
  ASSERT_EQ(Post(Message(777000, "好大陣煤氣味！"))->status, 200);
  // The conversation's confirmation, and dispatch's safety instructions for the category in
  // the resident's language (the adapter picks it from every language sent) — in either order.
  std::string both = Sent(1)["text"].get<std::string>() + "\n" + Sent(2)["text"].get<std::string>();
  EXPECT_NE(both.find("緊急個案已通報：R-10001"), std::string::npos) << both;
  EXPECT_NE(both.find("請勿"), std::string::npos) << "in Traditional Chinese: " << both;
  EXPECT_NE(both.find("999"), std::string::npos) << both;
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(api_.calls().size(), 2u) << "said once";
  v1::Ticket t = Repair("R-10001");
  EXPECT_EQ(t.category(), "gas");
  EXPECT_EQ(t.priority(), v1::PRIORITY_P1);
}

TEST_F(TelegramTest, AnUnknownSenderIsToldHowToBind) {
  ASSERT_EQ(Post(Message(555, "hello"))->status, 200);
  EXPECT_NE(Sent(1)["text"].get<std::string>().find("not linked to a flat"), std::string::npos);
}

TEST_F(TelegramTest, ASurveyAnsweredWithButtonsReopensWhatIsNotFixed) {
  ASSERT_EQ(Post(Message(777000, "浴室水喉漏水"))->status, 200);
  Sent(1);
  ASSERT_EQ(Post(Press(777000, "yes"))->status, 200);
  Sent(2);
  v1::AssignRequest a;
  a.set_id("R-10001");
  a.set_team("plumbing");
  a.set_assignee("lee");
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, a, kAdminToken).ok());
  for (auto action : {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE}) {
    v1::TransitionRequest tr;
    tr.set_id("R-10001");
    tr.set_action(action);
    ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, tr, kAdminToken).ok());
  }
  clock_.Advance(absl::Hours(3));  // past the survey's delay
  json survey = Sent(3);
  EXPECT_NE(survey["text"].get<std::string>().find("整體滿意度"), std::string::npos) << survey.dump();
  std::vector<std::string> scores = Buttons(survey);
  ASSERT_EQ(scores.size(), 5u);
  EXPECT_EQ(scores[1], "survey:SV-R-10001:overall:2");
  ASSERT_EQ(Post(Press(777000, scores[1]))->status, 200);
  json fixed = Sent(4);
  ASSERT_EQ(Buttons(fixed), (std::vector<std::string>{"survey:SV-R-10001:fixed:yes", "survey:SV-R-10001:fixed:no"}));
  ASSERT_EQ(Post(Press(777000, "survey:SV-R-10001:fixed:no"))->status, 200);
  EXPECT_NE(Sent(5)["text"].get<std::string>().find("重開"), std::string::npos);
  ASSERT_TRUE(WaitFor([&] { return Repair("R-10001").status() == v1::TICKET_STATUS_REOPENED; }));
  // The survey delivered is on the resident's timeline.
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  bool recorded = false;
  ASSERT_TRUE(WaitFor([&] {
    auto entries = CallRpc(*residents, &v1::ResidentService::Stub::ListTimeline, tl, kAdminToken).value;
    for (const auto& e : entries.entries()) {
      auto kind = e.attributes().find("kind");
      recorded |= e.kind() == v1::TimelineEntry::KIND_MESSAGE_OUT && kind != e.attributes().end() && kind->second == "survey" &&
                  e.ticket_id() == "R-10001";
    }
    return recorded;
  }));
  auto surveys = v1::SurveyService::NewStub(harness_->channel);
  v1::GetSurveyRequest get;
  get.set_id("SV-R-10001");
  auto s = CallRpc(*surveys, &v1::SurveyService::Stub::GetSurvey, get, kAdminToken);
  EXPECT_EQ(s.value.answer().overall(), 2);
  EXPECT_TRUE(s.value.answer().not_fixed());
}

TEST_F(TelegramTest, DeliveryWaitsOutA429AndDeadLettersARefusal) {
  api_.TooMany(1);
  ASSERT_EQ(Post(Message(777000, "menu"))->status, 200);
  json menu = Sent(1);
  EXPECT_EQ(Buttons(menu).size(), 3u) << "delivered after the Retry-After";
  api_.Refuse(true);
  ASSERT_EQ(Post(Message(777000, "menu"))->status, 200);
  std::vector<queue::Entry> dead;
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:dlq", "-", "+"});
    dead = r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{};
    return !dead.empty();
  }));
  EXPECT_EQ(dead[0].Get("dlq_stream"), "lobby:q:outbound:telegram");
  EXPECT_NE(dead[0].Get("dlq_reason").find("chat not found"), absl::string_view::npos) << dead[0].Get("dlq_reason");
}

}  // namespace
}  // namespace lobby::telegram
