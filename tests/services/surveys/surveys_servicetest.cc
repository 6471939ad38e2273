// SurveyService in one process against a real Redis, on a fake clock: a resolved repair gets
// its survey after the delay and outside the resident's quiet hours, a reminder, an expiry;
// answers are idempotent; a low score opens a follow-up that escalates when overdue; "not fixed"
// reopens the ticket; and the trends move.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/proto_util.h"
#include "tests/services/surveys/survey_fixtures.h"
#include "tests/support/harness.h"

namespace lobby::surveys {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

class SurveysTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    clock_.Set(HK(2026, 12, 1, 18));  // a Tuesday evening
    harness_ = std::make_unique<Harness>(server(), clock_,
                                         std::vector<std::string>{"--surveys-tick", "20ms"});
    surveys_ = v1::SurveyService::NewStub(harness_->channel);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    residents_ = v1::ResidentService::NewStub(harness_->channel);
    v1::ApplySurveySettingsRequest apply;
    apply.set_yaml(kSettings);
    ASSERT_TRUE(
        CallRpc(*surveys_, &v1::SurveyService::Stub::ApplySettings, apply, kAdminToken).ok());
    v1::CreateResidentRequest req;
    auto* r = req.mutable_resident();
    r->set_name("Chan Siu Ming");
    r->add_phones("+85291234567");
    r->mutable_unit()->set_site_id("demo");
    r->mutable_unit()->set_building("Tower 1");
    r->mutable_unit()->set_floor("3");
    r->mutable_unit()->set_room("A");
    r->set_role(v1::RESIDENT_ROLE_OWNER);
    r->set_language("zh-Hant");
    r->mutable_quiet_hours()->set_start("22:00");
    r->mutable_quiet_hours()->set_end("08:00");
    auto created =
        CallRpc(*residents_, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
    ASSERT_TRUE(created.ok()) << created.status.error_message();
    resident_ = created.value.id();
  }
  void TearDown() override { harness_.reset(); }

