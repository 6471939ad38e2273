// Dispatch's clocks and live delivery in one process against a real Redis: SLA deadlines written
// back on the ticket, the warning, breach and escalation chain under a fake clock (surviving a
// restart), holds, P1 pages and the first to acknowledge, reassignment, the shift sweep, the
// board, and WatchAssignments resumed from a cursor.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/proto_util.h"
#include "services/dispatch/feed.h"
#include "tests/support/harness.h"

namespace lobby::dispatch {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

const absl::TimeZone kHongKong = absl::FixedTimeZone(8 * 3600);
absl::Time HK(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kHongKong);
}

const char* kEstate = R"(
site: demo
time_zone: Asia/Hong_Kong
business_hours: {weekdays: "09:00-18:00"}
holidays: ["2026-12-25"]
teams:
  - {id: plumbing, categories: [plumbing, flooding], supervisor: sup}
  - {id: management, categories: [billing]}
members:
  - {id: sup, teams: [management], seniority: 3, capacity: 2, on_call: true, contact: {channel: telegram, id: "5550001"}}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3, flooding: 3}, seniority: 3, capacity: 5, on_call: true, contact: {channel: whatsapp, id: "85291230001"}}
  - {id: wong, teams: [plumbing], skills: {plumbing: 2, flooding: 2}, seniority: 1, capacity: 5, shifts: {daily: "08:00-20:00"}}
  - {id: boss, teams: [management], seniority: 3, capacity: 1, on_call: true, contact: {channel: sms, id: "+85291230009"}}
sla_policies:
  - name: emergency
    match: {priority: [P1]}
    acknowledge: 15m
    resolve: 4h
    reassign_after: 10m
  - name: routine
    acknowledge: 2h
    arrive: 1d
    resolve: 3d
    business_hours: true
    warn_at: 75%
escalation:
  - {to: supervisor, after: 0m}
  - {to: boss, after: 1h}
)";

class SlaTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    Start();
    lobby::testing::SeedResidents(harness_->channel, 5);
  }
  void TearDown() override { harness_.reset(); }
  void Start() {
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{"--dispatch-tick", "20ms", "--dispatch-sweep", "50ms"});
    dispatch_ = v1::DispatchService::NewStub(harness_->channel);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
  }
  void Apply(const std::string& yaml) {
    v1::ApplyEstateRequest req;
    req.set_yaml(yaml);
    auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
  }
  std::string NewRepair(v1::Priority p, const std::string& category = "plumbing",
                        const std::string& room = "A") {
    return lobby::testing::CreateRepair(
        *repairs_,
        {.priority = p, .category = category, .room = room, .description = "water everywhere"});
  }
  v1::Ticket Repair(const std::string& id) { return lobby::testing::GetRepair(*repairs_, id); }
  /// Waits until the ticket's SLA events hold `kind` for `stage` (and `level`).
  std::optional<v1::SlaEvent> WaitEvent(const std::string& id, const std::string& kind,
                                        const std::string& stage, int level = 0) {
    std::optional<v1::SlaEvent> found;
    WaitFor([&] {
      ticket_ = Repair(id);
      for (const auto& e : ticket_.sla().events()) {
        if (e.kind() == kind && e.stage() == stage && e.level() == level) found = e;
      }
      return found.has_value();
    });
    EXPECT_TRUE(found) << "no " << kind << " " << stage << " " << level << " on " << id;
    return found;
  }
  int Count(const std::string& id, const std::string& kind) {
    int n = 0;
    v1::Ticket t = Repair(id);
    for (const auto& e : t.sla().events()) n += e.kind() == kind;
    return n;
  }
  std::vector<queue::Entry> Stream(const std::string& key) {
    auto r = server().conn().Command({"XRANGE", key, "-", "+"});
    return r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{};
  }
  grpc::Status Act(grpc::Status (v1::DispatchService::Stub::*method)(grpc::ClientContext*,
                                                                     const v1::MemberActionRequest&,
                                                                     v1::Ticket*),
                   const std::string& id, const std::string& member) {
    v1::MemberActionRequest req;
    req.set_ticket_id(id);
    req.set_member(member);
    return CallRpc(*dispatch_, method, req, kAdminToken).status;
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::DispatchService::Stub> dispatch_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  v1::Ticket ticket_;
};

