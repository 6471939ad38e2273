// The WhatsApp Cloud API adapter through lobbyd's HTTP server, against a local fake of the
// Graph API: the hub verification, X-Hub-Signature-256, replays; an emergency reported by a
// resident; reply buttons; media links; outbound refusals.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "adapters/common/crypto.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/proto_util.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::whatsapp {
namespace {

using json = nlohmann::json;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kToken[] = "EAAG-test-access-token";
constexpr char kAppSecret[] = "app-secret-0123456789abcdef";
constexpr char kVerify[] = "verify-me-0123456789";
constexpr char kPhoneId[] = "106540352242922";
constexpr char kResident[] = "85291234567";

/// The Graph API as the adapter uses it: the messages endpoint and media downloads.
class FakeGraph : public lobby::testing::FakeProvider {
 public:
  FakeGraph() {
    server_.Post(R"(/v19\.0/(\d+)/messages)", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
        res.status = 401;
        res.set_content(
            R"({"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}})",
            "application/json");
        return;
      }
      json sent = json::parse(req.body);
      if (closed_ && sent.value("type", "") != "template") {  // the window as WhatsApp counts it
        res.status = 400;
        res.set_content(
            R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047}})",
            "application/json");
        return;
      }
      if (refuse_) {
        res.status = 400;
        res.set_content(
            R"({"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030}})",
            "application/json");
        return;
      }
      sent_.push_back(json::parse(req.body));
      res.set_content(
          absl::StrCat(
              R"({"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.out)",
              sent_.size(), R"("}]})"),
          "application/json");
    });
    server_.Get(R"(/v19\.0/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content(
          absl::StrCat(R"({"url":")", url(), R"(/lookaside/media/)", std::string(req.matches[1]),
                       R"(","mime_type":"image/jpeg","id":")", std::string(req.matches[1]),
                       R"("})"),
          "application/json");
    });
    server_.Get(R"(/lookaside/media/(\d+))",
                [](const httplib::Request& req, httplib::Response& res) {
                  if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
                    res.status = 401;
                    return;
                  }
                  res.set_content("JPEG" + std::string(req.matches[1]), "image/jpeg");
                });
    Start();
  }
  ~FakeGraph() { Stop(); }
  std::vector<json> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  void Refuse(bool r) {
    std::lock_guard lock(mu_);
    refuse_ = r;
  }
  void Close(bool c) {
    std::lock_guard lock(mu_);
    closed_ = c;
  }

 private:
  std::mutex mu_;
  std::vector<json> sent_;
  bool refuse_ = false;
  bool closed_ = false;
};

class WhatsAppTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    Start({});
    resident_ = lobby::testing::LinkedResident(
        harness_->channel,
        {"Mary Chan", "+85291234567", "Tower 2", "8", "C", "en", v1::RESIDENT_ROLE_TENANT},
        v1::CHANNEL_WHATSAPP, kResident);
  }
  void TearDown() override { harness_.reset(); }
  /// lobbyd with the WhatsApp adapter and `flags` (again: the data in Redis stays).
  void Start(std::vector<std::string> flags) {
    harness_.reset();
    std::vector<std::string> all = {
        "--whatsapp-token",        kToken,      "--whatsapp-app-secret", kAppSecret,
        "--whatsapp-verify-token", kVerify,     "--whatsapp-phone-id",   kPhoneId,
        "--whatsapp-api",          graph_.url()};
    all.insert(all.end(), flags.begin(), flags.end());
    harness_ = std::make_unique<Harness>(server(), clock_, all);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
  }

  /// A webhook payload as the Cloud API sends it, with one message.
  std::string Payload(const json& message) {
    return Envelope(
        {{"contacts", json::array({{{"profile", {{"name", "Mary"}}}, {"wa_id", kResident}}})},
         {"messages", json::array({message})}});
  }
  /// A webhook payload with one status of a message Lobby sent ("sent", "delivered", "read").
  std::string Status(const std::string& message_id, const std::string& recipient,
                     const std::string& status) {
    return Envelope({{"statuses", json::array({{{"id", message_id},
                                                {"status", status},
                                                {"timestamp", "1800000100"},
                                                {"recipient_id", recipient}}})}});
  }
  std::string Envelope(const json& value) {
    json v = {
        {"messaging_product", "whatsapp"},
        {"metadata", {{"display_phone_number", "85230001234"}, {"phone_number_id", kPhoneId}}}};
    v.update(value);
    return json{
        {"object", "whatsapp_business_account"},
        {"entry",
         json::array({{{"id", "102290129340398"},
                       {"changes", json::array({{{"field", "messages"}, {"value", v}}})}}})}}
        .dump();
  }
  json Text(const std::string& body) {
    return {{"from", kResident},
            {"id", "wamid.in" + std::to_string(++n_)},
            {"timestamp", "1800000000"},
            {"type", "text"},
            {"text", {{"body", body}}}};
  }
  httplib::Result Post(const std::string& body, std::string signature = "") {
    if (signature.empty())
      signature = "sha256=" + adapters::Hex(adapters::HmacSha256(kAppSecret, body));
    return http_->Post("/v1/whatsapp", {{"X-Hub-Signature-256", signature}}, body,
                       "application/json");
  }
  json Sent(size_t n) {
    json out;
    WaitFor([&] {
      auto all = graph_.sent();
      if (all.size() < n) return false;
      out = all[n - 1];
      return true;
    });
    return out;
  }

  FakeClock clock_;
  FakeGraph graph_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::string resident_;
  int n_ = 0;
};

