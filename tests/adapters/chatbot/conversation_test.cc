// The conversation on its own: an in-memory session store, a fake Lobby (with the real default
// catalog and classifier) and the fake clock; no Redis, no provider, no gRPC.
#include "adapters/chatbot/conversation.h"

#include <gtest/gtest.h>

#include "services/common/proto_util.h"
#include "services/tickets/catalog.h"
#include "services/tickets/classifier.h"

namespace lobby::chatbot {
namespace {

class MemorySessions final : public adapters::SessionStore {
 public:
  absl::StatusOr<Fields> Load(v1::Channel channel, const std::string& user) override {
    if (!fail_.ok()) return fail_;
    return sessions_[Key(channel, user)];
  }
  absl::Status Save(v1::Channel channel, const std::string& user, const Fields& fields,
                    absl::Duration ttl, absl::Time) override {
    if (!fail_.ok()) return fail_;
    ttl_ = ttl;
    sessions_[Key(channel, user)] = fields;
    return absl::OkStatus();
  }
  const Fields& Of(const std::string& user) { return sessions_[Key(v1::CHANNEL_TELEGRAM, user)]; }
  absl::Status fail_ = absl::OkStatus();
  absl::Duration ttl_;

 private:
  static std::string Key(v1::Channel c, const std::string& u) {
    return absl::StrCat(static_cast<int>(c), ":", u);
  }
  std::map<std::string, Fields> sessions_;
};

// Lobby as the conversation sees it: one linked resident, the default catalog and classifier,
// repairs kept in memory. `down_` makes the calls fail as an unreachable Lobby would.
class FakeLobby final : public adapters::LobbyApi {
 public:
  FakeLobby()
      : classifier_([] {
          v1::Catalog c = tickets::DefaultCatalog();
          c.set_site_id("demo");
          return c;
        }()) {
    resident_.set_id("RS-10001");
    resident_.set_language("en");
    resident_.mutable_unit()->set_site_id("demo");
    resident_.mutable_unit()->set_building("Tower 1");
    resident_.mutable_unit()->set_floor("12");
    resident_.mutable_unit()->set_room("A");
  }

