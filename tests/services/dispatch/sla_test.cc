// The SLA clocks as pure functions of a ticket: business hours across a weekend and a holiday,
// pauses on hold, the warning, the breach and the escalation chain, pages and reassignment.
#include "services/dispatch/sla.h"

#include <gtest/gtest.h>

#include "services/common/proto_util.h"
#include "services/dispatch/estate.h"

namespace lobby::dispatch {
namespace {

const absl::TimeZone kHongKong = absl::FixedTimeZone(8 * 3600);
absl::Time HK(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kHongKong);
}

const char* kEstate = R"(
site: demo
time_zone: Asia/Hong_Kong
business_hours: {weekdays: "09:00-18:00", sat: "09:00-13:00"}
holidays: ["2026-12-25", "2026-12-26"]
teams:
  - {id: plumbing, categories: [plumbing], supervisor: sup}
members:
  - {id: sup, teams: [plumbing], seniority: 3, shifts: {weekdays: "09:00-18:00"}}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3}, shifts: {weekdays: "08:00-17:00"}, leave: [{from: "2026-12-28", to: "2026-12-29"}]}
  - {id: wong, teams: [plumbing], skills: {plumbing: 2}, shifts: {weekdays: "10:00-19:00"}, extra_shifts: [{date: "2026-12-26", hours: "22:00-06:00"}]}
  - {id: boss, teams: [plumbing], seniority: 3, on_call: true}
sla_policies:
  - name: emergency
    match: {priority: [P1]}
    acknowledge: 10m
    arrive: 1h
    resolve: 4h
    reassign_after: 5m
  - name: routine
    match: {kind: [repair]}
    acknowledge: 2h
    arrive: 1d
    resolve: 3d
    business_hours: true
    warn_at: 75%
    unclaimed_after: 30m
escalation:
  - {to: supervisor, after: 0m}
  - {to: boss, after: 1h}
)";

v1::Estate Estate() {
  auto e = ParseEstate(kEstate);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : v1::Estate();
}

/// A repair created at `at`, with its history so far.
struct TicketBuilder {
  v1::Ticket t;
  TicketBuilder(absl::Time at, v1::Priority p = v1::PRIORITY_P3) {
    t.set_id("R-10001");
    t.set_site_id("demo");
    t.set_category("plumbing");
    t.set_priority(p);
    t.mutable_repair();
    *t.mutable_created_at() = ToTimestamp(at);
    Step(at, "created", v1::TICKET_STATUS_NEW);
  }
  TicketBuilder& Step(absl::Time at, const std::string& action, v1::TicketStatus to,
                      const std::string& assignee = "") {
    v1::HistoryEntry* h = t.add_history();
    *h->mutable_at() = ToTimestamp(at);
    h->set_action(action);
    h->set_from_status(t.status());
    h->set_to_status(to);
    t.set_status(to);
    if (action == "assigned") {
      t.set_team("plumbing");
      t.set_assignee(assignee);
    }
    return *this;
  }
  TicketBuilder& Record(const std::string& kind, const std::string& stage, int level,
                        absl::Time at) {
    v1::SlaEvent* e = t.mutable_sla()->add_events();
    e->set_kind(kind);
    e->set_stage(stage);
    e->set_level(level);
    *e->mutable_at() = ToTimestamp(at);
    return *this;
  }
};

TEST(CalendarTest, BusinessHoursSkipNightsWeekendsAndHolidays) {
  v1::Estate e = Estate();
  Calendar c = Calendar::Business(e);
  // Thursday 24 December 17:00 + 4 business hours: one hour on Thursday; Friday 25 and
  // Saturday 26 are holidays, Sunday has no hours; three more on Monday from 09:00.
  EXPECT_EQ(c.Add(HK(2026, 12, 24, 17), absl::Hours(4)), HK(2026, 12, 28, 12));
  // Saturday hours are 09:00-13:00.
  EXPECT_EQ(c.Add(HK(2026, 12, 19, 12), absl::Hours(2)), HK(2026, 12, 21, 10));
  // Starting at night counts from the next opening.
  EXPECT_EQ(c.Add(HK(2026, 12, 22, 23), absl::Minutes(30)), HK(2026, 12, 23, 9, 30));
  // A pause inside the hours is added on; one outside them changes nothing.
  std::vector<Interval> pauses = {{HK(2026, 12, 22, 10), HK(2026, 12, 22, 11)},
                                  {HK(2026, 12, 22, 20), HK(2026, 12, 22, 21)}};
  EXPECT_EQ(c.Add(HK(2026, 12, 22, 9), absl::Hours(3), pauses), HK(2026, 12, 22, 13));
  // 24/7 counts everything but the pauses.
  EXPECT_EQ(Calendar::Always().Add(HK(2026, 12, 24, 17), absl::Hours(4), pauses),
            HK(2026, 12, 24, 21));
  EXPECT_EQ(Calendar::Always().Add(HK(2026, 12, 22, 9), absl::Hours(2), pauses),
            HK(2026, 12, 22, 12));
  // No business hours at all: never.
  EXPECT_EQ(Calendar::Business(v1::Estate()).Add(HK(2026, 12, 22, 9), absl::Hours(1)),
            absl::InfiniteFuture());
}

