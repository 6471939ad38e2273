// The Telegram chat bot through lobbyd's HTTP server, against a local fake of the Bot API that
// speaks its real request and response formats: the secret token, replays, bad bodies; whole
// conversations (a repair in Chinese with a photo, an emergency, a status query, a survey
// answered with buttons and digits, an unknown sender linking their flat, my tickets and the
// service desk); outbound retries on 429 and dead letters.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "adapters/common/crypto.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/estate_register.h"
#include "services/common/proto_util.h"
#include "tests/adapters/fake_provider.h"
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
    server_.Post(R"(/bot([^/]+)/(\w+))", [this](const httplib::Request& req,
                                                httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.matches[1] != kToken) {
        res.status = 401;
        res.set_content(R"({"ok":false,"error_code":401,"description":"Unauthorized"})",
                        "application/json");
        return;
      }
      if (too_many_ > 0) {
        --too_many_;
        res.status = 429;
        res.set_content(
            R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})",
            "application/json");
        return;
      }
      if (refuse_) {
        res.status = 400;
        res.set_content(
            R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})",
            "application/json");
        return;
      }
      if (req.matches[2] == "getFile") {
        res.set_content(
            R"({"ok":true,"result":{"file_id":"big","file_size":8,"file_path":"photos/file_1.jpg"}})",
            "application/json");
        return;
      }
      calls_.push_back({req.matches[2], json::parse(req.body)});
      res.set_content(absl::StrCat(R"({"ok":true,"result":{"message_id":)", calls_.size(),
                                   R"(,"chat":{"id":1}}})"),
                      "application/json");
    });
    server_.Get(R"(/file/bot([^/]+)/photos/file_1\.jpg)",
                [](const httplib::Request& req, httplib::Response& res) {
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
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{"--telegram-token", kToken, "--telegram-secret", kSecret,
                                 "--telegram-api", api_.url(), "--surveys-tick", "20ms",
                                 "--dispatch-tick", "50ms"});
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    resident_ = lobby::testing::LinkedResident(
        harness_->channel, {"陳大文", "+85291234567", "Tower 1", "12", "A", "zh-Hant"},
        v1::CHANNEL_TELEGRAM, "777000");
  }
  void TearDown() override { harness_.reset(); }

  httplib::Result Post(const std::string& body, const std::string& secret = kSecret,
                       const std::string& bot = "lobby") {
    httplib::Headers h = {{"X-Telegram-Bot-Api-Secret-Token", secret}};
    return http_->Post(("/v1/telegram/" + bot).c_str(), h, body, "application/json");
  }
  std::string Message(int64_t user, const std::string& text, json extra = json::object()) {
    json m = {{"message_id", ++message_id_},
              {"from", {{"id", user}, {"is_bot", false}, {"first_name", "Tai Man"}}},
              {"chat", {{"id", user}, {"type", "private"}}},
              {"date", 1800000000}};
    if (!text.empty()) m["text"] = text;
    m.update(extra);
    return json{{"update_id", ++update_id_}, {"message", m}}.dump();
  }
  std::string Press(int64_t user, const std::string& data) {
    return json{{"update_id", ++update_id_},
                {"callback_query",
                 {{"id", "cbq" + std::to_string(update_id_)},
                  {"from", {{"id", user}, {"is_bot", false}, {"first_name", "Tai Man"}}},
                  {"message",
                   {{"message_id", 1},
                    {"chat", {{"id", user}, {"type", "private"}}},
                    {"date", 1800000000}}},
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
  /// Posts an update and returns the bot's next message (counted across the test).
  json Say(const std::string& update) {
    auto r = Post(update);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return Sent(++said_);
  }
  /// Reports a leaking tap in the resident's own flat, through every question, and returns the
  /// last reply (the ticket's number).
  json ReportLeak() {
    EXPECT_EQ(Buttons(Say(Message(777000, "浴室水喉漏水"))),
              (std::vector<std::string>{"yes", "no"}));
    EXPECT_EQ(Buttons(Say(Press(777000, "yes"))),
              (std::vector<std::string>{"where:unit", "where:common"}));
    EXPECT_EQ(Buttons(Say(Press(777000, "where:unit"))), (std::vector<std::string>{"photos:done"}));
    EXPECT_EQ(Buttons(Say(Press(777000, "photos:done"))).size(), 7u) << "six windows and any time";
    Say(Press(777000, "win:any"));
    Say(Press(777000, "entry:no"));
    return Say(Press(777000, "confirm"));
  }
  v1::Ticket Repair(const std::string& id) {
    v1::GetTicketRequest req;
    req.set_id(id);
    return CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, req, kAdminToken).value;
  }

  // Staff: lee and wong of the plumbing team, on call, with their phones and Telegram chats.
  void ApplyStaffEstate() {
    lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, name: Plumbing, categories: [plumbing]}
members:
  - {id: lee, name: Lee Ka Ho, teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 4, on_call: true, phone: "+852 9123 0001", contact: {channel: telegram, id: "9001"}}
  - {id: wong, name: Wong Siu Ming, teams: [plumbing], skills: {plumbing: 2}, seniority: 1, capacity: 4, on_call: true, phone: "+85291230002", contact: {channel: telegram, id: "9002"}}
)");
  }
  /// The n-th message the bot sent to `chat` (waits for it).
  json SentTo(int64_t chat, size_t n) {
    json out;
    WaitFor([&] {
      size_t seen = 0;
      for (auto& [method, body] : api_.calls()) {
        if (method == "sendMessage" && body["chat_id"] == std::to_string(chat) && ++seen == n) {
          out = body;
          return true;
        }
      }
      return false;
    });
    return out;
  }
  /// How many messages the bot has sent to `chat` so far.
  size_t CountTo(int64_t chat) {
    size_t n = 0;
    for (auto& [method, body] : api_.calls())
      n += method == "sendMessage" && body["chat_id"] == std::to_string(chat);
    return n;
  }
  /// The message after the last one read from `chat`.
  json NextTo(int64_t chat) { return SentTo(chat, ++to_[chat]); }
  /// Posts a staff member's update and returns the bot's answer to them.
  json StaffSays(int64_t chat, const std::string& update) {
    auto r = Post(update);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return NextTo(chat);
  }
  /// The 6-digit code last sent by SMS to `phone`.
  std::string CodeSentTo(const std::string& phone) {
    std::string code;
    EXPECT_TRUE(WaitFor([&] {
      auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
      for (const auto& e : queue::ParseEntries(*r))
        if (e.Get("to") == phone) code = lobby::testing::SixDigits(std::string(e.Get("text")));
      return !code.empty();
    }));
    return code;
  }
  /// Links Telegram `chat` to the member with `phone` (as they would: STAFF, the number, the code).
  void LinkStaff(int64_t chat, const std::string& typed, const std::string& phone) {
    EXPECT_NE(StaffSays(chat, Message(chat, "staff"))["text"].get<std::string>().find(
                  "mobile number the estate has for you"),
              std::string::npos);
    EXPECT_NE(StaffSays(chat, Message(chat, typed))["text"].get<std::string>().find("6-digit code"),
              std::string::npos);
    json linked = StaffSays(chat, Message(chat, CodeSentTo(phone)));
    EXPECT_NE(linked["text"].get<std::string>().find("Linked: you are"), std::string::npos)
        << linked.dump();
    EXPECT_EQ(Buttons(linked), (std::vector<std::string>{"staff:jobs", "staff:pool",
                                                         "staff:duty:off", "staff:duty:on"}));
  }
  /// Waits until `id` is assigned, and returns who has it.
  std::string AssigneeOf(const std::string& id) {
    EXPECT_TRUE(WaitFor([&] { return !Repair(id).assignee().empty(); })) << id;
    return Repair(id).assignee();
  }
  std::map<int64_t, size_t> to_;

  FakeClock clock_;
  FakeBotApi api_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::string resident_;
  int64_t update_id_ = 5000, message_id_ = 100;
  size_t said_ = 0;
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
  std::string report = Message(777000, "",
                               {{"caption", "廚房水喉漏水，地下濕晒"},
                                {"photo", json::array({{{"file_id", "small"}, {"width", 90}},
                                                       {{"file_id", "big"}, {"width", 1280}}})}});
  json confirm = Say(report);
  EXPECT_EQ(confirm["chat_id"], "777000");
  EXPECT_NE(confirm["text"].get<std::string>().find("報修類別：水喉"), std::string::npos)
      << confirm.dump();
  ASSERT_EQ(Buttons(confirm), (std::vector<std::string>{"yes", "no"}));
  // The same update again (Telegram retrying): answered, ignored.
  EXPECT_EQ(Post(report)->body, "duplicate");
  json where = Say(Press(777000, "yes"));
  EXPECT_NE(where["text"].get<std::string>().find("在哪裡"), std::string::npos) << where.dump();
  EXPECT_NE(where["reply_markup"].dump().find("Tower 1 12樓 A室"), std::string::npos)
      << "the resident's own flat: " << where.dump();
  json photos = Say(Press(777000, "where:unit"));
  EXPECT_EQ(Buttons(photos), (std::vector<std::string>{"photos:done"}));
  json window = Say(Message(777000, "完成"));  // a button's label typed works like the button
  std::vector<std::string> windows = Buttons(window);
  ASSERT_EQ(windows.size(), 7u) << window.dump();
  EXPECT_NE(window["reply_markup"].dump().find("上午"), std::string::npos);
  json entry = Say(Message(777000, "1"));  // a button's number typed: the first window
  ASSERT_EQ(Buttons(entry), (std::vector<std::string>{"entry:yes", "entry:no"}));
  json what = Say(Message(777000, "聽日得唔得？"));  // free text where a button is expected
  EXPECT_NE(what["text"].get<std::string>().find("不太明白"), std::string::npos) << what.dump();
  EXPECT_EQ(Buttons(what), (std::vector<std::string>{"entry:yes", "entry:no"}))
      << "the same question again";
  json summary = Say(Press(777000, "entry:yes"));
  std::string text = summary["text"].get<std::string>();
  EXPECT_NE(text.find("請確認"), std::string::npos) << text;
  EXPECT_NE(text.find("相片：1"), std::string::npos) << text;
  EXPECT_NE(text.find("無人在家時可進入：可以"), std::string::npos) << text;
  ASSERT_EQ(Buttons(summary), (std::vector<std::string>{"confirm", "cancel"}));
  json done = Say(Press(777000, "confirm"));
  EXPECT_NE(done["text"].get<std::string>().find("R-10001"), std::string::npos) << done.dump();
  v1::Ticket t = Repair("R-10001");
  EXPECT_EQ(t.channel(), v1::CHANNEL_TELEGRAM);
  EXPECT_EQ(t.reporter().resident_id(), resident_);
  EXPECT_EQ(t.location().unit().room(), "A");
  EXPECT_EQ(t.description(), "廚房水喉漏水，地下濕晒");
  EXPECT_TRUE(t.repair().entry_permission());
  int64_t first_window = 0;
  ASSERT_TRUE(absl::SimpleAtoi(windows[0].substr(4, windows[0].find('-') - 4), &first_window));
  EXPECT_EQ(FromTimestamp(t.repair().visit_window().start()), absl::FromUnixSeconds(first_window));
  EXPECT_FALSE(t.repair().visit_window().confirmed()) << "a preference until the team confirms";
  ASSERT_EQ(t.photos_size(), 1);
  const std::string link = t.photos(0).url();
  EXPECT_EQ(link, "http://localhost:7080/v1/telegram/lobby/file/big?s=" +
                      adapters::LinkSignature(kSecret, "big"))
      << "the largest size, signed, and no token";
  EXPECT_EQ(http_->Get("/v1/telegram/lobby/file/big")->status, 403) << "unsigned";
  EXPECT_EQ(http_->Get("/v1/telegram/lobby/file/big?s=0123456789abcdef0123456789abcdef")->status,
            403);
  auto photo = http_->Get(link.substr(link.find("/v1/")).c_str());
  ASSERT_TRUE(photo);
  EXPECT_EQ(photo->status, 200);
  EXPECT_EQ(photo->body, "JPEGDATA") << "fetched through getFile";
  bool answered = false;
  for (auto& [method, body] : api_.calls()) answered |= method == "answerCallbackQuery";
  EXPECT_TRUE(answered) << "the button press is acknowledged";
  // A status query anywhere in a message.
  json status = Say(Message(777000, "請問 r-10001 點樣？"));
  EXPECT_NE(status["text"].get<std::string>().find("R-10001: 已收到"), std::string::npos)
      << status.dump();
  EXPECT_NE(status["text"].get<std::string>().find("上門時間"), std::string::npos) << status.dump();
  // Someone else's ticket number tells them nothing.
  EXPECT_NE(Say(Message(777000, "R-99999"))["text"].get<std::string>().find("找不到"),
            std::string::npos);
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

TEST_F(TelegramTest, AnUnknownSenderLinksTheirFlatWithAnSmsCode) {
  ASSERT_FALSE(
      lobby::testing::CreateResident(harness_->channel, {"Amy Wong", "+85291234568", "Tower 2", "3",
                                                         "B", "en", v1::RESIDENT_ROLE_TENANT})
          .empty());

  json welcome = Say(Message(555, "hello"));
  EXPECT_NE(welcome["text"].get<std::string>().find("not linked to your flat"), std::string::npos)
      << welcome.dump();
  ASSERT_EQ(Buttons(welcome), (std::vector<std::string>{"bind", "guest"}));
  EXPECT_NE(Say(Press(555, "bind"))["text"].get<std::string>().find("mobile number"),
            std::string::npos);
  EXPECT_NE(
      Say(Message(555, "9123 4568"))["text"].get<std::string>().find("building / floor / flat"),
      std::string::npos);
  // A flat the number is not registered at: asked again, nothing sent.
  EXPECT_NE(Say(Message(555, "Tower 2 / 3 / C"))["text"].get<std::string>().find("could not find"),
            std::string::npos);
  Say(Message(555, "+852 9123 4568"));
  json sent = Say(Message(555, "Tower 2 / 3 / B"));
  EXPECT_NE(sent["text"].get<std::string>().find("6-digit code by SMS to"), std::string::npos)
      << sent.dump();
  std::string code = CodeSentTo("+85291234568");
  ASSERT_FALSE(code.empty());
  std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_NE(Say(Message(555, wrong))["text"].get<std::string>().find("not right"),
            std::string::npos);
  json linked = Say(Message(555, code));
  EXPECT_NE(linked["text"].get<std::string>().find("Thank you, Amy Wong"), std::string::npos)
      << linked.dump();
  EXPECT_NE(linked["text"].get<std::string>().find("Tower 2, 3/F, flat B"), std::string::npos)
      << linked.dump();
  EXPECT_EQ(Buttons(Sent(++said_)).size(), 4u) << "then the menu";
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ResolveIdentityRequest resolve;
  resolve.set_channel(v1::CHANNEL_TELEGRAM);
  resolve.set_external_id("555");
  auto bound =
      CallRpc(*residents, &v1::ResidentService::Stub::ResolveIdentity, resolve, kAdminToken);
  ASSERT_TRUE(bound.ok());
  EXPECT_TRUE(bound.value.identity().verified());
  EXPECT_EQ(bound.value.resident().name(), "Amy Wong");
}

TEST_F(TelegramTest, MyTicketsAndTheServiceDesk) {
  EXPECT_NE(ReportLeak()["text"].get<std::string>().find("R-10001"), std::string::npos);
  json mine = Say(Press(777000, "menu:mine"));
  EXPECT_NE(mine["text"].get<std::string>().find("R-10001 水喉渠務 - 已收到"), std::string::npos)
      << mine.dump();
  json desk = Say(Message(777000, "客服"));
  EXPECT_NE(desk["text"].get<std::string>().find("CB-10001"), std::string::npos) << desk.dump();
  // Lost twice in a row: the desk is asked to call, once per person.
  EXPECT_NE(Say(Message(777000, "??"))["text"].get<std::string>().find("不太明白"),
            std::string::npos);
  EXPECT_NE(Say(Message(777000, "!!"))["text"].get<std::string>().find("CB-10001"),
            std::string::npos);
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ListCallbacksRequest list;
  list.set_site_id("demo");
  auto tasks =
      CallRpc(*residents, &v1::ResidentService::Stub::ListCallbacks, list, kAdminToken).value;
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).resident_id(), resident_);
  EXPECT_EQ(tasks.tasks(0).channel(), v1::CHANNEL_TELEGRAM);
  EXPECT_EQ(tasks.tasks(0).external_id(), "777000");
  EXPECT_EQ(tasks.tasks(0).phone(), "+85291234567");
  EXPECT_EQ(tasks.tasks(0).requests(), 2);
}

