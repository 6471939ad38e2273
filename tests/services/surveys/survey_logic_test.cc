// Surveys' rules on their own: an in-memory SurveyStore (versions, the due index, counters and
// the streams kept as RedisSurveyStore keeps them), residents and the ticket service faked in
// memory, ticket events in their real format (tickets::TicketEvent) and the fake clock; Tick() is
// called directly, so no timer loop, no Redis and no waiting.
#include "services/surveys/survey_logic.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "services/common/proto_util.h"
#include "services/tickets/ticket_logic.h"
#include "tests/services/surveys/survey_fixtures.h"

namespace lobby::surveys {
namespace {

class MemorySurveyStore final : public SurveyStore {
 public:
  absl::StatusOr<std::optional<v1::SurveySettings>> GetSettings(absl::string_view site) override {
    auto it = settings_.find(std::string(site));
    if (it == settings_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status PutSettings(const v1::SurveySettings& s) override {
    settings_[s.site_id()] = s;
    sites_.insert(s.site_id());
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> SiteOf(absl::string_view id) override {
    auto it = dir_.find(std::string(id));
    if (it == dir_.end())
      return absl::NotFoundError(absl::StrCat("no survey or follow-up '", id, "'"));
    return it->second;
  }
  absl::StatusOr<std::optional<v1::Survey>> GetSurvey(absl::string_view site,
                                                      absl::string_view id) override {
    return Find(surveys_, site, id);
  }
  absl::StatusOr<std::optional<v1::FollowUpTask>> GetFollowUp(absl::string_view site,
                                                              absl::string_view id) override {
    return Find(follow_ups_, site, id);
  }
  absl::Status Apply(const Change& c) override {
    if (!fail_.ok()) return fail_;
    auto stale = [&](const auto& records, const auto& r) {
      auto it = records.find(c.site + "/" + r.id());
      return (it == records.end() ? 0 : it->second.version()) != r.version() - 1;
    };
    if ((c.survey && stale(surveys_, *c.survey)) ||
        (c.follow_up && stale(follow_ups_, *c.follow_up)))
      return absl::AbortedError("changed meanwhile");
    if (c.survey) {
      surveys_[c.site + "/" + c.survey->id()] = *c.survey;
      dir_[c.survey->id()] = c.site;
    }
    if (c.follow_up) {
      follow_ups_[c.site + "/" + c.follow_up->id()] = *c.follow_up;
      dir_[c.follow_up->id()] = c.site;
    }
    for (const auto& [member, ms] : c.due) due_[c.site][member] = ms;
    for (const auto& member : c.undue) due_[c.site].erase(member);
    Count(c.site, c.counts);
    if (!c.event.empty()) events_.push_back(c.event);
    for (const auto& m : c.messages) messages_.push_back(m);
    sites_.insert(c.site);
    return absl::OkStatus();
  }
  absl::StatusOr<bool> CountEvent(absl::string_view site, absl::string_view entry_id,
                                  absl::string_view ticket,
                                  const std::vector<std::pair<std::string, std::string>>& facts,
                                  const std::vector<Increment>& counts) override {
    if (!counted_.insert(absl::StrCat(site, "/", entry_id)).second) return false;
    for (const auto& [k, v] : facts) facts_[absl::StrCat(site, "/", ticket)][k] = v;
    Count(std::string(site), counts);
    sites_.insert(std::string(site));
    return true;
  }
  absl::StatusOr<std::map<std::string, std::string>> TicketFacts(
      absl::string_view site, absl::string_view ticket) override {
    return facts_[absl::StrCat(site, "/", ticket)];
  }
  absl::Status NoteUnitFault(absl::string_view site, absl::string_view unit_category,
                             absl::string_view ticket, int64_t at_ms) override {
    faults_[absl::StrCat(site, "/", unit_category)][std::string(ticket)] = at_ms;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> RepeatFaults(
      absl::string_view site, int64_t since_ms) override {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    std::string prefix = absl::StrCat(site, "/");
    for (const auto& [key, tickets] : faults_) {
      if (key.rfind(prefix, 0) != 0) continue;
      std::vector<std::string> recent;
      for (const auto& [t, at] : tickets) {
        if (at >= since_ms) recent.push_back(t);
      }
      if (recent.size() >= 3) out.emplace_back(key.substr(prefix.size()), std::move(recent));
    }
    return out;
  }
  absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, int64_t now_ms,
                                                    int64_t lease_ms, int limit) override {
    std::vector<std::string> out;
    for (auto& [member, ms] : due_[std::string(site)]) {
      if (ms > now_ms || static_cast<int>(out.size()) == limit) continue;
      ms = now_ms + lease_ms;
      out.push_back(member);
    }
    return out;
  }
  absl::StatusOr<std::vector<std::string>> Sites() override {
    return std::vector<std::string>(sites_.begin(), sites_.end());
  }
  absl::StatusOr<std::vector<v1::FollowUpTask>> ListFollowUps(absl::string_view site,
                                                              bool include_done,
                                                              int done_limit) override {
    std::vector<v1::FollowUpTask> out, done;
    for (const auto& [key, f] : follow_ups_) {
      if (f.site_id() != site) continue;
      if (f.status() == v1::FOLLOW_UP_STATUS_OPEN)
        out.push_back(f);
      else if (include_done)
        done.push_back(f);
    }
    std::sort(done.begin(), done.end(), [](const auto& a, const auto& b) {
      return a.done_at().seconds() > b.done_at().seconds();
    });
    if (static_cast<int>(done.size()) > done_limit) done.resize(done_limit);
    out.insert(out.end(), done.begin(), done.end());
    return out;
  }
  absl::StatusOr<std::vector<v1::FollowUpTask>> FollowUps(
      absl::string_view site, const std::vector<std::string>& ids) override {
    std::vector<v1::FollowUpTask> out;
    for (const auto& id : ids) {
      auto it = follow_ups_.find(absl::StrCat(site, "/", id));
      if (it != follow_ups_.end()) out.push_back(it->second);
    }
    return out;
  }
  absl::StatusOr<std::vector<std::vector<std::pair<std::string, std::string>>>> ReadCounters(
      absl::string_view site, const std::vector<std::string>& keys) override {
    std::vector<std::vector<std::pair<std::string, std::string>>> out;
    for (const auto& k : keys) {
      auto& fields = out.emplace_back();
      for (const auto& [f, v] : counters_[absl::StrCat(site, "/", k)])
        fields.emplace_back(f, std::to_string(v));
    }
    return out;
  }
  absl::StatusOr<std::vector<std::string>> MarkAsked(absl::string_view site,
                                                     const std::vector<std::string>& residents,
                                                     int64_t since_ms, int64_t now_ms) override {
    std::vector<std::string> out;
    for (const auto& r : residents) {
      int64_t& last = asked_[absl::StrCat(site, "/", r)];
      if (last != 0 && last >= since_ms) continue;
      last = now_ms;
      out.push_back(r);
    }
    return out;
  }

  // What went out to residents, and what was published on lobby:q:surveys.
  std::vector<queue::Entry> Sent(const std::string& stream) const {
    std::vector<queue::Entry> out;
    for (const auto& [s, fields] : messages_) {
      if (s == stream) out.push_back({"", fields});
    }
    return out;
  }
  std::vector<queue::Entry> Events(const std::string& type) const {
    std::vector<queue::Entry> out;
    for (const auto& fields : events_) {
      queue::Entry e{"", fields};
      if (e.Get("type") == type) out.push_back(std::move(e));
    }
    return out;
  }
  std::optional<int64_t> DueAt(const std::string& member) {
    auto it = due_["demo"].find(member);
    if (it == due_["demo"].end()) return std::nullopt;
    return it->second;
  }

  absl::Status fail_ = absl::OkStatus();

 private:
  template <typename Proto>
  static std::optional<Proto> Find(const std::map<std::string, Proto>& records,
                                   absl::string_view site, absl::string_view id) {
    auto it = records.find(absl::StrCat(site, "/", id));
    if (it == records.end()) return std::nullopt;
    return it->second;
  }
  void Count(const std::string& site, const std::vector<Increment>& counts) {
    for (const auto& inc : counts) counters_[site + "/" + inc.key][inc.field] += inc.delta;
  }

  std::map<std::string, v1::SurveySettings> settings_;
  std::set<std::string> sites_;
  std::map<std::string, std::string> dir_;
  std::map<std::string, v1::Survey> surveys_;
  std::map<std::string, v1::FollowUpTask> follow_ups_;
  std::map<std::string, std::map<std::string, int64_t>> due_;
  std::set<std::string> counted_;
  std::map<std::string, std::map<std::string, std::string>> facts_;
  std::map<std::string, std::map<std::string, int64_t>> faults_;
  std::map<std::string, std::map<std::string, int64_t>> counters_;
  std::map<std::string, int64_t> asked_;
  std::vector<queue::Fields> events_;
  std::vector<std::pair<std::string, queue::Fields>> messages_;
};

class FakeResidents final : public ResidentDirectory {
 public:
  absl::StatusOr<v1::Resident> Get(absl::string_view id) override {
    auto it = residents_.find(std::string(id));
    if (it == residents_.end()) return absl::NotFoundError(absl::StrCat("no resident '", id, "'"));
    return it->second;
  }
  absl::StatusOr<std::vector<v1::Resident>> InBuilding(absl::string_view site,
                                                       absl::string_view building) override {
    std::vector<v1::Resident> out;
    for (const auto& [id, r] : residents_) {
      if (r.unit().site_id() == site && r.unit().building() == building) out.push_back(r);
    }
    return out;
  }
  std::map<std::string, v1::Resident> residents_;
};

// RepairService's Reopen, failing with `fail_` while it is set (an unreachable service).
class FakeReopener final : public TicketReopener {
 public:
  absl::Status Reopen(absl::string_view ticket, absl::string_view note) override {
    attempts_++;
    if (!fail_.ok()) return fail_;
    reopened_.emplace_back(ticket, note);
    return absl::OkStatus();
  }
  absl::Status fail_ = absl::OkStatus();
  int attempts_ = 0;
  std::vector<std::pair<std::string, std::string>> reopened_;
};

class SurveyLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(HK(2026, 12, 1, 18));
    v1::ApplySurveySettingsRequest apply;
    apply.set_yaml(kSettings);
    ASSERT_TRUE(logic_.ApplySettings(apply).ok());
    v1::Resident& r = residents_.residents_["RS-10001"];
    r.set_id("RS-10001");
    r.set_language("zh-Hant");
    r.mutable_unit()->set_site_id("demo");
    r.mutable_unit()->set_building("Tower 1");
    r.mutable_quiet_hours()->set_start("22:00");
    r.mutable_quiet_hours()->set_end("08:00");
    r.set_preferred_channel(v1::CHANNEL_SMS);
    ticket_.set_id("R-10001");
    ticket_.set_site_id("demo");
    ticket_.set_category("plumbing");
    ticket_.set_priority(v1::PRIORITY_P3);
    ticket_.set_channel(v1::CHANNEL_WHATSAPP);
    ticket_.mutable_location()->set_building("Tower 1");
    ticket_.mutable_reporter()->set_resident_id("RS-10001");
    ticket_.mutable_repair();
  }
  // The ticket's event as the tickets service publishes it, handed to the `surveys` consumer.
  void Event(const std::string& type, v1::TicketStatus status) {
    v1::TicketStatus from = ticket_.status();
    ticket_.set_status(status);
    ticket_.set_version(ticket_.version() + 1);
    queue::Entry e{absl::StrCat(++entries_, "-0"),
                   tickets::TicketEvent(ticket_, type, from, "lee", "", clock_.Now())};
    ASSERT_TRUE(logic_.HandleEvent(e).ok()) << type;
    last_ = std::move(e);
  }
  void Resolve() {
    Event("ticket.created", v1::TICKET_STATUS_NEW);
    ticket_.set_team("plumbing");
    ticket_.set_assignee("lee");
    Event("ticket.assigned", v1::TICKET_STATUS_ASSIGNED);
    Event("ticket.resolved", v1::TICKET_STATUS_RESOLVED);
  }
  v1::Survey Survey() { return *store_.GetSurvey("demo", "SV-R-10001").value(); }
  absl::StatusOr<v1::Survey> Answer(int overall, bool not_fixed = false,
                                    const std::string& comment = "") {
    v1::SubmitResponseRequest req;
    req.set_survey_id("SV-R-10001");
    req.mutable_answer()->set_overall(overall);
    req.mutable_answer()->set_not_fixed(not_fixed);
    req.mutable_answer()->set_comment(comment);
    return logic_.SubmitResponse(req,
                                 auth::Principal{.role = auth::Role::kAdapter, .name = "whatsapp"});
  }
  v1::Kpis Month() {
    v1::GetTrendsRequest req;
    req.set_site_id("demo");
    req.set_period(v1::PERIOD_MONTH);
    *req.mutable_from() = ToTimestamp(HK(2026, 12, 1, 0));
    *req.mutable_to() = ToTimestamp(HK(2027, 1, 1, 0));
    auto r = logic_.GetTrends(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->series_size() ? r->series(0).points(0).kpis() : v1::Kpis();
  }

  FakeClock clock_;
  MemorySurveyStore store_;
  FakeResidents residents_;
  FakeReopener tickets_;
  SurveyLogic logic_{store_, clock_, residents_, tickets_};
  v1::Ticket ticket_;
  int entries_ = 0;
  queue::Entry last_;
};

TEST_F(SurveyLogicTest, SentAfterTheDelayAndTheQuietHoursThenRemindedThenExpired) {
  clock_.Set(HK(2026, 12, 1, 20, 30));
  Resolve();
  v1::Survey s = Survey();
  EXPECT_EQ(s.status(), v1::SURVEY_STATUS_SCHEDULED);
  EXPECT_EQ(FromTimestamp(s.send_at()), HK(2026, 12, 1, 22, 30)) << "two hours after resolution";
  EXPECT_EQ(s.team(), "plumbing");
  EXPECT_EQ(s.member(), "lee");

  clock_.Set(HK(2026, 12, 1, 22, 29));
  EXPECT_EQ(*logic_.Tick(), 0);         // not yet
  clock_.Set(HK(2026, 12, 1, 22, 31));  // due, but the resident's quiet hours have begun
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_SCHEDULED);
  EXPECT_TRUE(store_.Sent("lobby:q:outbound:whatsapp").empty());
  EXPECT_EQ(store_.DueAt("s:SV-R-10001"), absl::ToUnixMillis(HK(2026, 12, 2, 8, 0)))
      << "put back to the end of the quiet hours";

  clock_.Set(HK(2026, 12, 2, 8, 0));
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_SENT);
  auto sent = store_.Sent("lobby:q:outbound:whatsapp");  // the channel the ticket came from
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Get("kind"), "survey");
  EXPECT_EQ(sent[0].Get("resident_id"), "RS-10001");
  EXPECT_EQ(sent[0].Get("language"), "zh-Hant");
  EXPECT_EQ(sent[0].Get("question.overall"), "整體滿意度？(1-5)");
  EXPECT_NE(sent[0].Get("text").find("R-10001"), absl::string_view::npos);