TEST(CalendarTest, LeaveAndExtraShifts) {
  v1::Estate e = Estate();
  const v1::Member& lee = e.members(1);
  const v1::Member& wong = e.members(2);
  const v1::Member& boss = e.members(3);
  EXPECT_TRUE(OnShift(lee, HK(2026, 12, 24, 9), kHongKong));
  EXPECT_FALSE(OnShift(lee, HK(2026, 12, 28, 9), kHongKong)) << "on leave";
  EXPECT_FALSE(OnShift(lee, HK(2026, 12, 29, 16), kHongKong)) << "on leave, the last day included";
  EXPECT_TRUE(OnShift(lee, HK(2026, 12, 30, 9), kHongKong));
  EXPECT_FALSE(OnShift(wong, HK(2026, 12, 26, 21), kHongKong));
  EXPECT_TRUE(OnShift(wong, HK(2026, 12, 26, 23), kHongKong))
      << "an extra shift on a Saturday night";
  EXPECT_TRUE(OnShift(wong, HK(2026, 12, 27, 5, 59), kHongKong)) << "running past midnight";
  EXPECT_FALSE(OnShift(wong, HK(2026, 12, 27, 6), kHongKong));
  EXPECT_TRUE(OnShift(boss, HK(2026, 12, 27, 3), kHongKong)) << "on call";
}

TEST(SlaTest, PoliciesMatchInOrder) {
  v1::Estate e = Estate();
  EXPECT_EQ(PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P1)->name(), "emergency");
  EXPECT_EQ(PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P3)->name(), "routine");
  EXPECT_EQ(PolicyFor(e, "complaint", "noise", v1::PRIORITY_P3), nullptr);
}