  std::string NewRepair() {
    return lobby::testing::CreateRepair(*repairs_, {.resident = resident_});
  }
  void Do(const std::string& id, std::initializer_list<v1::TicketAction> actions) {
    lobby::testing::TransitionRepair(*repairs_, id, actions);
  }
  void Resolve(const std::string& id) {
    lobby::testing::AssignRepair(*repairs_, id, "plumbing", "lee");
    Do(id, {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE});
  }
  v1::Survey Survey(const std::string& ticket, const char* token = kAdminToken) {
    v1::GetSurveyRequest req;
    req.set_ticket_id(ticket);
    return CallRpc(*surveys_, &v1::SurveyService::Stub::GetSurvey, req, token).value;
  }
  bool WaitStatus(const std::string& ticket, v1::SurveyStatus status) {
    return WaitFor([&] { return Survey(ticket).status() == status; });
  }
  std::vector<queue::Entry> Outbound(const std::string& channel) {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:" + channel, "-", "+"});
    std::vector<queue::Entry> out;
    for (auto& e : r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{}) {
      if (e.Get("kind").rfind("survey", 0) == 0) out.push_back(std::move(e));
    }
    return out;
  }
  testing::Result<v1::Survey> Answer(const std::string& survey, int overall, bool not_fixed = false,
                                     const std::string& comment = "") {
    v1::SubmitResponseRequest req;
    req.set_survey_id(survey);
    req.mutable_answer()->set_overall(overall);
    req.mutable_answer()->set_speed(overall);
    req.mutable_answer()->set_attitude(5);
    req.mutable_answer()->set_not_fixed(not_fixed);
    req.mutable_answer()->set_comment(comment);
    return CallRpc(*surveys_, &v1::SurveyService::Stub::SubmitResponse, req, kAdapterToken);
  }
  v1::Kpis Today() {
    v1::GetTrendsRequest req;
    req.set_site_id("demo");
    req.set_period(v1::PERIOD_MONTH);
    *req.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
    *req.mutable_to() = ToTimestamp(HK(2027, 1, 1, 0));
    auto r = CallRpc(*surveys_, &v1::SurveyService::Stub::GetTrends, req, kAgentToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value.series_size() ? r.value.series(0).points(0).kpis() : v1::Kpis();
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::SurveyService::Stub> surveys_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::string resident_;
};

TEST_F(SurveysTest, SentAfterTheDelayOutsideQuietHoursThenRemindedThenExpired) {
  std::string id = NewRepair();
  clock_.Set(HK(2026, 12, 1, 20, 30));
  Resolve(id);
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SCHEDULED));
  v1::Survey s = Survey(id);
  EXPECT_EQ(FromTimestamp(s.send_at()), HK(2026, 12, 1, 22, 30)) << "two hours after resolution";
  clock_.Set(HK(2026, 12, 1, 22, 31));  // due, but the resident's quiet hours have begun
  ASSERT_TRUE(harness_->WholeTurn("surveys"));
  EXPECT_EQ(Survey(id).status(), v1::SURVEY_STATUS_SCHEDULED);
  EXPECT_TRUE(Outbound("whatsapp").empty());
  clock_.Set(HK(2026, 12, 2, 8, 0));  // the quiet hours end
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SENT));
  auto sent = Outbound("whatsapp");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Get("kind"), "survey");
  EXPECT_EQ(sent[0].Get("resident_id"), resident_);
  EXPECT_EQ(sent[0].Get("language"), "zh-Hant");
  EXPECT_EQ(sent[0].Get("question.overall"), "整體滿意度？(1-5)");
  EXPECT_EQ(sent[0].Get("questions"),
            "overall:scale,speed:scale,attitude:scale,fixed:yes_no,comment:text");
  EXPECT_NE(sent[0].Get("text").find(id), absl::string_view::npos);

  clock_.Set(HK(2026, 12, 3, 8, 1));  // a day later: one reminder
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_REMINDED));
  ASSERT_TRUE(WaitFor([&] { return Outbound("whatsapp").size() == 2; }));
  EXPECT_EQ(Outbound("whatsapp")[1].Get("kind"), "survey_reminder");
  clock_.Set(HK(2026, 12, 5, 8, 1));  // three days after sending
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_EXPIRED));
  EXPECT_EQ(Outbound("whatsapp").size(), 2u) << "one reminder only";
  EXPECT_EQ(Answer(Survey(id).id(), 5).code(), grpc::StatusCode::FAILED_PRECONDITION) << "expired";
  v1::Kpis k = Today();
  EXPECT_EQ(k.volume(), 1);
  EXPECT_EQ(k.surveys_sent(), 1);
  EXPECT_EQ(k.responses(), 0);
  EXPECT_EQ(k.resolved(), 1);
  EXPECT_DOUBLE_EQ(k.first_time_fix_rate(), 1.0);
  EXPECT_DOUBLE_EQ(k.volume_per_1000_units(), 2.5);
}