  clock_.Set(HK(2026, 12, 3, 8, 1));  // a day later: one reminder
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_REMINDED);
  sent = store_.Sent("lobby:q:outbound:whatsapp");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].Get("kind"), "survey_reminder");

  clock_.Set(HK(2026, 12, 5, 8, 1));  // three days after sending
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_EXPIRED);
  EXPECT_EQ(store_.Sent("lobby:q:outbound:whatsapp").size(), 2u) << "one reminder only";
  EXPECT_EQ(store_.DueAt("s:SV-R-10001"), std::nullopt) << "nothing more to do";
  EXPECT_TRUE(absl::IsFailedPrecondition(Answer(5).status())) << "expired";

  v1::Kpis k = Month();
  EXPECT_EQ(k.volume(), 1);
  EXPECT_EQ(k.surveys_sent(), 1);
  EXPECT_EQ(k.responses(), 0);
  EXPECT_EQ(k.resolved(), 1);
  EXPECT_DOUBLE_EQ(k.volume_per_1000_units(), 2.5);
}

TEST_F(SurveyLogicTest, ARedeliveredEventIsCountedOnceAndSchedulesOneSurvey) {
  Resolve();
  int64_t version = Survey().version();
  ASSERT_TRUE(logic_.HandleEvent(last_).ok());  // ticket.resolved again
  EXPECT_EQ(Survey().version(), version);
  EXPECT_EQ(store_.Events("survey.scheduled").size(), 1u);
  EXPECT_EQ(Month().resolved(), 1);
}