TEST_F(WhatsAppTest, HubVerificationAndSignatures) {
  auto ok = http_->Get(
      absl::StrCat("/v1/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=",
                   kVerify)
          .c_str());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "1158201444");
  EXPECT_EQ(
      http_->Get("/v1/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess")->status,
      403);
  auto before = server().Snapshot();
  std::string body = Payload(Text("hi"));
  EXPECT_EQ(
      Post(body, "sha256=" + adapters::Hex(adapters::HmacSha256("not-the-secret", body)))->status,
      401);
  EXPECT_EQ(Post(body, "sha1=whatever")->status, 401);
  EXPECT_EQ(Post("{\"entry\": 5}")->status, 400);
  EXPECT_EQ(Post(Payload({{"id", "wamid.x"}}))->status, 400) << "a message without a sender";
  EXPECT_EQ(before, server().Snapshot());
  EXPECT_TRUE(graph_.sent().empty());
}

TEST_F(WhatsAppTest, AnEmergencyOnWhatsApp) {
  std::string body = Payload(Text("Water is pouring through the ceiling, flooding everywhere!"));
  ASSERT_EQ(Post(body)->status, 200);
  EXPECT_EQ(Post(body)->status, 200) << "a retried delivery";
  json first = Sent(1), second = Sent(2);
  EXPECT_EQ(first["to"], kResident);
  EXPECT_EQ(first["type"], "text");
  // The confirmation and dispatch's safety instructions (in English), in either order.
  std::string both =
      first["text"]["body"].get<std::string>() + "\n" + second["text"]["body"].get<std::string>();
  EXPECT_NE(both.find("EMERGENCY reported: R-10001"), std::string::npos) << both;
  EXPECT_GT(both.size(),
            std::string("EMERGENCY reported: R-10001. Our duty team is on the way.").size() + 20)
      << both;
  v1::GetTicketRequest get;
  get.set_id("R-10001");
  v1::Ticket t = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken).value;
  EXPECT_EQ(t.priority(), v1::PRIORITY_P1);
  EXPECT_EQ(t.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(t.location().unit().building(), "Tower 2");
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(graph_.sent().size(), 2u) << "the replay created and said nothing more";
}