TEST_F(SurveysTest, AnswersAreIdempotentAndMoveTheTrends) {
  std::string id = NewRepair();
  clock_.Set(HK(2026, 12, 2, 10));
  Resolve(id);
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SCHEDULED));
  clock_.Set(HK(2026, 12, 2, 12, 1));
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SENT));
  std::string survey = Survey(id).id();
  EXPECT_EQ(Today().responses(), 0);
  auto first = Answer(survey, 4, false, "fast, thanks");
  ASSERT_TRUE(first.ok()) << first.status.error_message();
  EXPECT_EQ(first.value.status(), v1::SURVEY_STATUS_ANSWERED);
  auto again = Answer(survey, 4, false, "fast, thanks");
  EXPECT_TRUE(again.ok()) << "the same answer again changes nothing";
  EXPECT_EQ(Answer(survey, 1).code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "one response per ticket";
  v1::Kpis k = Today();
  EXPECT_EQ(k.responses(), 1);
  EXPECT_DOUBLE_EQ(k.csat(), 4.0);
  EXPECT_DOUBLE_EQ(k.response_rate(), 1.0);
  EXPECT_EQ(k.overall_distribution(3), 1);
  EXPECT_GT(k.resolve_p50_minutes(), 0);
  // The team's scorecard, with the previous period beside it.
  v1::GetScorecardRequest sc;
  sc.set_site_id("demo");
  sc.set_team("plumbing");
  *sc.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
  *sc.mutable_to() = ToTimestamp(HK(2026, 12, 8, 0));
  auto card = CallRpc(*surveys_, &v1::SurveyService::Stub::GetScorecard, sc, kTechToken);
  ASSERT_TRUE(card.ok()) << card.status.error_message();
  EXPECT_EQ(card.value.current().responses(), 1);
  EXPECT_EQ(card.value.current().resolved(), 1);
  EXPECT_EQ(card.value.current().volume(), 1)
      << "volume counts against the team once the ticket is assigned";
  EXPECT_EQ(k.volume(), 1) << "and only once in the estate's total";
  v1::GetTrendsRequest by_team;
  by_team.set_site_id("demo");
  by_team.set_period(v1::PERIOD_MONTH);
  by_team.set_group_by("team");
  *by_team.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
  *by_team.mutable_to() = ToTimestamp(HK(2027, 1, 1, 0));
  auto teams = CallRpc(*surveys_, &v1::SurveyService::Stub::GetTrends, by_team, kAgentToken);
  ASSERT_TRUE(teams.ok()) << teams.status.error_message();
  std::map<std::string, int64_t> volume;
  for (const auto& series : teams.value.series())
    volume[series.group()] += series.points(0).kpis().volume();
  EXPECT_EQ(volume["plumbing"], 1);
  EXPECT_EQ(volume[""], 0) << "no longer counted as without a team";
  EXPECT_EQ(card.value.previous().responses(), 0);
  EXPECT_EQ(FromTimestamp(card.value.previous_from()), HK(2026, 11, 24, 0));
  // Bad answers change nothing.
  v1::SubmitResponseRequest bad;
  bad.set_survey_id(survey);
  bad.mutable_answer()->set_overall(9);
  EXPECT_EQ(CallRpc(*surveys_, &v1::SurveyService::Stub::SubmitResponse, bad, kAdapterToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CallRpc(*surveys_, &v1::SurveyService::Stub::SubmitResponse, bad, kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SurveysTest, ALowScoreOpensAFollowUpAndNotFixedReopensTheTicket) {
  std::string id = NewRepair();
  clock_.Set(HK(2026, 12, 2, 10));
  Resolve(id);
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SCHEDULED));
  clock_.Set(HK(2026, 12, 2, 12, 1));
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SENT));
  ASSERT_TRUE(Answer(Survey(id).id(), 1, true, "still dripping").ok());
  // Not fixed: the ticket is reopened through RepairService.
  v1::GetTicketRequest get;
  get.set_id(id);
  ASSERT_TRUE(WaitFor([&] {
    return CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken)
               .value.status() == v1::TICKET_STATUS_REOPENED;
  }));
  // A follow-up for the service desk, with the scores and the comment.
  v1::ListFollowUpsRequest list;
  list.set_site_id("demo");
  auto open = CallRpc(*surveys_, &v1::SurveyService::Stub::ListFollowUps, list, kAgentToken);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open.value.follow_ups_size(), 1);
  const v1::FollowUpTask& f = open.value.follow_ups(0);
  EXPECT_EQ(f.ticket_id(), id);
  EXPECT_EQ(f.answer().comment(), "still dripping");
  EXPECT_EQ(FromTimestamp(f.due_at()), HK(2026, 12, 2, 16, 1));
  // Not done in four hours: escalated.
  clock_.Set(HK(2026, 12, 2, 16, 2));
  ASSERT_TRUE(WaitFor([&] {
    auto l = CallRpc(*surveys_, &v1::SurveyService::Stub::ListFollowUps, list, kAgentToken);
    return l.value.follow_ups_size() == 1 && l.value.follow_ups(0).escalated();
  }));
  bool overdue = false;
  auto events = server().conn().Command({"XRANGE", "lobby:q:surveys", "-", "+"});
  for (const auto& e : queue::ParseEntries(*events))
    overdue |= e.Get("type") == "follow_up.overdue" && e.Get("notify") == "mak-mgr";
  EXPECT_TRUE(overdue);
  v1::CompleteFollowUpRequest done;
  done.set_id(f.id());
  done.set_outcome("called back; plumber returns tomorrow with a new washer");
  auto completed =
      CallRpc(*surveys_, &v1::SurveyService::Stub::CompleteFollowUp, done, kAgentToken);
  ASSERT_TRUE(completed.ok()) << completed.status.error_message();
  EXPECT_EQ(completed.value.done_by(), "bob");
  EXPECT_EQ(CallRpc(*surveys_, &v1::SurveyService::Stub::ListFollowUps, list, kAgentToken)
                .value.follow_ups_size(),
            0);
  // The done ones too, with what was found (the dashboard's low scores, the monthly report).
  list.set_include_done(true);
  auto all = CallRpc(*surveys_, &v1::SurveyService::Stub::ListFollowUps, list, kAgentToken);
  ASSERT_EQ(all.value.follow_ups_size(), 1);
  EXPECT_EQ(all.value.follow_ups(0).status(), v1::FOLLOW_UP_STATUS_DONE);
  EXPECT_EQ(all.value.follow_ups(0).outcome(), done.outcome());
  v1::Kpis k = Today();
  EXPECT_EQ(k.follow_ups(), 1);
  EXPECT_DOUBLE_EQ(k.reopen_rate(), 1.0);
  EXPECT_DOUBLE_EQ(k.first_time_fix_rate(), 0.0) << "reopened: not fixed the first time";
}