TEST_F(TelegramTest, ASurveyAnsweredWithButtonsReopensWhatIsNotFixed) {
  ReportLeak();
  v1::AssignRequest a;
  a.set_id("R-10001");
  a.set_team("plumbing");
  a.set_assignee("lee");
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, a, kAdminToken).ok());
  for (auto action :
       {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE}) {
    v1::TransitionRequest tr;
    tr.set_id("R-10001");
    tr.set_action(action);
    ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, tr, kAdminToken).ok());
  }
  clock_.Advance(absl::Hours(3));  // past the survey's delay
  json survey = Sent(++said_);
  EXPECT_NE(survey["text"].get<std::string>().find("整體滿意度"), std::string::npos)
      << survey.dump();
  std::vector<std::string> scores = Buttons(survey);
  ASSERT_EQ(scores.size(), 5u);
  EXPECT_EQ(scores[1], "survey:SV-R-10001:overall:2");
  json fixed = Say(Message(777000, "2"));  // a digit typed answers too
  ASSERT_EQ(Buttons(fixed), (std::vector<std::string>{"survey:SV-R-10001:fixed:yes",
                                                      "survey:SV-R-10001:fixed:no"}));
  EXPECT_NE(
      Say(Press(777000, "survey:SV-R-10001:fixed:no"))["text"].get<std::string>().find("重開"),
      std::string::npos);
  ASSERT_TRUE(WaitFor([&] { return Repair("R-10001").status() == v1::TICKET_STATUS_REOPENED; }));
  // The survey delivered is on the resident's timeline.
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  bool recorded = false;
  ASSERT_TRUE(WaitFor([&] {
    auto entries =
        CallRpc(*residents, &v1::ResidentService::Stub::ListTimeline, tl, kAdminToken).value;
    for (const auto& e : entries.entries()) {
      auto kind = e.attributes().find("kind");
      recorded |= e.kind() == v1::TimelineEntry::KIND_MESSAGE_OUT && kind != e.attributes().end() &&
                  kind->second == "survey" && e.ticket_id() == "R-10001";
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
  EXPECT_EQ(Buttons(menu).size(), 4u) << "delivered after the Retry-After";
  api_.Refuse(true);
  ASSERT_EQ(Post(Message(777000, "menu"))->status, 200);
  std::vector<queue::Entry> dead;
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:dlq", "-", "+"});
    dead = r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{};
    return !dead.empty();
  }));
  EXPECT_EQ(dead[0].Get("dlq_stream"), "lobby:q:outbound:telegram");
  EXPECT_NE(dead[0].Get("dlq_reason").find("chat not found"), absl::string_view::npos)
      << dead[0].Get("dlq_reason");
}

}  // namespace

