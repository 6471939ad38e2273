// The calls service's rules on their own: an in-memory CallStore that checks versions as
// RedisCallStore does (and can lose one race on purpose), the other services faked in memory,
// and the fake clock.
#include "services/calls/call_logic.h"

#include <gtest/gtest.h>

#include <map>

#include "services/common/proto_util.h"

namespace lobby::calls {
namespace {

class MemoryCallStore final : public CallStore {
 public:
  absl::StatusOr<std::optional<v1::Call>> Load(const std::string& id) override {
    auto it = calls_.find(id);
    if (it == calls_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Save(const v1::Call& call, const std::string& type) override {
    if (lose_next_race_) {  // another replica saved this call first
      lose_next_race_ = false;
      v1::Call theirs = calls_[call.id()];
      theirs.set_id(call.id());
      theirs.set_version(theirs.version() + 1);
      theirs.set_summary("written by another replica");
      calls_[call.id()] = theirs;
    }
    int64_t stored = calls_.count(call.id()) ? calls_[call.id()].version() : 0;
    if (call.version() != stored + 1) return absl::AbortedError("changed meanwhile");
    calls_[call.id()] = call;
    events_.push_back(type);
    return absl::OkStatus();
  }

  std::map<std::string, v1::Call> calls_;
  std::vector<std::string> events_;
  bool lose_next_race_ = false;
};

class FakePeers final : public CallPeers {
 public:
  FakePeers() {
    resident_.set_id("RS-10001");
    resident_.set_name("Ah Po Wong");
    resident_.set_language("zh-Hant");
    resident_.add_phones("+85291234567");
    resident_.mutable_unit()->set_site_id("demo");
    resident_.add_tags("elderly");
    v1::Ticket open;
    open.set_id("R-10001");
    open.set_status(v1::TICKET_STATUS_ASSIGNED);
    open.set_category("plumbing");
    tickets_["R-10001"] = open;
  }
  absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const std::string& number) override {
    ++lookups_;
    if (number == "anonymous") return absl::InvalidArgumentError("not a phone number");
    v1::ResolvePhoneResponse out;
    out.set_phone(number == "91234567" ? "+85291234567" : number);
    if (out.phone() == "+85291234567") *out.add_residents() = resident_;
    return out;
  }
  absl::StatusOr<v1::Resident> GetResident(const std::string& id) override {
    if (id != resident_.id()) return absl::NotFoundError("no resident " + id);
    return resident_;
  }
  absl::StatusOr<std::vector<v1::Ticket>> ListReportedBy(const v1::Resident&, int) override {
    std::vector<v1::Ticket> out;
    for (const auto& [id, t] : tickets_) out.push_back(t);
    return out;
  }
  absl::Status AppendTimeline(const v1::AppendTimelineRequest& req) override {
    timeline_[req.idempotency_key()] = req.entry().text();
    return absl::OkStatus();
  }
  absl::StatusOr<v1::CallbackTask> RequestCallback(const v1::RequestCallbackRequest& req) override {
    if (req.task().phone() == "anonymous") return absl::InvalidArgumentError("no number");
    if (callbacks_down_) return absl::UnavailableError("residents is down");
    v1::CallbackTask t = req.task();
    t.set_id(absl::StrCat("CB-", 1 + callbacks_.size()));
    auto [it, fresh] = callbacks_.emplace(req.idempotency_key(), t);
    return it->second;
  }
  absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) override {
    auto it = tickets_.find(id);
    if (it == tickets_.end()) return absl::NotFoundError("no ticket " + id);
    return it->second;
  }
  absl::StatusOr<v1::Ticket> CreateTicket(const std::string& kind,
                                          const v1::CreateTicketRequest& req) override {
    v1::Ticket t = req.ticket();
    t.set_id(kind == "complaint" ? "C-10001" : "R-10002");
    t.set_status(v1::TICKET_STATUS_NEW);
    tickets_[t.id()] = t;
    return t;
  }
  absl::Status AddInternalComment(const std::string& ticket, const std::string& text) override {
    comments_[ticket].push_back(text);
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Survey> GetSurvey(const std::string& ticket) override {
    auto it = surveys_.find(ticket);
    if (it == surveys_.end()) return absl::NotFoundError("no survey");
    return it->second;
  }
  absl::Status SubmitSurvey(const v1::SubmitResponseRequest& req) override {
    submitted_.push_back(req);
    return absl::OkStatus();
  }

  v1::Resident resident_;
  std::map<std::string, v1::Ticket> tickets_;
  std::map<std::string, v1::Survey> surveys_;
  std::map<std::string, v1::CallbackTask> callbacks_;
  std::map<std::string, std::string> timeline_;
  std::map<std::string, std::vector<std::string>> comments_;
  std::vector<v1::SubmitResponseRequest> submitted_;
  int lookups_ = 0;
  bool callbacks_down_ = false;
};

v1::ReportCallRequest Report(const std::string& id, v1::CallReport event) {
  v1::ReportCallRequest r;
  r.set_call_id(id);
  r.set_event(event);
  return r;
}

v1::ReportCallRequest Ringing(const std::string& id, const std::string& caller) {
  v1::ReportCallRequest r = Report(id, v1::CALL_REPORT_RINGING);
  r.set_site_id("demo");
  r.set_caller(caller);
  r.set_line("hotline-q");
  return r;
}

class CallLogicTest : public ::testing::Test {
 protected:
  MemoryCallStore store_;
  FakeClock clock_;
  FakePeers peers_;
  CallLogic logic_{store_, clock_, peers_};
  auth::Principal agent_{.role = auth::Role::kAgent, .name = "bob"};
};

TEST_F(CallLogicTest, RingingLooksTheCallerUpOnceAndAReplayChangesNothing) {
  auto rang = logic_.Report(Ringing("1700.1", "91234567"));
  ASSERT_TRUE(rang.ok()) << rang.status();
  EXPECT_TRUE(rang->changed());
  const v1::Call& c = rang->call();
  EXPECT_EQ(c.caller(), "+85291234567") << "the number in E.164 from here on";
  EXPECT_EQ(c.state(), v1::CALL_STATE_RINGING);
  EXPECT_EQ(c.version(), 1);
  EXPECT_EQ(c.caller_profile().resident_id(), "RS-10001");
  EXPECT_EQ(c.caller_profile().tags(0), "elderly");
  ASSERT_EQ(c.caller_profile().open_tickets_size(), 1);
  EXPECT_EQ(c.caller_profile().open_tickets(0).id(), "R-10001");

  auto again = logic_.Report(Ringing("1700.1", "91234567"));  // QueueCallerJoin after Newchannel
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(again->call().version(), 1);
  EXPECT_EQ(peers_.lookups_, 1);
  EXPECT_EQ(store_.events_, std::vector<std::string>{"call.ringing"});
}

TEST_F(CallLogicTest, AnsweredAndEndedGoOnTheTimelineInOrder) {
  ASSERT_TRUE(logic_.Report(Ringing("1700.2", "+85291234567")).ok());
  auto answer = Report("1700.2", v1::CALL_REPORT_ANSWERED);
  answer.set_agent("chan");
  ASSERT_TRUE(logic_.Report(answer).ok());
  clock_.Advance(absl::Seconds(125));
  auto ended = logic_.Report(Report("1700.2", v1::CALL_REPORT_HANGUP));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->call().state(), v1::CALL_STATE_ENDED);
  EXPECT_EQ(peers_.timeline_["call:1700.2:ended"],
            "Call on the hotline answered by chan, 2 min 5 s");
  EXPECT_TRUE(peers_.callbacks_.empty());
  // Answered again after the end (a late BridgeEnter): nothing moves.
  auto late = logic_.Report(answer);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->changed());
  EXPECT_EQ(store_.events_,
            (std::vector<std::string>{"call.ringing", "call.answered", "call.ended"}));
}

TEST_F(CallLogicTest, AMissedCallIsOneCallbackTaskHoweverOftenTheHangupIsReplayed) {
  ASSERT_TRUE(logic_.Report(Ringing("1700.3", "+85291234567")).ok());
  clock_.Advance(absl::Seconds(40));
  auto missed = logic_.Report(Report("1700.3", v1::CALL_REPORT_HANGUP));
  ASSERT_TRUE(missed.ok()) << missed.status();
  EXPECT_EQ(missed->call().state(), v1::CALL_STATE_MISSED);
  EXPECT_EQ(missed->call().callback_id(), "CB-1");
  ASSERT_EQ(peers_.callbacks_.size(), 1u);
  const v1::CallbackTask& task = peers_.callbacks_.at("missed:1700.3");
  EXPECT_EQ(task.reason(), "missed_call");
  EXPECT_EQ(task.ticket_id(), "R-10001") << "the caller's open ticket";
  EXPECT_EQ(task.text(), "Missed call on hotline-q, waited 40 s");
  auto replay = logic_.Report(Report("1700.3", v1::CALL_REPORT_HANGUP));
  ASSERT_TRUE(replay.ok());
  EXPECT_FALSE(replay->changed());
  EXPECT_EQ(peers_.callbacks_.size(), 1u);
}

TEST_F(CallLogicTest, AMissedCallWhoseCallbackFailsSaysSoAndIsNotLost) {
  ASSERT_TRUE(logic_.Report(Ringing("1700.4", "+85291234567")).ok());
  peers_.callbacks_down_ = true;
  auto missed = logic_.Report(Report("1700.4", v1::CALL_REPORT_HANGUP));
  EXPECT_TRUE(absl::IsUnavailable(missed.status())) << missed.status();
  EXPECT_EQ(store_.calls_["1700.4"].state(), v1::CALL_STATE_MISSED)
      << "the call ended; the adapter's retry finds it ended";
  // A withheld number has nobody to call back: no task, and no error to retry forever.
  ASSERT_TRUE(logic_.Report(Ringing("1700.5", "anonymous")).ok());
  auto withheld = logic_.Report(Report("1700.5", v1::CALL_REPORT_HANGUP));
  ASSERT_TRUE(withheld.ok()) << withheld.status();
  EXPECT_EQ(withheld->call().state(), v1::CALL_STATE_MISSED);
  EXPECT_EQ(withheld->call().callback_id(), "");
}

TEST_F(CallLogicTest, ARatingWaitsForTheTicketsSurveyAndIsGivenOnce) {
  ASSERT_TRUE(logic_.Report(Ringing("1700.6", "+85291234567")).ok());
  auto rating = Report("1700.6", v1::CALL_REPORT_RATING);
  rating.set_digit(4);
  rating.set_ticket_id("R-10001");
  auto rated = logic_.Report(rating);
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->call().rating(), 4);
  EXPECT_FALSE(rated->call().rating_recorded()) << "R-10001 has no survey yet";
  EXPECT_TRUE(peers_.submitted_.empty());