// On the 1st at 09:00 of the estate's time, each manager named in the settings gets the link to
// last month's report on their channel, in their language; once, and again a month later. An
// overdue follow-up reaches the member it escalates to the same way.
TEST_F(SurveysTest, TheMonthlyReportsLinkReachesTheManagersOnTheFirstAtNine) {
  lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
languages: [zh-Hant, en]
teams: [{id: office, categories: [billing]}, {id: plumbing, categories: [plumbing]}]
members:
  - {id: mak-mgr, teams: [office], contact: {channel: telegram, id: "5550020"}, language: en}
  - {id: ho, teams: [office], contact: {channel: whatsapp, id: "85291230021"}}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3}, on_call: true}
)");
  v1::ApplySurveySettingsRequest apply;
  apply.set_yaml(
      std::string(kSettings) +
      "  monthly_report: {to: [mak-mgr, ho], console: \"https://lobby.example.com/\"}\n");
  auto applied = CallRpc(*surveys_, &v1::SurveyService::Stub::ApplySettings, apply, kAdminToken);
  ASSERT_TRUE(applied.ok()) << applied.status.error_message();
  EXPECT_EQ(applied.value.console_url(), "https://lobby.example.com");
  auto notices = [&](const std::string& channel) {
    std::vector<queue::Entry> out;
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:" + channel, "-", "+"});
    for (auto& e : r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{}) {
      if (e.Get("kind") == "staff_notice") out.push_back(std::move(e));
    }
    return out;
  };
  clock_.Set(HK(2027, 1, 1, 8, 59));
  ASSERT_TRUE(harness_->WholeTurn("surveys"));
  EXPECT_TRUE(notices("telegram").empty()) << "not before nine";
  clock_.Set(HK(2027, 1, 1, 9, 1));
  ASSERT_TRUE(
      WaitFor([&] { return !notices("telegram").empty() && !notices("whatsapp").empty(); }));
  std::vector<queue::Entry> en = notices("telegram"), zh = notices("whatsapp");
  ASSERT_EQ(en.size(), 1u);
  EXPECT_EQ(en[0].Get("to"), "5550020");
  EXPECT_EQ(en[0].Get("text"),
            "Lobby: the monthly report for 2026-12 is ready: "
            "https://lobby.example.com/report?month=2026-12");
  ASSERT_EQ(zh.size(), 1u);
  EXPECT_EQ(zh[0].Get("text"),
            "Lobby：2026-12 月報已備妥：https://lobby.example.com/report?month=2026-12")
      << "the estate's language for a member without one";
  ASSERT_TRUE(harness_->WholeTurn("surveys"));
  EXPECT_EQ(notices("telegram").size(), 1u) << "once a month";
  clock_.Set(HK(2027, 2, 1, 9, 0));
  ASSERT_TRUE(WaitFor([&] { return notices("telegram").size() == 2; }));
  EXPECT_NE(std::string(notices("telegram")[1].Get("text")).find("month=2027-01"),
            std::string::npos);

  // A bad address is refused, and changes nothing.
  apply.set_yaml(std::string(kSettings) + "  monthly_report: {to: [mak-mgr], console: lobby}\n");
  auto bad = CallRpc(*surveys_, &v1::SurveyService::Stub::ApplySettings, apply, kAdminToken);
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.status.error_message().find("monthly_report.console"), std::string::npos)
      << bad.status.error_message();

  // The low score's follow-up not done in time reaches mak-mgr (follow_up_escalate_to) too.
  std::string id = NewRepair();
  v1::GetTicketRequest get;
  get.set_id(id);
  ASSERT_TRUE(WaitFor([&] {  // dispatch gives it to lee
    return CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken)
               .value.assignee() == "lee";
  }));
  Do(id, {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE});
  clock_.Set(HK(2027, 2, 1, 12, 0));
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SENT));
  ASSERT_TRUE(Answer("SV-" + id, 1, false, "nobody came").ok());
  clock_.Set(HK(2027, 2, 1, 16, 30));
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : notices("telegram")) {
      if (absl::StrContains(e.Get("text"), "follow-up is overdue: " + id)) return true;
    }
    return false;
  }));
}