TEST_F(SlaTest, WarningBreachAndEscalationAcrossAHolidayWeekendAndARestart) {
  clock_.Set(HK(2026, 12, 24, 17));  // Thursday before Christmas, 17:00
  Apply(kEstate);
  std::string id = NewRepair(v1::PRIORITY_P3);
  // The deadlines are written back on the ticket: 2 business hours to acknowledge, one this
  // evening and one after Christmas and the weekend.
  ASSERT_TRUE(WaitFor([&] { return Repair(id).sla().has_acknowledge_by(); }));
  v1::Ticket t = Repair(id);
  EXPECT_EQ(t.assignee(), "wong") << "routine work for the junior";
  EXPECT_EQ(FromTimestamp(t.sla().acknowledge_by()), HK(2026, 12, 28, 10));
  EXPECT_EQ(t.sla().policy(), "routine");
  bool sla_set = false;
  for (const auto& e : Stream("lobby:q:tickets"))
    sla_set |= e.Get("type") == "ticket.sla_set" && e.Get("ticket_id") == id;
  EXPECT_TRUE(sla_set) << "the deadlines are an event too";

  clock_.Set(HK(2026, 12, 28, 9, 30));  // Monday, 75% of the time gone
  std::optional<v1::SlaEvent> warning = WaitEvent(id, "warning", "acknowledge");
  ASSERT_TRUE(warning);
  EXPECT_EQ(warning->to(0), "wong");
  EXPECT_EQ(warning->note(), "the acknowledge deadline is Mon 28 Dec 10:00 (+08:00)")
      << "the estate's time, its offset shown";
  EXPECT_EQ(Count(id, "breach"), 0);

  // A restart between the warning and the breach: the timer lives in Redis.
  harness_.reset();
  clock_.Set(HK(2026, 12, 28, 10, 1));
  Start();
  std::optional<v1::SlaEvent> breach = WaitEvent(id, "breach", "acknowledge");
  ASSERT_TRUE(breach);
  EXPECT_EQ(FromTimestamp(breach->due()), HK(2026, 12, 28, 10));
  std::optional<v1::SlaEvent> first = WaitEvent(id, "escalation", "acknowledge", 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->to(0), "sup");
  // The supervisor is told on their channel.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : Stream("lobby:q:outbound:telegram")) {
      if (e.Get("kind") == "staff_notice" && e.Get("ticket_id") == id && e.Get("to") == "5550001")
        return true;
    }
    return false;
  }));
  EXPECT_EQ(Count(id, "escalation"), 1) << "the manager only after an hour";
  clock_.Set(HK(2026, 12, 28, 11, 1));
  std::optional<v1::SlaEvent> second = WaitEvent(id, "escalation", "acknowledge", 1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->to(0), "boss");
  // Every SLA event is also on lobby:q:tickets for surveys and KPIs.
  int breached = 0, escalated = 0;
  for (const auto& e : Stream("lobby:q:tickets")) {
    if (e.Get("ticket_id") != id) continue;
    breached += e.Get("type") == "ticket.sla_breached" && e.Get("stage") == "acknowledge";
    escalated += e.Get("type") == "ticket.escalated";
  }
  EXPECT_EQ(breached, 1);
  EXPECT_EQ(escalated, 2);

  // Acknowledged, then on hold waiting for parts: the arrive clock stops.
  ASSERT_TRUE(Act(&v1::DispatchService::Stub::Acknowledge, id, "wong").ok());
  v1::TransitionRequest hold;
  hold.set_id(id);
  hold.set_action(v1::TICKET_ACTION_HOLD);
  hold.set_hold_reason(v1::HOLD_REASON_WAITING_PARTS);
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, hold, kAdminToken).ok());
  ASSERT_TRUE(WaitFor([&] { return Repair(id).sla().paused(); }));
  absl::Time arrive_by = FromTimestamp(Repair(id).sla().arrive_by());
  EXPECT_EQ(arrive_by, HK(2026, 12, 30, 14));
  clock_.Set(HK(2026, 12, 31, 9));  // past the old deadline, still on hold
  ASSERT_TRUE(harness_->WholeTurn("sla"));
  EXPECT_EQ(Count(id, "breach"), 1) << "no breach while on hold";
  v1::TransitionRequest resume;
  resume.set_id(id);
  resume.set_action(v1::TICKET_ACTION_RESUME);
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, resume, kAdminToken).ok());
  ASSERT_TRUE(WaitFor([&] { return !Repair(id).sla().paused(); }));
  // 3h01 had been counted before the hold (Thursday 17-18, Monday 9-11:01); the other 20h59
  // run from Thursday 31 09:00: 9 that day, 9 on New Year's Day, 2h59 on Monday.
  EXPECT_EQ(FromTimestamp(Repair(id).sla().arrive_by()), HK(2027, 1, 4, 11, 59));
}