// A resident's description may be long: 1,400 Chinese characters (4,200 bytes, within every
// provider's limit) go through whole, and the provider is never asked to retry a message.
TEST_F(TelegramTest, ALongDescriptionIsTakenWhole) {
  std::string longer;
  for (int i = 0; i < 200; ++i) longer += "浴室水喉漏水，";  // 7 characters each
  ASSERT_EQ(longer.size(), 4200u);
  EXPECT_EQ(Buttons(Say(Message(777000, longer))), (std::vector<std::string>{"yes", "no"}));
  EXPECT_EQ(Buttons(Say(Press(777000, "yes"))),
            (std::vector<std::string>{"where:unit", "where:common"}));
  Say(Press(777000, "where:unit"));
  Say(Press(777000, "photos:done"));
  Say(Press(777000, "win:any"));
  Say(Press(777000, "entry:no"));
  json done = Say(Press(777000, "confirm"));
  EXPECT_NE(done["text"].get<std::string>().find("R-10001"), std::string::npos) << done.dump();
  EXPECT_EQ(Repair("R-10001").description(), longer);
}

// A space or a zero-width character typed mid-conversation is nothing typed: the question is
// asked again, and the webhook answers 200 so that Telegram does not send it again and again.
TEST_F(TelegramTest, BlankMessagesAreAnsweredNotRetried) {
  for (const std::string blank : {" ", "\u200b", "\xc2\xa0\xe3\x80\x80"}) {
    json again = Say(Message(777000, blank));  // at the start, and again and again
    EXPECT_FALSE(again.is_null()) << "a reply to a blank message";
  }
  EXPECT_EQ(Buttons(Say(Message(777000, "浴室水喉漏水"))), (std::vector<std::string>{"yes", "no"}));
  json again = Say(Message(777000, " "));  // where a button is expected
  EXPECT_FALSE(again.is_null());
  EXPECT_EQ(Buttons(Say(Press(777000, "yes"))),
            (std::vector<std::string>{"where:unit", "where:common"}))
      << "the conversation goes on where it was";
}