TEST_F(SurveysTest, AnonymousComplaintsAreSurveyedWithoutShowingTheReporterToStaff) {
  auto complaints = v1::ComplaintService::NewStub(harness_->channel);
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id("demo");
  t->mutable_location()->set_building("Tower 1");
  t->mutable_location()->set_area("lobby");
  t->set_category("noise");
  t->set_channel(v1::CHANNEL_LINE);
  t->set_description("karaoke every night");
  t->mutable_reporter()->set_resident_id(resident_);
  t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
  t->mutable_complaint()->set_anonymous(true);
  auto created =
      CallRpc(*complaints, &v1::ComplaintService::Stub::CreateComplaint, req, kAdapterToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  std::string id = created.value.id();
  v1::AssignRequest a;
  a.set_id(id);
  a.set_team("desk");
  a.set_assignee("ng");
  ASSERT_TRUE(CallRpc(*complaints, &v1::ComplaintService::Stub::Assign, a, kAdminToken).ok());
  for (auto action : {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_SUBMIT_REVIEW,
                      v1::TICKET_ACTION_APPROVE}) {
    v1::TransitionRequest tr;
    tr.set_id(id);
    tr.set_action(action);
    auto r = CallRpc(*complaints, &v1::ComplaintService::Stub::Transition, tr, kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
  }
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SCHEDULED));
  EXPECT_TRUE(Survey(id).anonymous());
  EXPECT_EQ(Survey(id, kAdapterToken).resident_id(), resident_)
      << "the adapter must reach the resident";
  EXPECT_EQ(Survey(id, kAgentToken).resident_id(), "") << "the desk does not see who complained";
  EXPECT_EQ(Survey(id, kTechToken).resident_id(), "");
  clock_.Advance(absl::Hours(3));
  ASSERT_TRUE(WaitStatus(id, v1::SURVEY_STATUS_SENT));
  auto sent = Outbound("line");
  ASSERT_EQ(sent.size(), 1u) << "surveyed on the channel it came from";
}