  absl::StatusOr<std::optional<v1::Resident>> Resolve(v1::Channel channel,
                                                      const std::string& user) override {
    calls_++;
    if (!down_.ok()) return down_;
    if (channel == v1::CHANNEL_TELEGRAM && user == "linked") return resident_;
    return std::nullopt;
  }
  absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) override {
    calls_++;
    for (const auto& t : created_)
      if (t.id() == id) return t;
    return absl::NotFoundError("no such ticket");
  }
  absl::StatusOr<std::vector<v1::Ticket>> ListMine(const v1::Resident&, int) override {
    calls_++;
    return created_;
  }
  absl::StatusOr<v1::Classification> Classify(const std::string&,
                                              const std::string& text) override {
    calls_++;
    if (!down_.ok()) return down_;
    if (!refuse_.ok()) return refuse_;
    return classifier_.Classify(text);
  }
  absl::StatusOr<v1::Catalog> GetCatalog(const std::string&) override {
    calls_++;
    if (!down_.ok()) return down_;
    return classifier_.catalog();
  }
  absl::StatusOr<v1::EstateRegister> GetRegister(const std::string&) override {
    calls_++;
    return absl::NotFoundError("no register");
  }
  absl::StatusOr<v1::Ticket> CreateRepair(const v1::CreateTicketRequest& request) override {
    calls_++;
    if (!down_.ok()) return down_;
    requests_.push_back(request);
    v1::Ticket t = request.ticket();
    t.set_id(absl::StrCat("R-", 10001 + created_.size()));
    t.set_status(v1::TICKET_STATUS_NEW);
    *t.mutable_created_at() = ToTimestamp(absl::FromUnixSeconds(1800000000));
    created_.push_back(t);
    return t;
  }
  absl::StatusOr<v1::Ticket> CreateComplaint(const v1::CreateTicketRequest&) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status SubmitSurvey(const v1::SubmitResponseRequest&) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest&) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::StatusOr<v1::Resident> ConfirmVerification(const v1::ConfirmVerificationRequest&) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::StatusOr<v1::CallbackTask> RequestCallback(const v1::RequestCallbackRequest& r) override {
    calls_++;
    callbacks_.push_back(r);
    return v1::CallbackTask();
  }
  absl::StatusOr<std::vector<v1::Resident>> FindByPhone(const std::string&) override {
    return std::vector<v1::Resident>{};
  }
  absl::Status AddComment(const std::string& ticket, const std::string& text, bool internal,
                          const std::string& acting_for) override {
    calls_++;
    comments_.push_back(
        absl::StrCat(ticket, internal ? " internal " : " ", acting_for, ": ", text));
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Ticket> ConfirmVisit(const std::string& ticket,
                                          const std::string& resident) override {
    calls_++;
    for (auto& t : created_) {
      if (t.id() != ticket || t.reporter().resident_id() != resident) continue;
      if (!t.repair().has_visit_window() || t.repair().visit_window().confirmed())
        return absl::FailedPreconditionError("no visit window to confirm");
      t.mutable_repair()->mutable_visit_window()->set_confirmed(true);
      return t;
    }
    return absl::NotFoundError("no such ticket");
  }
  absl::Status SetOptedOut(const std::string&, v1::Channel, bool) override {
    return absl::UnimplementedError("not in these tests");
  }

  v1::Resident resident_;
  absl::Status down_ = absl::OkStatus();
  absl::Status refuse_ = absl::OkStatus();  // what Classify answers instead
  int calls_ = 0;
  std::vector<v1::CreateTicketRequest> requests_;
  std::vector<v1::Ticket> created_;
  std::vector<v1::RequestCallbackRequest> callbacks_;
  std::vector<std::string> comments_;

 private:
  tickets::Classifier classifier_;
};

class ConversationTest : public ::testing::Test {
 protected:
  ConversationTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 30, 9, 0, 0), absl::UTCTimeZone())),
        chat_(sessions_, lobby_, clock_, {.sites = {"demo"}}) {}

  std::vector<Reply> Say(const std::string& text, bool button = false,
                         const std::string& user = "linked") {
    Inbound in;
    in.channel = v1::CHANNEL_TELEGRAM;
    in.user = user;
    in.message_id = absl::StrCat(++message_);
    in.text = text;
    in.button = button;
    auto r = chat_.Handle(in);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    return r.ok() ? *r : std::vector<Reply>{};
  }
  std::vector<Reply> Press(const std::string& data) { return Say(data, true); }
  static std::vector<std::string> Buttons(const std::vector<Reply>& replies) {
    std::vector<std::string> out;
    if (replies.empty()) return out;
    for (const auto& [label, data] : replies.back().buttons) out.push_back(data);
    return out;
  }
  static std::string Text(const std::vector<Reply>& replies) {
    std::string out;
    for (const auto& r : replies) absl::StrAppend(&out, r.text, "\n");
    return out;
  }

  MemorySessions sessions_;
  FakeLobby lobby_;
  FakeClock clock_;
  Conversation chat_;
  int message_ = 0;
};

TEST_F(ConversationTest, ARepairFromFreeTextToATicket) {
  auto confirm = Say("The kitchen tap is leaking onto the floor");
  EXPECT_NE(Text(confirm).find("Plumbing"), std::string::npos) << Text(confirm);
  ASSERT_EQ(Buttons(confirm), (std::vector<std::string>{"yes", "no"}));
  ASSERT_EQ(Buttons(Press("yes")), (std::vector<std::string>{"where:unit", "where:common"}));
  ASSERT_EQ(Buttons(Press("where:unit")), (std::vector<std::string>{"photos:done"}));
  auto windows = Buttons(Press("photos:done"));
  ASSERT_EQ(windows.size(), 7u);
  ASSERT_EQ(Buttons(Press(windows[0])), (std::vector<std::string>{"entry:yes", "entry:no"}));
  auto summary = Press("entry:no");
  ASSERT_EQ(Buttons(summary), (std::vector<std::string>{"confirm", "cancel"}));
  EXPECT_TRUE(lobby_.requests_.empty()) << "nothing is filed before the resident confirms";
  auto done = Press("confirm");
  EXPECT_NE(Text(done).find("R-10001"), std::string::npos) << Text(done);

  ASSERT_EQ(lobby_.requests_.size(), 1u);
  const v1::CreateTicketRequest& req = lobby_.requests_[0];
  EXPECT_EQ(req.ticket().category(), "plumbing");
  EXPECT_EQ(req.ticket().channel(), v1::CHANNEL_TELEGRAM);
  EXPECT_EQ(req.ticket().reporter().resident_id(), "RS-10001");
  EXPECT_EQ(req.ticket().location().unit().room(), "A");
  EXPECT_EQ(req.ticket().description(), "The kitchen tap is leaking onto the floor");
  EXPECT_FALSE(req.ticket().repair().entry_permission());
  EXPECT_FALSE(req.idempotency_key().empty()) << "a redelivered confirm files nothing twice";
  // The window offered is in the future, in the estate's zone (UTC here) and the one filed.
  int64_t start = 0;
  ASSERT_TRUE(absl::SimpleAtoi(windows[0].substr(4, windows[0].find('-') - 4), &start));
  EXPECT_EQ(FromTimestamp(req.ticket().repair().visit_window().start()),
            absl::FromUnixSeconds(start));
  EXPECT_GT(absl::FromUnixSeconds(start), clock_.Now());
}