  v1::Survey survey;
  survey.set_id("S-1");
  survey.set_ticket_id("R-10001");
  peers_.surveys_["R-10001"] = survey;
  v1::LogCallRequest log;
  log.set_call_id("1700.6");
  log.set_summary("Chased the leak");
  log.add_ticket_ids("R-10001");
  auto logged = logic_.Log(log, agent_);
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_TRUE(logged->call().rating_recorded());
  ASSERT_EQ(peers_.submitted_.size(), 1u);
  EXPECT_EQ(peers_.submitted_[0].survey_id(), "S-1");
  EXPECT_EQ(peers_.submitted_[0].answer().overall(), 4);
  EXPECT_EQ(peers_.comments_["R-10001"],
            std::vector<std::string>{"Phone call 1700.6 (bob): Chased the leak"});
  ASSERT_TRUE(logic_.Report(rating).ok());
  EXPECT_EQ(peers_.submitted_.size(), 1u) << "a replayed rating is given once";

  auto unknown = Report("no-such-call", v1::CALL_REPORT_RATING);
  unknown.set_digit(3);
  EXPECT_TRUE(absl::IsNotFound(logic_.Report(unknown).status()));
}

TEST_F(CallLogicTest, AChangeThatLostARaceIsMadeAgainOnWhatTheOtherWrote) {
  ASSERT_TRUE(logic_.Report(Ringing("1700.7", "+85291234567")).ok());
  store_.lose_next_race_ = true;
  auto answer = Report("1700.7", v1::CALL_REPORT_ANSWERED);
  answer.set_agent("chan");
  auto answered = logic_.Report(answer);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->call().version(), 3);
  EXPECT_EQ(answered->call().agent(), "chan");
  EXPECT_EQ(answered->call().summary(), "written by another replica") << "nothing overwritten";
}