TEST_F(WhatsAppTest, ButtonsPhotosAndRefusals) {
  json photo = {{"from", kResident},
                {"id", "wamid.photo"},
                {"timestamp", "1800000000"},
                {"type", "image"},
                {"image",
                 {{"caption", "The tap in my kitchen is leaking"},
                  {"mime_type", "image/jpeg"},
                  {"id", "4242"}}}};
  ASSERT_EQ(Post(Payload(photo))->status, 200);
  json confirm = Sent(1);
  ASSERT_EQ(confirm["type"], "interactive");
  EXPECT_EQ(confirm["interactive"]["type"], "button");
  EXPECT_EQ(confirm["interactive"]["action"]["buttons"][0]["reply"]["id"], "yes");
  int n = 1, id = 0;
  auto press = [&](const std::string& data) {
    json p = {{"from", kResident},
              {"id", "wamid.press" + std::to_string(++id)},
              {"timestamp", "1800000001"},
              {"type", "interactive"},
              {"interactive",
               {{"type", "button_reply"}, {"button_reply", {{"id", data}, {"title", data}}}}}};
    EXPECT_EQ(Post(Payload(p))->status, 200);
    return Sent(++n);
  };
  auto say = [&](const std::string& text) {
    json t = Text(text);
    t["id"] = "wamid.text" + std::to_string(++id);
    EXPECT_EQ(Post(Payload(t))->status, 200);
    return Sent(++n);
  };
  json where = press("yes");
  EXPECT_EQ(where["interactive"]["action"]["buttons"][1]["reply"]["id"], "where:common")
      << where.dump();
  EXPECT_NE(press("where:common")["text"]["body"].get<std::string>().find("Which building"),
            std::string::npos);
  EXPECT_NE(say("Tower 1")["text"]["body"].get<std::string>().find("Which floor"),
            std::string::npos);
  say("G");
  json photos = say("lift lobby");
  EXPECT_EQ(photos["interactive"]["action"]["buttons"][0]["reply"]["id"], "photos:done")
      << photos.dump();
  json summary = press("photos:done");
  EXPECT_NE(
      summary["interactive"]["body"]["text"].get<std::string>().find("Where: Tower 1 G lift lobby"),
      std::string::npos)
      << summary.dump();
  EXPECT_NE(press("confirm")["text"]["body"].get<std::string>().find("R-10001"), std::string::npos);
  v1::GetTicketRequest get;
  get.set_id("R-10001");
  v1::Ticket t = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken).value;
  EXPECT_EQ(t.location().building(), "Tower 1");
  EXPECT_EQ(t.location().floor(), "G");
  EXPECT_EQ(t.location().area(), "lift lobby");
  EXPECT_FALSE(t.location().has_unit()) << "a common area";
  ASSERT_EQ(t.photos_size(), 1);
  EXPECT_EQ(t.photos(0).url(), "http://localhost:7080/v1/whatsapp/media/4242?s=" +
                                   adapters::LinkSignature(kAppSecret, "4242"));
  EXPECT_EQ(http_->Get("/v1/whatsapp/media/4243")->status, 403)
      << "no made-up links to other media";
  auto media = http_->Get(
      ("/v1/whatsapp/media/4242?s=" + adapters::LinkSignature(kAppSecret, "4242")).c_str());
  ASSERT_TRUE(media);
  EXPECT_EQ(media->body, "JPEG4242");
  graph_.Refuse(true);
  ASSERT_EQ(Post(Payload(Text("menu")))->status, 200);
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:dlq", "-", "+"});
    return r.ok() && !r->elements.empty();
  }));
  auto r = server().conn().Command({"XRANGE", "lobby:q:dlq", "-", "+"});
  auto dead = queue::ParseEntries(*r);
  EXPECT_NE(dead[0].Get("dlq_reason").find("131030"), absl::string_view::npos)
      << dead[0].Get("dlq_reason");
}