// A message Lobby cannot take at all (here free text longer than any channel carries) is
// answered with an apology and 200, and the conversation stays where it was.
TEST_F(TelegramTest, AMessageLobbyCannotTakeIsAnsweredWithAnApology) {
  json sorry = Say(Message(777000, std::string(6000, 'x')));
  EXPECT_NE(sorry["text"].get<std::string>().find("對不起"), std::string::npos) << sorry.dump();
  EXPECT_EQ(Buttons(Say(Message(777000, "浴室水喉漏水"))), (std::vector<std::string>{"yes", "no"}));
}

// Telegram's message ids are unique only within one chat: two residents' first messages with
// the same id are two tickets, and a chat or sender id 0 is no update.
TEST_F(TelegramTest, MessageIdsArePerChat) {
  lobby::testing::LinkedResident(harness_->channel,
                                 {"李小姐", "+85261234567", "Tower 2", "5", "B", "zh-Hant"},
                                 v1::CHANNEL_TELEGRAM, "777001");
  auto gas = [&](int64_t user) {
    json m = {{"message_id", 42},
              {"from", {{"id", user}, {"is_bot", false}, {"first_name", "X"}}},
              {"chat", {{"id", user}, {"type", "private"}}},
              {"date", 1800000000},
              {"text", "好大陣煤氣味！"}};
    return json{{"update_id", ++update_id_}, {"message", m}}.dump();
  };
  ASSERT_EQ(Post(gas(777000))->status, 200);
  ASSERT_EQ(Post(gas(777001))->status, 200);
  EXPECT_EQ(Repair("R-10001").reporter().resident_id(), resident_);
  EXPECT_FALSE(Repair("R-10002").id().empty()) << "the second chat's report is a ticket of its own";
  EXPECT_NE(Repair("R-10002").reporter().resident_id(), resident_);
  auto before = server().Snapshot();
  EXPECT_EQ(Post(gas(0))->status, 400);
  EXPECT_EQ(before, server().Snapshot()) << "no conversation state for chat 0";
}