TEST_F(SlaTest, EmergenciesPageTheTeamTellTheResidentAndGoToTheFirstToAcknowledge) {
  clock_.Set(HK(2026, 12, 22, 10));
  Apply(kEstate);
  std::string id = NewRepair(v1::PRIORITY_P1, "flooding");
  std::optional<v1::SlaEvent> page = WaitEvent(id, "page", "acknowledge");
  ASSERT_TRUE(page);
  std::vector<std::string> paged(page->to().begin(), page->to().end());
  EXPECT_EQ(paged, (std::vector<std::string>{"lee", "wong", "sup"}))
      << "everyone on shift, and the supervisor";
  EXPECT_EQ(ticket_.assignee(), "lee") << "a senior holds it meanwhile";
  EXPECT_EQ(FromTimestamp(ticket_.sla().acknowledge_by()), HK(2026, 12, 22, 10, 15)) << "24/7";
  // The resident gets the category's safety instructions at once, in every language the
  // catalog has, for the adapter to pick theirs.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : Stream("lobby:q:outbound:whatsapp")) {
      if (e.Get("kind") == "safety_instructions" && e.Get("ticket_id") == id) return true;
    }
    return false;
  }));
  for (const auto& e : Stream("lobby:q:outbound:whatsapp")) {
    if (e.Get("kind") != "safety_instructions") continue;
    EXPECT_EQ(e.Get("resident_id"), "RS-10001");
    EXPECT_FALSE(e.Get("text.en").empty());
    EXPECT_FALSE(e.Get("text.zh-Hant").empty());
  }
  // The pages reach each member's channel (here: the supervisor's Telegram).
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : Stream("lobby:q:outbound:telegram")) {
      if (e.Get("ticket_id") == id && e.Get("to") == "5550001" &&
          e.Get("text").find("EMERGENCY") != std::string::npos)
        return true;
    }
    return false;
  }));
  // wong answers first: it is his. lee is too late.
  ASSERT_TRUE(Act(&v1::DispatchService::Stub::Acknowledge, id, "wong").ok());
  v1::Ticket t = Repair(id);
  EXPECT_EQ(t.assignee(), "wong");
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  EXPECT_NE(t.history(t.history_size() - 1).note().find("wong answered the page first"),
            std::string::npos);
  grpc::Status late = Act(&v1::DispatchService::Stub::Acknowledge, id, "lee");
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(late.error_message().find("wong"), std::string::npos) << late.error_message();
}