TEST_F(ConversationTest, AProposedVisitIsConfirmedOrMovedFromItsButtons) {
  // Two repairs of this resident's, each with a visit proposed (the notice's buttons).
  for (int i = 0; i < 2; ++i) {
    v1::CreateTicketRequest req;
    req.mutable_ticket()->mutable_reporter()->set_resident_id("RS-10001");
    ASSERT_TRUE(lobby_.CreateRepair(req).ok());
    v1::VisitWindow* w = lobby_.created_.back().mutable_repair()->mutable_visit_window();
    *w->mutable_start() = ToTimestamp(clock_.Now() + absl::Hours(20));
    *w->mutable_end() = ToTimestamp(clock_.Now() + absl::Hours(22));
  }
  auto confirmed = Press("visit:R-10001:confirm");
  EXPECT_TRUE(lobby_.created_[0].repair().visit_window().confirmed());
  EXPECT_NE(Text(confirmed).find("confirmed"), std::string::npos) << Text(confirmed);
  // Pressed again (or late): nothing changes, and the resident is told where it stands.
  auto again = Press("visit:R-10001:confirm");
  EXPECT_NE(Text(again).find("confirmed already"), std::string::npos) << Text(again);
  EXPECT_NE(Text(again).find("R-10001"), std::string::npos) << Text(again);

  // Another time: asked when, and the answer goes to the team as a comment for the resident.
  auto when = Press("visit:R-10002:other");
  EXPECT_NE(Text(when).find("When would suit you"), std::string::npos) << Text(when);
  EXPECT_TRUE(lobby_.comments_.empty());
  auto thanks = Say("Saturday morning please");
  ASSERT_EQ(lobby_.comments_.size(), 1u) << Text(thanks);
  EXPECT_EQ(lobby_.comments_[0],
            "R-10002 resident:RS-10001: 請改期 / another visit time, please: Saturday morning "
            "please");
  EXPECT_FALSE(lobby_.created_[1].repair().visit_window().confirmed());
  EXPECT_NE(Text(thanks).find("another time"), std::string::npos) << Text(thanks);

  // Someone else's ticket, or none: no such ticket of theirs, nothing done.
  lobby_.created_[1].mutable_reporter()->set_resident_id("RS-10009");
  auto not_theirs = Press("visit:R-10002:confirm");
  EXPECT_NE(Text(not_theirs).find("no such ticket"), std::string::npos) << Text(not_theirs);
  EXPECT_FALSE(lobby_.created_[1].repair().visit_window().confirmed());
  // A resolved job: the visit is no longer open to change.
  lobby_.created_[1].mutable_reporter()->set_resident_id("RS-10001");
  lobby_.created_[1].set_status(v1::TICKET_STATUS_RESOLVED);
  auto done = Press("visit:R-10002:confirm");
  EXPECT_NE(Text(done).find("no longer open"), std::string::npos) << Text(done);
  EXPECT_FALSE(lobby_.created_[1].repair().visit_window().confirmed());
}

TEST_F(ConversationTest, AnEmergencyIsFiledAtOnce) {
  auto said = Say("There is a strong gas smell in the corridor");
  ASSERT_EQ(lobby_.requests_.size(), 1u) << Text(said);
  EXPECT_EQ(lobby_.requests_[0].ticket().category(), "gas");
  EXPECT_NE(Text(said).find("R-10001"), std::string::npos) << Text(said);
}