// With an estate register, the bot offers the buildings and common areas as buttons, and says in
// the resident's language what is wrong with a place typed, with the choices there are.
TEST_F(TelegramTest, TheRegisterGuidesTheResidentToAPlaceThatExists) {
  auto dispatch = v1::DispatchService::NewStub(harness_->channel);
  v1::ApplyEstateRequest apply;
  apply.set_yaml(
      "site: demo\nteams:\n  - {id: plumbing, categories: [plumbing]}\nbuildings:\n"
      "  - {name: Tower 1, floors: 1-20, units: A-D, other_floors: [G], common_areas: [lobby, lift "
      "1]}\n"
      "  - {name: Tower 2, floors: 1-10, units: [A, B]}\n");
  ASSERT_TRUE(CallRpc(*dispatch, &v1::DispatchService::Stub::ApplyEstate, apply, kAdminToken).ok());
  clock_.Advance(RegisterCache::kTtl);  // the services checked the linked resident before it

  EXPECT_EQ(Buttons(Say(Message(777000, "浴室水喉漏水"))), (std::vector<std::string>{"yes", "no"}));
  Say(Press(777000, "yes"));
  EXPECT_EQ(Buttons(Say(Press(777000, "where:common"))),
            (std::vector<std::string>{"place:Tower 1", "place:Tower 2"}));
  json floor = Say(Press(777000, "place:Tower 1"));
  EXPECT_NE(floor["text"].get<std::string>().find("哪一層"), std::string::npos) << floor.dump();
  json wrong = Say(Message(777000, "99"));
  EXPECT_EQ(wrong["text"], "Tower 1 沒有 99 樓。樓層：1-20, G。") << wrong.dump();
  json area = Say(Message(777000, "g/f"));
  EXPECT_EQ(Buttons(area), (std::vector<std::string>{"place:lobby", "place:lift 1", "skip"}))
      << area.dump();
  Say(Press(777000, "place:lobby"));
  Say(Press(777000, "photos:done"));
  json done = Say(Press(777000, "confirm"));
  EXPECT_NE(done["text"].get<std::string>().find("R-10001"), std::string::npos) << done.dump();
  v1::Ticket t = Repair("R-10001");
  EXPECT_EQ(t.location().building(), "Tower 1");
  EXPECT_EQ(t.location().floor(), "G");
  EXPECT_EQ(t.location().area(), "lobby");

  // Linking a flat: a flat that does not exist is named, with the flats there are.
  Say(Message(555, "hello"));
  Say(Press(555, "bind"));
  Say(Message(555, "9123 4568"));
  json flat = Say(Message(555, "Tower 2 / 3 / C"));
  EXPECT_EQ(flat["text"].get<std::string>().substr(0, 37), "Floor 3 of Tower 2 has no flat C. Fla")
      << flat.dump();
  EXPECT_NE(flat["text"].get<std::string>().find("Flats: A, B."), std::string::npos) << flat.dump();
}