TEST_F(SurveyLogicTest, ALowScoreOpensAFollowUpNotFixedReopensAndOverdueEscalates) {
  clock_.Set(HK(2026, 12, 2, 10));
  Resolve();
  clock_.Set(HK(2026, 12, 2, 12, 1));
  ASSERT_EQ(*logic_.Tick(), 1);
  ASSERT_EQ(Survey().status(), v1::SURVEY_STATUS_SENT);

  tickets_.fail_ = absl::UnavailableError("repairs is down");
  auto answered = Answer(1, true, "still dripping");
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->status(), v1::SURVEY_STATUS_ANSWERED);
  EXPECT_EQ(tickets_.attempts_, 0) << "the answer never waits on another service";

  // The reopening is the timer's: kept while the ticket service is down, done once it is back.
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(tickets_.attempts_, 1);
  EXPECT_TRUE(tickets_.reopened_.empty());
  tickets_.fail_ = absl::OkStatus();
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(*logic_.Tick(), 1);
  ASSERT_EQ(tickets_.reopened_.size(), 1u);
  EXPECT_EQ(tickets_.reopened_[0].first, "R-10001");
  clock_.Advance(absl::Minutes(1));
  (void)logic_.Tick();
  EXPECT_EQ(tickets_.reopened_.size(), 1u) << "reopened once";

  // A follow-up for the service desk, with the scores and the comment, due in four hours.
  v1::ListFollowUpsRequest list;
  list.set_site_id("demo");
  auto open = logic_.ListFollowUps(list);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->follow_ups_size(), 1);
  const v1::FollowUpTask f = open->follow_ups(0);
  EXPECT_EQ(f.ticket_id(), "R-10001");
  EXPECT_EQ(f.team(), "plumbing");
  EXPECT_EQ(f.answer().comment(), "still dripping");
  EXPECT_EQ(FromTimestamp(f.due_at()), HK(2026, 12, 2, 16, 1));
  EXPECT_FALSE(f.escalated());

  clock_.Set(HK(2026, 12, 2, 16, 2));  // not done in time: escalated, once
  (void)logic_.Tick();
  (void)logic_.Tick();
  auto overdue = store_.Events("follow_up.overdue");
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].Get("notify"), "mak-mgr");
  EXPECT_TRUE(logic_.ListFollowUps(list)->follow_ups(0).escalated());

  v1::CompleteFollowUpRequest done;
  done.set_id(f.id());
  done.set_outcome("called back; plumber returns tomorrow with a new washer");
  auto completed =
      logic_.CompleteFollowUp(done, auth::Principal{.role = auth::Role::kAgent, .name = "bob"});
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->done_by(), "bob");
  EXPECT_EQ(logic_.ListFollowUps(list)->follow_ups_size(), 0);
  EXPECT_EQ(Month().follow_ups(), 1);
  EXPECT_DOUBLE_EQ(Month().csat(), 1.0);
}