TEST_F(WhatsAppTest, OutsideThe24HourWindowATemplateOrSms) {
  auto notice = [&](const std::string& text, const std::string& tmpl) {
    queue::Fields f = {{"v", "1"},     {"kind", "notice"},       {"resident_id", resident_},
                       {"text", text}, {"ticket_id", "R-10042"}, {"site_id", "demo"}};
    if (!tmpl.empty()) f.emplace_back("template", tmpl);
    ASSERT_TRUE(server().conn().Command(queue::XAddArgs("lobby:q:outbound:whatsapp", f)).ok());
  };
  auto sms = [&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
    return r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{};
  };
  // Mary has never written on WhatsApp: the estate's template carries the notice.
  notice("R-10042: our technician has arrived.\n- it is resolved.", "lobby_ticket_update");
  json t = Sent(1);
  ASSERT_EQ(t["type"], "template") << t.dump();
  EXPECT_EQ(t["template"]["name"], "lobby_ticket_update");
  EXPECT_EQ(t["template"]["language"]["code"], "en");
  EXPECT_EQ(t["template"]["components"][0]["parameters"][0]["text"], "R-10042");
  EXPECT_EQ(t["template"]["components"][0]["parameters"][1]["text"],
            "our technician has arrived. · it is resolved.");
  // No template: the notice goes to her by SMS instead, never dropped.
  notice("R-10042: it is resolved.", "");
  ASSERT_TRUE(WaitFor([&] { return sms().size() == 1; }));
  EXPECT_EQ(sms()[0].Get("text"), "R-10042: it is resolved.");
  EXPECT_EQ(sms()[0].Get("resident_id"), resident_);
  EXPECT_EQ(sms()[0].Get("fallback_from"), "whatsapp");
  EXPECT_EQ(graph_.sent().size(), 1u);
  // Once she writes, free text for a day.
  ASSERT_EQ(Post(Payload(Text("menu")))->status, 200);
  Sent(2);
  notice("R-10042: it is open again and we are back on it.", "lobby_ticket_update");
  EXPECT_EQ(Sent(3)["text"]["body"], "R-10042: it is open again and we are back on it.");
  // Notify records a notice on the timeline with the message; delivery does not again.
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  auto timeline = CallRpc(*residents, &v1::ResidentService::Stub::ListTimeline, tl, kAdminToken);
  ASSERT_TRUE(timeline.ok()) << timeline.status.error_message();
  for (const auto& e : timeline.value.entries()) {
    auto kind = e.attributes().find("kind");
    EXPECT_TRUE(kind == e.attributes().end() || kind->second != "notice") << e.text();
  }
  // A day later the window has closed.
  clock_.Advance(absl::Hours(25));
  notice("R-10042: it is cancelled.", "");
  ASSERT_TRUE(WaitFor([&] { return sms().size() == 2; }));
  // WhatsApp counts the window its own way and refuses free text (131047): SMS too.
  ASSERT_EQ(Post(Payload(Text("menu")))->status, 200);
  Sent(4);
  graph_.Close(true);
  notice("R-10042: a message from the estate office: see you at 3pm", "");
  ASSERT_TRUE(WaitFor([&] { return sms().size() == 3; }));
  auto metrics = http_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("lobby_outbound_fallbacks_total{channel=\"whatsapp\",outcome=\"sms\"} 3"),
      std::string::npos)
      << metrics->body;
}