// Visit windows are offered in the estate's own time zone (its estate YAML), not --chat-timezone.
TEST_F(TelegramTest, VisitWindowsAreInTheEstatesTimeZone) {
  auto dispatch = v1::DispatchService::NewStub(harness_->channel);
  v1::ApplyEstateRequest apply;
  apply.set_yaml(
      "site: demo\ntime_zone: Europe/London\nteams:\n  - {id: plumbing, categories: [plumbing]}\n");
  ASSERT_TRUE(CallRpc(*dispatch, &v1::DispatchService::Stub::ApplyEstate, apply, kAdminToken).ok());
  Say(Message(777000, "浴室水喉漏水"));
  Say(Press(777000, "yes"));
  Say(Press(777000, "where:unit"));
  std::vector<std::string> windows = Buttons(Say(Press(777000, "photos:done")));
  ASSERT_EQ(windows.size(), 7u);
  int64_t start = 0;
  ASSERT_TRUE(absl::SimpleAtoi(windows[0].substr(4, windows[0].find('-') - 4), &start))
      << windows[0];
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  EXPECT_EQ(absl::ToCivilHour(absl::FromUnixSeconds(start), london).hour(), 9)
      << "mornings from 9:00 in London";
}

// Without a register the place is typed, and the common area may still be skipped.
TEST_F(TelegramTest, WithoutARegisterTheCommonAreaCanBeSkipped) {
  Say(Message(777000, "浴室水喉漏水"));
  Say(Press(777000, "yes"));
  EXPECT_TRUE(Buttons(Say(Press(777000, "where:common"))).empty()) << "buildings are typed";
  Say(Message(777000, "Tower 1"));
  EXPECT_EQ(Buttons(Say(Message(777000, "G"))), (std::vector<std::string>{"skip"}));
}