TEST_F(ConversationTest, ARestartResumesWhereTheResidentWas) {
  ASSERT_EQ(Buttons(Say("The bathroom pipe is leaking")), (std::vector<std::string>{"yes", "no"}));
  // A new process: a new Conversation on the same sessions.
  Conversation again(sessions_, lobby_, clock_, {.sites = {"demo"}});
  Inbound in{.channel = v1::CHANNEL_TELEGRAM,
             .user = "linked",
             .message_id = "99",
             .text = "yes",
             .button = true};
  auto r = again.Handle(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Buttons(*r), (std::vector<std::string>{"where:unit", "where:common"}));
  EXPECT_GT(sessions_.ttl_, absl::ZeroDuration()) << "sessions expire";
}

TEST_F(ConversationTest, ATransientFailureAsksForARetryAndKeepsTheState) {
  ASSERT_EQ(Buttons(Say("The bathroom pipe is leaking")), (std::vector<std::string>{"yes", "no"}));
  auto before = sessions_.Of("linked");
  lobby_.down_ = absl::UnavailableError("repairs is restarting");
  Inbound in{.channel = v1::CHANNEL_TELEGRAM,
             .user = "linked",
             .message_id = "x",
             .text = "yes",
             .button = true};
  auto r = chat_.Handle(in);
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_EQ(sessions_.Of("linked"), before) << "the retry starts from the same place";
  lobby_.down_ = absl::OkStatus();
  EXPECT_EQ(Buttons(Press("yes")), (std::vector<std::string>{"where:unit", "where:common"}));

  sessions_.fail_ = absl::UnavailableError("redis down");
  EXPECT_TRUE(absl::IsUnavailable(chat_.Handle(in).status()));
}

TEST_F(ConversationTest, WhatLobbyCanNeverTakeIsAnsweredNotRetried) {
  lobby_.refuse_ = absl::InvalidArgumentError("text: too long");
  auto sorry = Say("The kitchen tap is leaking");
  EXPECT_NE(Text(sorry).find("Sorry"), std::string::npos) << Text(sorry);
  EXPECT_TRUE(lobby_.requests_.empty());
}

TEST_F(ConversationTest, ABlankMessageIsAnsweredAndTheQuestionStands) {
  for (const std::string blank : {" ", "\u200b", "\xc2\xa0\xe3\x80\x80"}) {
    ASSERT_EQ(Buttons(Say("The bathroom pipe is leaking")),
              (std::vector<std::string>{"yes", "no"}));
    auto before = sessions_.Of("linked");
    auto again = Say(blank);
    EXPECT_NE(Text(again).find("did not understand"), std::string::npos) << Text(again);
    EXPECT_EQ(Buttons(again), (std::vector<std::string>{"yes", "no"})) << "the same question";
    EXPECT_EQ(sessions_.Of("linked").at("step"), before.at("step"));
    EXPECT_EQ(Buttons(Press("yes")), (std::vector<std::string>{"where:unit", "where:common"}))
        << "and it goes on from there";
    Say("cancel");
  }
  EXPECT_TRUE(lobby_.requests_.empty());
  EXPECT_TRUE(lobby_.callbacks_.empty());
}

TEST_F(ConversationTest, TwoAnswersInARowNotUnderstoodBringTheDesk) {
  ASSERT_EQ(Buttons(Say("The bathroom pipe is leaking")), (std::vector<std::string>{"yes", "no"}));
  Press("an old button");
  EXPECT_TRUE(lobby_.callbacks_.empty()) << "once is a misunderstanding";
  EXPECT_EQ(sessions_.Of("linked").at("step"), "confirm_category");
  auto desk = Say(" ");
  ASSERT_EQ(lobby_.callbacks_.size(), 1u) << "twice: the desk calls back. " << Text(desk);
  EXPECT_EQ(lobby_.callbacks_[0].task().resident_id(), "RS-10001");
  EXPECT_NE(Text(desk).find("service desk"), std::string::npos) << Text(desk);
}

TEST_F(ConversationTest, ATicketNumberAnywhereIsAnsweredWithItsStatus) {
  Say("There is a strong gas smell in the corridor");
  auto status = Say("any news on r-10001 please?");
  EXPECT_NE(Text(status).find("R-10001"), std::string::npos) << Text(status);
  auto other = Say("R-99999");
  EXPECT_EQ(Text(other).find("R-10001"), std::string::npos) << Text(other);
  EXPECT_NE(Text(other).find("R-99999"), std::string::npos) << Text(other);
}

}  // namespace
}  // namespace lobby::chatbot