TEST_F(SurveyLogicTest, OptedOutChannelsAreAvoidedAndResidentsWhoLeftAreNotAsked) {
  // Opted out of WhatsApp: the survey goes by the preferred channel instead.
  residents_.residents_["RS-10001"].add_opted_out_channels(v1::CHANNEL_WHATSAPP);
  clock_.Set(HK(2026, 12, 2, 10));
  Resolve();
  clock_.Set(HK(2026, 12, 2, 12, 1));
  (void)logic_.Tick();
  EXPECT_TRUE(store_.Sent("lobby:q:outbound:whatsapp").empty());
  ASSERT_EQ(store_.Sent("lobby:q:outbound:sms").size(), 1u);

  // Opted out everywhere, or gone from the register: cancelled, nothing sent.
  ticket_.set_id("R-10002");
  ticket_.set_status(v1::TICKET_STATUS_UNSPECIFIED);
  residents_.residents_["RS-10001"].add_opted_out_channels(v1::CHANNEL_SMS);
  Resolve();
  ticket_.set_id("R-10003");
  ticket_.set_status(v1::TICKET_STATUS_UNSPECIFIED);
  ticket_.mutable_reporter()->set_resident_id("RS-19999");
  Resolve();
  clock_.Advance(absl::Hours(3));
  EXPECT_EQ(*logic_.Tick(), 2);
  EXPECT_EQ(store_.GetSurvey("demo", "SV-R-10002").value()->status(), v1::SURVEY_STATUS_CANCELLED);
  EXPECT_EQ(store_.GetSurvey("demo", "SV-R-10003").value()->status(), v1::SURVEY_STATUS_CANCELLED);
  EXPECT_EQ(store_.Sent("lobby:q:outbound:sms").size(), 1u);
  EXPECT_EQ(Month().surveys_sent(), 1);
}

TEST_F(SurveyLogicTest, AFailedWriteChangesNothingAndTheNextTickDoesIt) {
  clock_.Set(HK(2026, 12, 2, 10));
  Resolve();
  clock_.Set(HK(2026, 12, 2, 12, 1));
  store_.fail_ = absl::UnavailableError("redis is down");
  (void)logic_.Tick();
  store_.fail_ = absl::OkStatus();
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_SCHEDULED);
  EXPECT_TRUE(store_.Sent("lobby:q:outbound:whatsapp").empty());
  clock_.Advance(absl::Minutes(1));  // the claim's lease runs out: due again
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(Survey().status(), v1::SURVEY_STATUS_SENT);
  EXPECT_EQ(store_.Sent("lobby:q:outbound:whatsapp").size(), 1u);
}

}  // namespace
}  // namespace lobby::surveys