TEST_F(SlaTest, UnacknowledgedWorkIsReassignedAndTheSupervisorTold) {
  clock_.Set(HK(2026, 12, 22, 10));
  Apply(kEstate);
  std::string id = NewRepair(v1::PRIORITY_P1, "flooding");
  ASSERT_TRUE(WaitEvent(id, "page", "acknowledge"));
  EXPECT_EQ(ticket_.assignee(), "lee");
  clock_.Set(HK(2026, 12, 22, 10, 11));
  ASSERT_TRUE(WaitFor([&] { return Repair(id).assignee() == "wong"; })) << Repair(id).DebugString();
  v1::Ticket t = Repair(id);
  std::optional<v1::SlaEvent> told = WaitEvent(id, "escalation", "unacknowledged");
  ASSERT_TRUE(told);
  EXPECT_EQ(told->to(0), "sup");
  EXPECT_NE(told->note().find("lee: not acknowledged within 10m; reassigned to wong"),
            std::string::npos)
      << told->note();
  EXPECT_NE(t.history(t.history_size() - 1).note().find("reassigned from lee"), std::string::npos);
  // Later wong leaves it too: nobody else in the team has not had it, so it waits in the pool.
  clock_.Set(HK(2026, 12, 22, 10, 22));
  ASSERT_TRUE(WaitFor([&] { return Repair(id).assignee() != "wong"; }));
  EXPECT_EQ(Repair(id).assignee(), "");
  EXPECT_EQ(Repair(id).team(), "plumbing");
}

TEST_F(SlaTest, WorkOfMembersGoingOffShiftIsHandedOn) {
  clock_.Set(HK(2026, 12, 22, 19, 50));  // wong's shift ends at 20:00
  Apply(kEstate);
  std::string id = NewRepair(v1::PRIORITY_P4);
  ASSERT_TRUE(WaitFor([&] { return Repair(id).assignee() == "wong"; }));
  clock_.Set(HK(2026, 12, 22, 20, 1));
  ASSERT_TRUE(WaitFor([&] { return Repair(id).assignee() != "wong"; }));
  v1::Ticket t = Repair(id);
  EXPECT_NE(t.history(t.history_size() - 1).note().find("wong went off shift"), std::string::npos);
}

TEST_F(SlaTest, TheBoardShowsEachMembersOpenWorkOldestFirstWithBreachesAndEscalations) {
  clock_.Set(HK(2026, 12, 22, 9));
  Apply(kEstate);
  std::string a = NewRepair(v1::PRIORITY_P4, "plumbing", "A");
  clock_.Advance(absl::Minutes(5));
  std::string b = NewRepair(v1::PRIORITY_P4, "plumbing", "B");
  ASSERT_TRUE(WaitFor([&] {
    return Repair(b).sla().has_acknowledge_by() && Repair(a).sla().has_acknowledge_by();
  }));
  clock_.Set(HK(2026, 12, 22, 11, 1));
  ASSERT_TRUE(WaitEvent(a, "breach", "acknowledge"));
  v1::GetBoardRequest req;
  req.set_site_id("demo");
  req.set_team("plumbing");
  v1::Board board;
  ASSERT_TRUE(WaitFor([&] {
    board = CallRpc(*dispatch_, &v1::DispatchService::Stub::GetBoard, req, kTechToken).value;
    for (const auto& m : board.members()) {
      if (m.member() == "wong" && m.tickets_size() == 2 && m.tickets(0).breached_size() == 1 &&
          m.tickets(0).escalated_size() == 1)
        return true;
    }
    return false;
  })) << board.DebugString();
  for (const auto& m : board.members()) {
    if (m.member() != "wong") continue;
    EXPECT_EQ(m.tickets(0).id(), a) << "oldest first";
    EXPECT_EQ(m.tickets(0).breached(0), "acknowledge");
    EXPECT_EQ(m.tickets(0).escalated(0), "acknowledge") << "to the supervisor at once";
    EXPECT_EQ(m.tickets(1).id(), b);
    EXPECT_EQ(m.tickets(1).escalated_size(), 0);
    EXPECT_EQ(m.tickets(1).next_stage(), "acknowledge");
    EXPECT_TRUE(m.on_shift());
  }
  req.set_team("nowhere");
  EXPECT_EQ(CallRpc(*dispatch_, &v1::DispatchService::Stub::GetBoard, req, kTechToken).code(),
            grpc::StatusCode::NOT_FOUND);
}