TEST_F(SurveysTest, NpsCampaignsSampleResidentsAtMostOnceAQuarter) {
  for (const char* phone : {"+85291234001", "+85291234002"}) {
    v1::CreateResidentRequest req;
    auto* r = req.mutable_resident();
    r->set_name("Neighbour");
    r->add_phones(phone);
    r->mutable_unit()->set_site_id("demo");
    r->mutable_unit()->set_building("Tower 1");
    r->mutable_unit()->set_floor("5");
    r->mutable_unit()->set_room(std::string(1, phone[11]));
    r->set_role(v1::RESIDENT_ROLE_TENANT);
    r->set_preferred_channel(v1::CHANNEL_SMS);
    ASSERT_TRUE(
        CallRpc(*residents_, &v1::ResidentService::Stub::CreateResident, req, kAdminToken).ok());
  }
  v1::StartCampaignRequest start;
  start.set_site_id("demo");
  start.set_title("Winter 2026");
  auto c = CallRpc(*surveys_, &v1::SurveyService::Stub::StartCampaign, start, kAdminToken);
  ASSERT_TRUE(c.ok()) << c.status.error_message();
  auto nps = [&] {
    std::vector<queue::Entry> out;
    for (const char* ch : {"sms", "whatsapp"}) {
      for (auto& e : Outbound(ch)) {
        if (e.Get("survey_id").rfind("NPS-", 0) == 0) out.push_back(e);
      }
    }
    return out;
  };
  ASSERT_TRUE(WaitFor([&] { return nps().size() == 3; }))
      << nps().size();  // every resident of Tower 1 (sample 20)
  auto first = nps();
  EXPECT_EQ(first[0].Get("questions"), "nps:nps,comment:text");
  std::string survey(first[0].Get("survey_id"));
  v1::SubmitResponseRequest answer;
  answer.set_survey_id(survey);
  answer.mutable_answer()->set_nps(10);
  ASSERT_TRUE(
      CallRpc(*surveys_, &v1::SurveyService::Stub::SubmitResponse, answer, kAdapterToken).ok());
  // A second campaign the same quarter asks nobody again.
  clock_.Advance(absl::Hours(24 * 30));
  ASSERT_TRUE(CallRpc(*surveys_, &v1::SurveyService::Stub::StartCampaign, start, kAdminToken).ok());
  ASSERT_TRUE(harness_->WholeTurn("surveys"));
  EXPECT_EQ(nps().size(), 3u);
  v1::GetTrendsRequest req;
  req.set_site_id("demo");
  req.set_period(v1::PERIOD_MONTH);
  *req.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
  *req.mutable_to() = ToTimestamp(HK(2027, 2, 1, 0));
  auto trends = CallRpc(*surveys_, &v1::SurveyService::Stub::GetTrends, req, kAgentToken);
  ASSERT_TRUE(trends.ok());
  int64_t responses = 0;
  double score = 0;
  for (const auto& p : trends.value.series(0).points()) {
    responses += p.kpis().nps_responses();
    if (p.kpis().nps_responses()) score = p.kpis().nps();
  }
  EXPECT_EQ(responses, 1);
  EXPECT_DOUBLE_EQ(score, 100);
}

TEST_F(SurveysTest, RepeatFaultsAndTheHeatmap) {
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Hours(24 * 20));
    NewRepair();
  }
  v1::RepeatFaultsRequest req;
  req.set_site_id("demo");
  v1::RepeatFaultsResponse faults;
  ASSERT_TRUE(WaitFor([&] {
    faults = CallRpc(*surveys_, &v1::SurveyService::Stub::RepeatFaults, req, kAgentToken).value;
    return faults.faults_size() == 1;
  }));
  EXPECT_EQ(faults.faults(0).unit(), "Tower 1/3/A");
  EXPECT_EQ(faults.faults(0).category(), "plumbing");
  EXPECT_EQ(faults.faults(0).tickets_size(), 3);
  clock_.Advance(absl::Hours(24 * 55));  // the first is now older than 90 days
  EXPECT_EQ(CallRpc(*surveys_, &v1::SurveyService::Stub::RepeatFaults, req, kAgentToken)
                .value.faults_size(),
            0);

  v1::GetBuildingHeatmapRequest heat;
  heat.set_site_id("demo");
  *heat.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
  *heat.mutable_to() = ToTimestamp(HK(2027, 3, 1, 0));
  auto map = CallRpc(*surveys_, &v1::SurveyService::Stub::GetBuildingHeatmap, heat, kAgentToken);
  ASSERT_TRUE(map.ok()) << map.status.error_message();
  ASSERT_EQ(map.value.cells_size(), 1);
  EXPECT_EQ(map.value.cells(0).building(), "Tower 1");
  EXPECT_EQ(map.value.cells(0).volume(), 3);
}

}  // namespace
}  // namespace lobby::surveys