TEST_F(CallLogicTest, ABadReportIsRefusedAndChangesNothing) {
  EXPECT_TRUE(absl::IsInvalidArgument(logic_.Report(Ringing("bad id!", "+852")).status()));
  auto no_site = Ringing("1700.8", "+85291234567");
  no_site.set_site_id("");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_.Report(no_site).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      logic_.Report(Report("1700.8", v1::CALL_REPORT_UNSPECIFIED)).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(logic_.Report(Report("1700.8", v1::CALL_REPORT_ANSWERED)).status()))
      << "answered needs the agent";
  auto rating = Report("1700.8", v1::CALL_REPORT_RATING);
  rating.set_digit(9);
  EXPECT_TRUE(absl::IsInvalidArgument(logic_.Report(rating).status()));
  EXPECT_TRUE(store_.calls_.empty());
  EXPECT_EQ(peers_.lookups_, 0);
}

TEST_F(CallLogicTest, ACallThePbxNeverReportedIsLoggedWithANewTicket) {
  v1::LogCallRequest log;
  log.set_call_id("mobile-1");
  log.set_resident_id("RS-10001");
  log.set_summary("Called the duty mobile about a blocked drain");
  log.set_disposition("ticket_created");
  log.mutable_new_ticket()->set_category("plumbing");
  log.mutable_new_ticket()->set_description("Blocked drain");
  auto logged = logic_.Log(log, agent_);
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_EQ(logged->created().id(), "R-10002");
  EXPECT_EQ(logged->created().channel(), v1::CHANNEL_PHONE);
  EXPECT_EQ(logged->created().reporter().agent(), "bob");
  EXPECT_EQ(logged->created().site_id(), "demo");
  EXPECT_EQ(logged->call().state(), v1::CALL_STATE_ENDED);
  EXPECT_EQ(logged->call().caller(), "+85291234567");
  EXPECT_EQ(logged->call().ticket_ids(0), "R-10002");
  v1::LogCallRequest bad = log;
  bad.set_disposition("shrug");
  bad.set_call_id("mobile-2");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_.Log(bad, agent_).status()));
  EXPECT_FALSE(store_.calls_.count("mobile-2"));
}

}  // namespace
}  // namespace lobby::calls