// An elderly resident (tagged) is told of an urgent repair on WhatsApp. She reads the first
// notice (WhatsApp's "read" status) and nothing more happens; the second she neither reads nor
// answers, and after 30 minutes the desk has a callback task to phone her.
TEST_F(WhatsAppTest, AnUrgentNoticeAnElderlyResidentDoesNotReadBecomesACallback) {
  Start({"--notify-coalesce", "0s", "--notify-tick", "20ms"});
  constexpr char kHo[] = "85291239001";
  std::string ho = lobby::testing::LinkedResident(harness_->channel,
                                                  {"Ho Siu Fong",
                                                   "+85291239001",
                                                   "Tower 1",
                                                   "3",
                                                   "B",
                                                   "en",
                                                   v1::RESIDENT_ROLE_OWNER,
                                                   {"elderly"}},
                                                  v1::CHANNEL_WHATSAPP, kHo);
  ASSERT_FALSE(ho.empty());
  auto to_ho = [&](const std::string& part) {  // waits for a message to her with `part`
    return WaitFor([&] {
      for (const json& m : graph_.sent()) {
        if (m["to"] == kHo && m.contains("text") &&
            m["text"]["body"].get<std::string>().find(part) != std::string::npos)
          return true;
      }
      return false;
    });
  };
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  auto callbacks = [&] {
    v1::ListCallbacksRequest req;
    req.set_site_id("demo");
    auto r = CallRpc(*residents, &v1::ResidentService::Stub::ListCallbacks, req, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value;
  };
  // She writes, so the window is open and the notices go as free text.
  json hello = Text("menu");
  hello["from"] = kHo;
  ASSERT_EQ(Post(Payload(hello))->status, 200);
  ASSERT_TRUE(WaitFor([&] { return !graph_.sent().empty(); }));

  std::string read = lobby::testing::CreateRepair(
      *repairs_, {.priority = v1::PRIORITY_P2, .room = "B", .resident = ho});
  lobby::testing::AssignRepair(*repairs_, read, "plumbing", "tom");
  ASSERT_TRUE(to_ho(read + ": the plumbing team is taking care of it."));
  clock_.Advance(absl::Minutes(1));
  ASSERT_EQ(Post(Status("wamid.out2", kHo, "read"))->status, 200);
  ASSERT_EQ(Post(Status("wamid.out2", kHo, "read"))->status, 200) << "a retried status";

  clock_.Advance(absl::Minutes(1));
  std::string unread = lobby::testing::CreateRepair(
      *repairs_, {.priority = v1::PRIORITY_P2, .room = "B", .resident = ho});
  lobby::testing::AssignRepair(*repairs_, unread, "plumbing", "tom");
  ASSERT_TRUE(to_ho(unread + ": the plumbing team is taking care of it."));
  ASSERT_EQ(Post(Status("wamid.out3", kHo, "delivered"))->status, 200) << "delivered is not read";

  clock_.Advance(absl::Minutes(31));
  ASSERT_TRUE(WaitFor([&] { return callbacks().tasks_size() > 0; })) << "no callback task";
  v1::ListCallbacksResponse open = callbacks();
  ASSERT_EQ(open.tasks_size(), 1) << open.DebugString() << "the notice she read asks nothing";
  const v1::CallbackTask& task = open.tasks(0);
  EXPECT_EQ(task.resident_id(), ho);
  EXPECT_EQ(task.ticket_id(), unread);
  EXPECT_EQ(task.reason(), "urgent_notice_unread");
  EXPECT_EQ(task.phone(), "+85291239001") << "the number the desk calls";
  auto metrics = http_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("lobby_notify_unread_callbacks_total 1"), std::string::npos);
}

// A repair from the report to the survey, as Mary reads it on WhatsApp: every step the estate
// takes reaches her as it happens (the coalescing window off), in order, on the channel she
// reported on; her own confirmation of the visit is not echoed back to her; the survey ends it.
TEST_F(WhatsAppTest, FromTheReportToTheSurveyTheResidentIsToldEveryStep) {
  Start({"--notify-coalesce", "0s", "--notify-tick", "20ms", "--surveys-tick", "20ms"});
  lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, name: Plumbing, categories: [plumbing]}