/// Reads events from a WatchAssignments stream until `n` arrived or 5 seconds passed.
/// The first `n` events of a watch; `after_first` runs once the first has come (the stream
/// follows the feed from then on: what it does is seen live).
std::vector<v1::AssignmentEvent> Watch(v1::DispatchService::Stub& stub,
                                       const v1::WatchAssignmentsRequest& req, size_t n,
                                       grpc::Status* status = nullptr,
                                       const char* token = kAdminToken,
                                       const std::function<void()>& after_first = nullptr) {
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token, absl::Seconds(5));
  auto reader = stub.WatchAssignments(&ctx, req);
  std::vector<v1::AssignmentEvent> out;
  v1::AssignmentEvent e;
  while (out.size() < n && reader->Read(&e)) {
    out.push_back(e);
    if (out.size() == 1 && after_first) after_first();
  }
  if (out.size() >= n) ctx.TryCancel();  // done with it; otherwise the stream ended on its own
  grpc::Status s = reader->Finish();
  if (status != nullptr) *status = s;
  return out;
}

TEST_F(SlaTest, WatchersResumeFromTheirCursorWithoutLossOrDuplicates) {
  clock_.Set(HK(2026, 12, 22, 10));
  std::string estate = kEstate;
  estate.replace(estate.find("on_call: true, contact: {channel: whatsapp"), 13,
                 "leave: [2026-12-22]");
  Apply(estate);  // lee is on leave: all of it is wong's
  v1::WatchAssignmentsRequest req;
  req.set_member("wong");
  // A watcher from now on sees the next assignment live.
  std::string first;
  auto live = Watch(*dispatch_, req, 2, nullptr, kAdminToken,
                    [&] { first = NewRepair(v1::PRIORITY_P4, "plumbing", "A"); });
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].type(), "watch.started") << "a cursor to resume from, before anything happened";
  EXPECT_TRUE(StreamIdLess(live[0].cursor(), live[1].cursor()));
  live.erase(live.begin());
  EXPECT_EQ(live[0].type(), "ticket.assigned");
  EXPECT_EQ(live[0].ticket_id(), first);
  EXPECT_EQ(live[0].assignee(), "wong");

  // Three more while the watcher is away; it comes back with its cursor.
  std::vector<std::string> ids;
  for (const char* room : {"B", "C", "D"})
    ids.push_back(NewRepair(v1::PRIORITY_P4, "plumbing", room));
  for (const auto& id : ids) ASSERT_TRUE(WaitFor([&] { return Repair(id).assignee() == "wong"; }));
  req.set_cursor(live[0].cursor());
  auto resumed = Watch(*dispatch_, req, 3);
  ASSERT_EQ(resumed.size(), 3u);
  std::set<std::string> got;
  for (size_t i = 0; i < 3; ++i) {
    got.insert(resumed[i].ticket_id());
    EXPECT_EQ(resumed[i].type(), "ticket.assigned");
    if (i > 0) {
      EXPECT_TRUE(StreamIdLess(resumed[i - 1].cursor(), resumed[i].cursor())) << "in stream order";
    }
  }
  // (Dispatch handles new tickets in parallel: they may be assigned in any order.)
  EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end()))
      << "the three missed, and not the one seen before";
  // Resuming in the middle gives exactly the rest, then what comes live.
  req.set_cursor(resumed[0].cursor());
  auto rest = Watch(*dispatch_, req, 3, nullptr, kAdminToken,
                    [&] { Act(&v1::DispatchService::Stub::Acknowledge, ids[2], "wong"); });
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].cursor(), resumed[1].cursor());
  EXPECT_EQ(rest[1].cursor(), resumed[2].cursor());
  EXPECT_EQ(rest[2].ticket_id(), ids[2]);
  EXPECT_EQ(rest[2].type(), "ticket.acknowledged");

  // A team watch sees the team's tickets; a technician watches only themself.
  v1::WatchAssignmentsRequest team;
  team.set_team("plumbing");
  team.set_cursor("0-0");
  EXPECT_GE(Watch(*dispatch_, team, 4).size(), 4u);
  grpc::Status denied;
  Watch(*dispatch_, req, 1, &denied, kTechToken);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  req.set_cursor("not-a-cursor");
  grpc::Status bad;
  Watch(*dispatch_, req, 1, &bad);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace lobby::dispatch