// A technician links their Telegram chat with a code to the phone the estate YAML has for them,
// then works a job from the buttons of its push: acknowledge, on site, hold for parts, resume,
// resolve with a note and a photo; every step through RepairService as lee, and a stale button is
// told where the job stands.
TEST_F(TelegramTest, ATechnicianWorksAJobFromTheButtonsOfItsPush) {
  ApplyStaffEstate();
  // Not linked: a job button asks them to link; a number that is no member's is refused.
  json unlinked = StaffSays(9001, Press(9001, "job:R-10001:ack"));
  EXPECT_NE(unlinked["text"].get<std::string>().find("not linked to a member of staff"),
            std::string::npos)
      << unlinked.dump();
  json nobody = StaffSays(9001, Message(9001, "9123 9999"));
  EXPECT_NE(nobody["text"].get<std::string>().find("no member of demo's staff"), std::string::npos)
      << nobody.dump();
  LinkStaff(9001, "9123 0001", "+85291230001");
  LinkStaff(9002, "91230002", "+85291230002");
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ResolveIdentityRequest who;
  who.set_channel(v1::CHANNEL_TELEGRAM);
  who.set_external_id("9001");
  auto me = CallRpc(*residents, &v1::ResidentService::Stub::ResolveIdentity, who, kAdminToken);
  ASSERT_TRUE(me.ok()) << me.status.error_message();
  EXPECT_EQ(me.value.staff().member(), "lee");
  EXPECT_FALSE(me.value.has_resident());

  // Whoever dispatch gives the job to gets it with its buttons.
  std::string id = lobby::testing::CreateRepair(*repairs_, {.resident = resident_});
  std::string holder = AssigneeOf(id);
  ASSERT_FALSE(holder.empty());
  int64_t chat = holder == "lee" ? 9001 : 9002;
  json push = NextTo(chat);
  EXPECT_NE(push["text"].get<std::string>().find(id + " is yours"), std::string::npos)
      << push.dump();
  EXPECT_EQ(Buttons(push), (std::vector<std::string>{"job:" + id + ":ack", "job:" + id + ":decline",
                                                     "job:" + id + ":details"}));

  json ack = StaffSays(chat, Press(chat, "job:" + id + ":ack"));
  EXPECT_NE(ack["text"].get<std::string>().find("acknowledged"), std::string::npos) << ack.dump();
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(Buttons(ack), (std::vector<std::string>{"job:" + id + ":onway", "job:" + id + ":onsite",
                                                    "job:" + id + ":hold", "job:" + id + ":details",
                                                    "staff:jobs"}));
  // On my way: the job stays acknowledged, and the resident hears it in her language.
  json onway = StaffSays(chat, Press(chat, "job:" + id + ":onway"));
  EXPECT_NE(onway["text"].get<std::string>().find("on your way"), std::string::npos)
      << onway.dump();
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(Repair(id).history().rbegin()->action(), "on_the_way");
  EXPECT_EQ(Buttons(onway)[0], "job:" + id + ":onsite") << "once per visit";
  json again = StaffSays(chat, Press(chat, "job:" + id + ":onway"));  // an older message's button
  EXPECT_NE(again["text"].get<std::string>().find("out of date"), std::string::npos)
      << again.dump();
  clock_.Advance(absl::Seconds(61));  // notify's coalescing window
  // The ticket came in on WhatsApp, where she has no identity: she is told by SMS.
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
    for (const auto& e : queue::ParseEntries(*r))
      if (e.Get("resident_id") == resident_ && e.Get("kind") == "notice" &&
          e.Get("text").find("技術員正在前來") != absl::string_view::npos)
        return true;
    return false;
  })) << "the resident is told the technician is on the way";
  StaffSays(chat, Press(chat, "job:" + id + ":onsite"));
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ON_SITE);
  json why = StaffSays(chat, Press(chat, "job:" + id + ":hold"));
  EXPECT_EQ(Buttons(why)[0], "job:" + id + ":hold:parts") << why.dump();
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ON_SITE) << "nothing until the reason";
  json held = StaffSays(chat, Press(chat, "job:" + id + ":hold:parts"));
  EXPECT_NE(held["text"].get<std::string>().find("on hold: waiting for parts."), std::string::npos);
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ON_HOLD);
  EXPECT_EQ(Repair(id).repair().hold_reason(), v1::HOLD_REASON_WAITING_PARTS);
  EXPECT_EQ(Buttons(held)[0], "job:" + id + ":resume");
  StaffSays(chat, Press(chat, "job:" + id + ":resume"));
  StaffSays(chat, Press(chat, "job:" + id + ":onsite"));
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ON_SITE);

  // The details: the flat, the entry rules; never the resident's phone.
  json details = StaffSays(chat, Press(chat, "job:" + id + ":details"));
  std::string text = details["text"].get<std::string>();
  EXPECT_NE(text.find("Where: Tower 1"), std::string::npos) << text;
  EXPECT_NE(text.find("Entry:"), std::string::npos) << text;
  EXPECT_EQ(text.find("9123"), std::string::npos) << text;
  EXPECT_EQ(text.find("4567"), std::string::npos) << text;

  // Resolve: a photo, then the note.
  json note = StaffSays(chat, Press(chat, "job:" + id + ":resolve"));
  EXPECT_NE(note["text"].get<std::string>().find("What was done"), std::string::npos);
  json photo = StaffSays(
      chat, Message(chat, "", {{"photo", json::array({{{"file_id", "big"}, {"width", 1280}}})}}));
  EXPECT_NE(photo["text"].get<std::string>().find("Photos so far: 1"), std::string::npos)
      << photo.dump();
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ON_SITE);
  json resolved = StaffSays(chat, Message(chat, "replaced the washer"));
  EXPECT_NE(resolved["text"].get<std::string>().find("resolved"), std::string::npos)
      << resolved.dump();
  v1::Ticket t = Repair(id);
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_RESOLVED);
  ASSERT_EQ(t.photos_size(), 1) << "the technician's photo is the ticket's";
  EXPECT_NE(t.photos(0).url().find("/v1/telegram/lobby/file/big"), std::string::npos);
  ASSERT_FALSE(t.history().empty());
  const v1::HistoryEntry& last = *t.history().rbegin();
  EXPECT_EQ(last.actor(), holder) << "recorded as the person";
  EXPECT_EQ(last.note(), "replaced the washer (1 photo)");
  for (const auto& h : t.history()) {
    if (h.to_status() == v1::TICKET_STATUS_ON_HOLD || h.to_status() == v1::TICKET_STATUS_ON_SITE) {
      EXPECT_EQ(h.actor(), holder);
    }
  }

  // A button the job moved past: nothing changes, and they are told where it stands.
  json stale = StaffSays(chat, Press(chat, "job:" + id + ":onsite"));
  EXPECT_NE(stale["text"].get<std::string>().find("out of date"), std::string::npos)
      << stale.dump();
  EXPECT_NE(stale["text"].get<std::string>().find(id + ": resolved, with " + holder),
            std::string::npos)
      << stale.dump();
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_RESOLVED);
  json jobs = StaffSays(chat, Press(chat, "staff:jobs"));
  EXPECT_NE(jobs["text"].get<std::string>().find("no open jobs"), std::string::npos) << jobs.dump();

  // Off duty for today: the next job goes to the other member; only their own duty is theirs.
  json off = StaffSays(chat, Press(chat, "staff:duty:off"));
  EXPECT_NE(off["text"].get<std::string>().find("off duty today"), std::string::npos) << off.dump();
  std::string other = holder == "lee" ? "wong" : "lee";
  std::string next = lobby::testing::CreateRepair(*repairs_, {.room = "B", .resident = resident_});
  EXPECT_EQ(AssigneeOf(next), other);
  auto dispatch = v1::DispatchService::NewStub(harness_->channel);
  v1::SetDutyRequest theirs;
  theirs.set_site_id("demo");
  theirs.set_member(other);
  EXPECT_EQ(CallRpc(*dispatch, &v1::DispatchService::Stub::SetDuty, theirs,
                    lobby::testing::kAdapterToken, "member:" + holder)
                .code(),
            grpc::StatusCode::PERMISSION_DENIED);
  theirs.set_member(holder);
  theirs.set_date("2020-01-01");
  EXPECT_EQ(CallRpc(*dispatch, &v1::DispatchService::Stub::SetDuty, theirs,
                    lobby::testing::kAdapterToken, "member:" + holder)
                .code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  json on = StaffSays(chat, Press(chat, "staff:duty:on"));
  EXPECT_NE(on["text"].get<std::string>().find("on duty today"), std::string::npos) << on.dump();
}