members:
  - {id: tom, name: Tom Lau, teams: [plumbing], skills: {plumbing: 2}, capacity: 4, on_call: true}
)");
  // She writes first (the window is open: every notice goes as free text).
  ASSERT_EQ(Post(Payload(Text("menu")))->status, 200);
  ASSERT_TRUE(WaitFor([&] { return graph_.sent().size() == 1; }));
  size_t read = 1;  // the messages to her read so far
  // The next message to her: its text, or a button message's body.
  auto next = [&]() -> json {
    json out;
    EXPECT_TRUE(WaitFor([&] {
      auto all = graph_.sent();
      if (all.size() <= read) return false;
      out = all[read];
      return true;
    })) << "nothing more was sent after message "
        << read;
    ++read;
    return out;
  };
  auto body = [](const json& m) -> std::string {
    if (m.contains("text")) return m["text"]["body"];
    if (m.contains("interactive")) return m["interactive"]["body"]["text"];
    return m.dump();
  };
  auto act = [&](v1::TicketAction action, const std::string& note = "",
                 v1::HoldReason reason = v1::HOLD_REASON_UNSPECIFIED) {
    v1::TransitionRequest t;
    t.set_id("R-10001");
    t.set_action(action);
    t.set_note(note);
    t.set_hold_reason(reason);
    auto r =
        CallRpc(*repairs_, &v1::RepairService::Stub::Transition, t, lobby::testing::kTechToken);
    EXPECT_TRUE(r.ok()) << v1::TicketAction_Name(action) << ": " << r.status.error_message();
  };

  // The report, as the conversation files it; dispatch gives it to the plumbing team (tom).
  std::string id = lobby::testing::CreateRepair(*repairs_, {.resident = resident_});
  ASSERT_EQ(id, "R-10001");
  EXPECT_EQ(body(next()), id + ": the Plumbing team is taking care of it.");
  ASSERT_EQ(lobby::testing::GetRepair(*repairs_, id).assignee(), "tom");

  // A visit proposed: two buttons; she confirms with one, and hears no echo of it.
  v1::ProposeVisitRequest visit;
  visit.set_id(id);
  absl::TimeZone hk = ZoneNamed("Asia/Hong_Kong");
  absl::Time start = absl::FromCivil(absl::ToCivilDay(clock_.Now(), hk) + 1, hk) + absl::Hours(14);
  *visit.mutable_start() = ToTimestamp(start);
  *visit.mutable_end() = ToTimestamp(start + absl::Hours(2));
  ASSERT_TRUE(
      CallRpc(*repairs_, &v1::RepairService::Stub::ProposeVisit, visit, lobby::testing::kTechToken)
          .ok());
  json proposed = next();
  EXPECT_NE(body(proposed).find("we would like to visit on"), std::string::npos) << proposed.dump();
  EXPECT_NE(body(proposed).find("14:00"), std::string::npos) << "the estate's time";
  ASSERT_EQ(proposed["interactive"]["action"]["buttons"][0]["reply"]["id"],
            "visit:" + id + ":confirm");
  json press = {{"from", kResident},
                {"id", "wamid.confirm"},
                {"timestamp", "1800000001"},
                {"type", "interactive"},
                {"interactive",
                 {{"type", "button_reply"},
                  {"button_reply", {{"id", "visit:" + id + ":confirm"}, {"title", "Confirm"}}}}}};
  ASSERT_EQ(Post(Payload(press))->status, 200);
  EXPECT_NE(body(next()).find("confirmed"), std::string::npos) << "the conversation's answer";
  EXPECT_TRUE(lobby::testing::GetRepair(*repairs_, id).repair().visit_window().confirmed());

  act(v1::TICKET_ACTION_ACKNOWLEDGE);
  EXPECT_EQ(body(next()), id + ": a technician has taken the job and will be with you.");
  act(v1::TICKET_ACTION_ON_THE_WAY);
  EXPECT_EQ(body(next()), id + ": our technician is on the way to you now.");
  act(v1::TICKET_ACTION_ARRIVE);
  EXPECT_EQ(body(next()), id + ": our technician has arrived.");
  act(v1::TICKET_ACTION_HOLD, "ordered a 15mm valve", v1::HOLD_REASON_WAITING_PARTS);
  std::string hold = body(next());
  EXPECT_EQ(hold.find("15mm"), std::string::npos) << "the technician's note is the team's";
  EXPECT_NE(hold.find("on hold"), std::string::npos) << hold;
  act(v1::TICKET_ACTION_RESUME);
  EXPECT_EQ(body(next()), id + ": the work goes on again.");
  v1::AddCommentRequest comment;
  comment.set_id(id);
  comment.set_text("the valve has come; we will finish today");
  ASSERT_TRUE(
      CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, lobby::testing::kTechToken)
          .ok());
  EXPECT_EQ(body(next()),
            id + ": a message from the estate office: the valve has come; we will finish today");
  comment.set_internal(true);
  comment.set_text("bill the parts to the owner");
  ASSERT_TRUE(
      CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, lobby::testing::kTechToken)
          .ok());
  act(v1::TICKET_ACTION_ARRIVE);
  EXPECT_EQ(body(next()), id + ": our technician has arrived.") << "the internal note is not told";
  act(v1::TICKET_ACTION_RESOLVE, "replaced the valve and the washer");
  EXPECT_EQ(body(next()), id + ": it is resolved: replaced the valve and the washer");

  // Two hours later, the survey on the same channel.
  clock_.Advance(absl::Hours(2) + absl::Minutes(1));
  json survey = next();
  EXPECT_NE(survey.dump().find(id), std::string::npos) << survey.dump();
  EXPECT_EQ(survey["type"], "interactive") << "scores as buttons: " << survey.dump();
}

}  // namespace
}  // namespace lobby::whatsapp