TEST(SlaTest, WarningBreachAndTheEscalationChainInBusinessHours) {
  v1::Estate e = Estate();
  const v1::SlaPolicy* p = PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P3);
  Calendar c = Calendar::Business(e);
  // Thursday 24 December 17:00; assigned to lee a minute later.
  TicketBuilder b(HK(2026, 12, 24, 17));
  b.Step(HK(2026, 12, 24, 17, 1), "assigned", v1::TICKET_STATUS_ASSIGNED, "lee");
  SlaView v = ComputeSla(b.t, *p, c);
  ASSERT_EQ(v.stages.size(), 3u);
  // Acknowledge within 2 business hours: 1 on Thursday, 1 on Monday after the holidays.
  EXPECT_EQ(v.stages[0].name, "acknowledge");
  EXPECT_EQ(v.stages[0].due, HK(2026, 12, 28, 10));
  EXPECT_EQ(v.stages[0].warn_at, HK(2026, 12, 28, 9, 30)) << "75% of two hours";
  EXPECT_EQ(FromTimestamp(v.deadlines.acknowledge_by()), HK(2026, 12, 28, 10));
  EXPECT_EQ(v.deadlines.policy(), "routine");
  EXPECT_TRUE(v.deadlines.business_hours());
  // 1d = 24 business hours: Thursday 1, Monday 9, Tuesday 9, Wednesday 5.
  EXPECT_EQ(FromTimestamp(v.deadlines.arrive_by()), HK(2026, 12, 30, 14));

  // Thursday evening nothing is due; next is the warning on Monday (lee is off shift, but he
  // was off shift when it was assigned too, so it stays with him).
  SlaPlan plan = PlanSla(b.t, v, p, e, HK(2026, 12, 24, 20));
  EXPECT_TRUE(plan.due.empty());
  EXPECT_EQ(plan.next, HK(2026, 12, 28, 9, 30));

  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 28, 9, 30));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kWarn);
  EXPECT_EQ(plan.due[0].stage, "acknowledge");
  EXPECT_EQ(plan.next, HK(2026, 12, 28, 10)) << "then the breach";
  b.Record("warning", "acknowledge", 0, HK(2026, 12, 28, 9, 30));
  EXPECT_TRUE(PlanSla(b.t, v, p, e, HK(2026, 12, 28, 9, 45)).due.empty()) << "warned once";

  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 28, 10));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kBreach);
  b.Record("breach", "acknowledge", 0, HK(2026, 12, 28, 10));
  // The chain: the supervisor at once, the boss an hour later.
  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 28, 10));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kEscalate);
  EXPECT_EQ(plan.due[0].level, 0);
  EXPECT_EQ(plan.next, HK(2026, 12, 28, 11));
  b.Record("escalation", "acknowledge", 0, HK(2026, 12, 28, 10));
  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 28, 11));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].level, 1);
  b.Record("escalation", "acknowledge", 1, HK(2026, 12, 28, 11));

  // Acknowledged at 10:30, on hold from 11:00 (waiting for parts) until Tuesday 11:00: the
  // arrive clock stands still, then resumes with 9 business hours added.
  b.Step(HK(2026, 12, 28, 10, 30), "acknowledged", v1::TICKET_STATUS_ACKNOWLEDGED);
  b.Step(HK(2026, 12, 28, 11), "on_hold", v1::TICKET_STATUS_ON_HOLD);
  *b.t.mutable_sla() = v.deadlines;
  b.Record("breach", "acknowledge", 0, HK(2026, 12, 28, 10));
  v = ComputeSla(b.t, *p, c);
  EXPECT_TRUE(v.paused);
  EXPECT_EQ(FromTimestamp(v.deadlines.arrive_by()), HK(2026, 12, 30, 14))
      << "held: the deadline it had";
  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 30, 15));
  EXPECT_TRUE(plan.due.empty()) << "no breach while on hold";
  EXPECT_EQ(plan.next, absl::InfiniteFuture());
  b.Step(HK(2026, 12, 29, 11), "resumed", v1::TICKET_STATUS_ACKNOWLEDGED);
  v = ComputeSla(b.t, *p, c);
  EXPECT_FALSE(v.paused);
  EXPECT_EQ(FromTimestamp(v.deadlines.arrive_by()), HK(2026, 12, 31, 14))
      << "Wednesday 14:00 + 9 business hours";
  EXPECT_EQ(FromTimestamp(v.deadlines.acknowledge_by()), HK(2026, 12, 28, 10))
      << "a stage met before the hold keeps its deadline";
}

TEST(SlaTest, ABreachMetLateIsStillRecorded) {
  v1::Estate e = Estate();
  const v1::SlaPolicy* p = PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P3);
  TicketBuilder b(HK(2026, 12, 22, 9));
  b.Step(HK(2026, 12, 22, 9), "assigned", v1::TICKET_STATUS_ASSIGNED, "lee");
  b.Step(HK(2026, 12, 22, 12), "acknowledged", v1::TICKET_STATUS_ACKNOWLEDGED);  // due 11:00
  SlaView v = ComputeSla(b.t, *p, Calendar::Business(e));
  SlaPlan plan = PlanSla(b.t, v, p, e, HK(2026, 12, 22, 12, 1));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kBreach);
  EXPECT_EQ(plan.due[0].stage, "acknowledge");
}

TEST(SlaTest, EmergenciesPageAtOnceAndAreReassignedWhenNobodyAcknowledges) {
  v1::Estate e = Estate();
  const v1::SlaPolicy* p = PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P1);
  TicketBuilder b(HK(2026, 12, 22, 10), v1::PRIORITY_P1);
  b.Step(HK(2026, 12, 22, 10), "assigned", v1::TICKET_STATUS_ASSIGNED, "lee");
  SlaView v = ComputeSla(b.t, *p, Calendar::Always());
  EXPECT_EQ(FromTimestamp(v.deadlines.acknowledge_by()), HK(2026, 12, 22, 10, 10));
  SlaPlan plan = PlanSla(b.t, v, p, e, HK(2026, 12, 22, 10));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kPage);
  EXPECT_EQ(plan.next, HK(2026, 12, 22, 10, 5)) << "reassigned after five minutes";
  b.Record("page", "acknowledge", 0, HK(2026, 12, 22, 10));
  plan = PlanSla(b.t, v, p, e, HK(2026, 12, 22, 10, 6));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kReassign);
  EXPECT_EQ(plan.due[0].why, "not acknowledged within 5m");
  // Reassigned: the five minutes start again for the new holder.
  b.Step(HK(2026, 12, 22, 10, 6), "assigned", v1::TICKET_STATUS_ASSIGNED, "wong");
  plan = PlanSla(b.t, ComputeSla(b.t, *p, Calendar::Always()), p, e, HK(2026, 12, 22, 10, 7));
  EXPECT_TRUE(plan.due.empty());
  EXPECT_EQ(plan.next, HK(2026, 12, 22, 10, 8)) << "the warning at 80% of ten minutes";
}