// A P1 pages the team; the first to press "I take it" has it and the second is told it is
// taken. A declined job (with its reason) goes to someone else.
TEST_F(TelegramTest, AP1IsTheFirstPressersAndADeclinedJobMovesOn) {
  ApplyStaffEstate();
  LinkStaff(9001, "9123 0001", "+85291230001");
  LinkStaff(9002, "9123 0002", "+85291230002");
  std::string id =
      lobby::testing::CreateRepair(*repairs_, {.priority = v1::PRIORITY_P1,
                                               .description = "burst pipe, water everywhere",
                                               .resident = resident_});
  std::string holder = AssigneeOf(id);
  std::string other = holder == "lee" ? "wong" : "lee";
  int64_t holder_chat = holder == "lee" ? 9001 : 9002, other_chat = holder == "lee" ? 9002 : 9001;
  // The page reaches the other member with "I take it".
  json page;
  ASSERT_TRUE(WaitFor([&] {
    page = NextTo(other_chat);
    return !Buttons(page).empty() && Buttons(page)[0] == "job:" + id + ":take";
  })) << page.dump();
  EXPECT_NE(page["text"].get<std::string>().find("EMERGENCY"), std::string::npos) << page.dump();

  json taken = StaffSays(other_chat, Press(other_chat, "job:" + id + ":take"));
  EXPECT_NE(taken["text"].get<std::string>().find("is yours"), std::string::npos) << taken.dump();
  EXPECT_EQ(Repair(id).assignee(), other);
  EXPECT_EQ(Repair(id).status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  // The member it was assigned to presses too late.
  to_[holder_chat] = CountTo(holder_chat);  // past their pushes so far
  json late = StaffSays(holder_chat, Press(holder_chat, "job:" + id + ":take"));
  EXPECT_NE(late["text"].get<std::string>().find("Someone else took it first"), std::string::npos)
      << late.dump();
  EXPECT_NE(late["text"].get<std::string>().find("with " + other), std::string::npos)
      << late.dump();
  EXPECT_EQ(Repair(id).assignee(), other);

  // A job declined, with the reason asked for: dispatch gives it to someone else.
  std::string next = lobby::testing::CreateRepair(*repairs_, {.room = "B", .resident = resident_});
  std::string first = AssigneeOf(next);
  int64_t first_chat = first == "lee" ? 9001 : 9002;
  ASSERT_TRUE(WaitFor([&] {  // its push, read before the press
    for (auto& [method, body] : api_.calls())
      if (method == "sendMessage" && body["chat_id"] == std::to_string(first_chat) &&
          body["text"].get<std::string>().find(next + " is yours") != std::string::npos)
        return true;
    return false;
  }));
  to_[first_chat] = CountTo(first_chat);
  json ask = StaffSays(first_chat, Press(first_chat, "job:" + next + ":decline"));
  EXPECT_NE(ask["text"].get<std::string>().find("Why are you handing back"), std::string::npos)
      << ask.dump();
  EXPECT_EQ(Repair(next).assignee(), first) << "nothing until the reason";
  StaffSays(first_chat, Message(first_chat, "on leave this afternoon"));
  EXPECT_TRUE(WaitFor([&] { return Repair(next).assignee() != first; }));
  bool explained = false;
  v1::Ticket declined = Repair(next);
  for (const auto& h : declined.history())
    explained |=
        h.note().find("declined by " + first + " (on leave this afternoon)") != std::string::npos;
  EXPECT_TRUE(explained) << declined.DebugString();
}

}  // namespace lobby::telegram