TEST(SlaTest, OffShiftAndUnclaimedWork) {
  v1::Estate e = Estate();
  const v1::SlaPolicy* p = PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P3);
  TicketBuilder held(HK(2026, 12, 22, 16));
  held.Step(HK(2026, 12, 22, 16), "assigned", v1::TICKET_STATUS_ASSIGNED, "lee");
  SlaView v = ComputeSla(held.t, *p, Calendar::Business(e));
  EXPECT_TRUE(PlanSla(held.t, v, p, e, HK(2026, 12, 22, 16, 59)).due.empty());
  SlaPlan plan = PlanSla(held.t, v, p, e, HK(2026, 12, 22, 17, 10));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kReassign);
  EXPECT_EQ(plan.due[0].why, "lee went off shift");

  TicketBuilder pooled(HK(2026, 12, 22, 10));
  pooled.Step(HK(2026, 12, 22, 10), "assigned", v1::TICKET_STATUS_NEW, "");
  v = ComputeSla(pooled.t, *p, Calendar::Business(e));
  plan = PlanSla(pooled.t, v, p, e, HK(2026, 12, 22, 10, 29));
  EXPECT_EQ(plan.next, HK(2026, 12, 22, 10, 30)) << "unclaimed for 30 minutes";
  plan = PlanSla(pooled.t, v, p, e, HK(2026, 12, 22, 10, 30));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0].kind, SlaAction::kEscalate);
  EXPECT_EQ(plan.due[0].stage, "unclaimed");
}

TEST(SlaTest, AReopenedTicketGetsFreshClocks) {
  v1::Estate e = Estate();
  const v1::SlaPolicy* p = PolicyFor(e, "repair", "plumbing", v1::PRIORITY_P3);
  TicketBuilder b(HK(2026, 12, 22, 9));
  b.Step(HK(2026, 12, 22, 9), "assigned", v1::TICKET_STATUS_ASSIGNED, "lee");
  b.Record("breach", "acknowledge", 0, HK(2026, 12, 22, 11));
  b.Step(HK(2026, 12, 22, 12), "acknowledged", v1::TICKET_STATUS_ACKNOWLEDGED);
  b.Step(HK(2026, 12, 22, 13), "resolved", v1::TICKET_STATUS_RESOLVED);
  b.Step(HK(2026, 12, 23, 9), "reopened", v1::TICKET_STATUS_REOPENED);
  SlaView v = ComputeSla(b.t, *p, Calendar::Business(e));
  EXPECT_EQ(v.cycle_start, HK(2026, 12, 23, 9));
  EXPECT_EQ(FromTimestamp(v.deadlines.acknowledge_by()), HK(2026, 12, 23, 11));
  EXPECT_FALSE(v.stages[0].done.has_value()) << "acknowledged before the reopening does not count";
}

TEST(SlaTest, EstateErrorsNameWhatIsWrong) {
  std::string base = "site: demo\nteams: [{id: t}]\nmembers: [{id: m, teams: [t]}]\n";
  for (auto [extra, why] : std::vector<std::pair<std::string, std::string>>{
           {"sla_policies: [{name: x, resolve: 4 hours}]", "a duration"},
           {"sla_policies: [{name: x, resolve: 4h, business_hours: true}]", "no business_hours"},
           {"sla_policies: [{name: x, warn_at: 120%}]", "warn_at"},
           {"sla_policies: [{name: x}, {name: x}]", "twice"},
           {"holidays: [2026-13-01]", "not a date"},
           {"business_hours: {weekdays: \"18:00-09:00\"}", "past midnight"},
           {"escalation: [{to: nobody}]", "neither supervisor nor a member"},
           {"escalation: [{to: m, after: 1h}, {to: supervisor, after: 0m}]", "in order"},
       }) {
    auto r = ParseEstate(base + extra + "\n");
    ASSERT_FALSE(r.ok()) << extra;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << extra << ": " << r.status();
  }
  auto leave = ParseEstate(
      "site: demo\nteams: [{id: t}]\nmembers: [{id: m, teams: [t], leave: [{from: 2026-12-24, to: "
      "2026-12-20}]}]\n");
  EXPECT_FALSE(leave.ok());
}

}  // namespace
}  // namespace lobby::dispatch
