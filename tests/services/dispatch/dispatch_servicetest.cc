// Dispatch end to end in one process: an estate applied over gRPC, tickets created through
// RepairService and ComplaintService, assignments made by the dispatch consumer.
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/str_join.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/proto_util.h"
#include "services/dispatch/component.h"
#include "services/tickets/state_machine.h"
#include "tests/support/harness.h"

namespace lobby::dispatch {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

const char* kEstate = R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing, water_outage], supervisor: sup}
  - {id: desk, categories: [noise]}
members:
  - {id: sup, teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 2, on_call: true}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 4, on_call: true, contact: {channel: whatsapp, id: "85291230001"}}
  - {id: wong, teams: [plumbing], skills: {plumbing: 2}, seniority: 1, capacity: 4, on_call: true, contact: {channel: telegram, id: "5550002"}}
  - {id: ng, teams: [desk], capacity: 10, on_call: true}
rules:
  - name: complaints to the desk
    match: {kind: [complaint]}
    team: desk
)";

class DispatchTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_);
    lobby::testing::SeedResidents(harness_->channel, 5);
    dispatch_ = v1::DispatchService::NewStub(harness_->channel);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    complaints_ = v1::ComplaintService::NewStub(harness_->channel);
  }
  void TearDown() override {
    if (applied_) {  // whatever a test did, dispatch leaves no open ticket unrouted
      v1::GetEstateRequest get;
      get.set_site_id("demo");
      std::vector<std::string> teams;
      auto estate = CallRpc(*dispatch_, &v1::DispatchService::Stub::GetEstate, get, kAgentToken);
      for (const auto& t : estate.value.teams()) teams.push_back(t.id());
      ExpectEveryOpenTicketRouted(teams);
    }
    harness_.reset();
  }

  void Apply(const std::string& yaml) {
    v1::ApplyEstateRequest req;
    req.set_yaml(yaml);
    auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
    applied_ = true;
  }
  std::string NewRepair(v1::Priority p = v1::PRIORITY_P3, const std::string& room = "A") {
    return lobby::testing::CreateRepair(*repairs_, {.priority = p, .room = room});
  }
  v1::Ticket Repair(const std::string& id) { return lobby::testing::GetRepair(*repairs_, id); }
  v1::Ticket WaitAssigned(const std::string& id) {
    EXPECT_TRUE(WaitFor([&] { return !Repair(id).assignee().empty(); }))
        << id << " was never assigned";
    return Repair(id);
  }

  // Dispatch has read and finished every ticket event so far.
  bool DispatchIdle() {
    return lobby::testing::CaughtUp(server().conn(), queue::kTicketsStream, "dispatch");
  }
  v1::Board Board(const std::string& team) {
    v1::GetBoardRequest req;
    req.set_site_id("demo");
    req.set_team(team);
    auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::GetBoard, req, kAgentToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value;
  }
  // The invariant: every open ticket of the estate is with someone, in its team's pool, or says
  // on the ticket and on every board why no team has it. Returns what breaks it.
  std::vector<std::string> Unrouted(const std::vector<std::string>& teams) {
    std::vector<std::string> wrong;
    std::vector<v1::Ticket> open;
    v1::ListTicketsRequest list;
    list.set_site_id("demo");
    list.set_page_size(500);
    auto repairs = CallRpc(*repairs_, &v1::RepairService::Stub::ListRepairs, list, kAdminToken);
    auto complaints =
        CallRpc(*complaints_, &v1::ComplaintService::Stub::ListComplaints, list, kAdminToken);
    if (!repairs.ok() || !complaints.ok())
      return {"cannot list tickets: " + repairs.status.error_message() +
              complaints.status.error_message()};
    open.assign(repairs.value.tickets().begin(), repairs.value.tickets().end());
    open.insert(open.end(), complaints.value.tickets().begin(), complaints.value.tickets().end());
    std::erase_if(open, [](const v1::Ticket& t) { return !tickets::IsOpen(t.status()); });
    std::map<std::string, v1::Board> boards;
    for (const auto& team : teams) boards[team] = Board(team);
    auto on = [](const auto& list, const std::string& id) {
      return std::any_of(list.begin(), list.end(),
                         [&](const v1::BoardTicket& b) { return b.id() == id; });
    };
    for (const auto& t : open) {
      if (!t.assignee().empty()) continue;
      if (!t.team().empty()) {
        if (!boards.count(t.team()) || !on(boards[t.team()].pool(), t.id()))
          wrong.push_back(t.id() + " is in no pool of " + t.team());
        continue;
      }
      if (t.not_routed().empty()) {
        wrong.push_back(t.id() + " has no team, no pool and no reason");
        continue;
      }
      for (auto& [team, b] : boards) {
        bool shown =
            std::any_of(b.unrouted().begin(), b.unrouted().end(), [&](const v1::BoardTicket& x) {
              return x.id() == t.id() && x.not_routed() == t.not_routed();
            });
        if (!shown) wrong.push_back(t.id() + " is not on the " + team + " board with its reason");
      }
    }
    return wrong;
  }
  void ExpectEveryOpenTicketRouted(const std::vector<std::string>& teams) {
    std::vector<std::string> wrong;
    EXPECT_TRUE(WaitFor([&] { return DispatchIdle() && (wrong = Unrouted(teams)).empty(); }))
        << absl::StrJoin(wrong, "\n");
  }

  bool applied_ = false;
  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::DispatchService::Stub> dispatch_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
};

TEST_F(DispatchTest, ApplyIsValidatedWholeAndDryRunWritesNothing) {
  v1::ApplyEstateRequest req;
  req.set_yaml(kEstate);
  req.set_dry_run(true);
  auto before = server().Snapshot();
  auto dry = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
  ASSERT_TRUE(dry.ok()) << dry.status.error_message();
  EXPECT_GE(dry.value.changes_size(), 6);
  EXPECT_EQ(before, server().Snapshot());
  req.set_yaml(std::string(kEstate) + "  - {name: broken, team: nowhere}\n");
  req.set_dry_run(false);
  auto bad = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
  EXPECT_EQ(bad.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.status.error_message().find("nowhere"), std::string::npos);
  EXPECT_EQ(before, server().Snapshot()) << "an invalid estate applies nothing";
  req.set_yaml(kEstate);
  EXPECT_EQ(CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAgentToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Apply(kEstate);
  v1::GetEstateRequest get;
  get.set_site_id("demo");
  EXPECT_EQ(CallRpc(*dispatch_, &v1::DispatchService::Stub::GetEstate, get, kAgentToken)
                .value.members_size(),
            4);
}

TEST_F(DispatchTest, NewTicketsReachTheRightPeopleWithReasons) {
  Apply(kEstate);
  v1::Ticket urgent = WaitAssigned(NewRepair(v1::PRIORITY_P2));
  EXPECT_EQ(urgent.team(), "plumbing");
  EXPECT_TRUE(urgent.assignee() == "lee" || urgent.assignee() == "sup") << urgent.assignee();
  ASSERT_GE(urgent.history_size(), 2);
  const v1::HistoryEntry& why = urgent.history(1);
  EXPECT_EQ(why.action(), "assigned");
  EXPECT_NE(why.note().find("team plumbing covers plumbing"), std::string::npos) << why.note();
  EXPECT_NE(why.note().find("wong"), std::string::npos)
      << "every candidate is listed with its score";

  v1::Ticket routine = WaitAssigned(NewRepair(v1::PRIORITY_P4, "B"));
  EXPECT_EQ(routine.assignee(), "wong")
      << "routine work spares the seniors: " << routine.history(1).note();
  // Each assignment is pushed to the member's contact channel for its adapter to deliver.
  std::vector<queue::Entry> pushed;
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:telegram", "-", "+"});
    pushed = r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{};
    return !pushed.empty();
  }));
  EXPECT_EQ(pushed[0].Get("to"), "5550002");
  EXPECT_EQ(pushed[0].Get("kind"), "assignment");
  EXPECT_EQ(pushed[0].Get("ticket_id"), routine.id());
  EXPECT_NE(pushed[0].Get("text").find(routine.id() + " is yours - P4 plumbing, Tower 1"),
            absl::string_view::npos)
      << pushed[0].Get("text");
  EXPECT_EQ(pushed[0].Get("idempotency_key"), "assign:" + routine.id() + ":2");

  // Ten more: nobody goes past capacity, and the load follows it.
  std::map<std::string, int> count;
  for (int i = 0; i < 8; ++i)
    count[WaitAssigned(NewRepair(v1::PRIORITY_P3, std::string(1, 'C' + i))).assignee()]++;
  std::string overflow = NewRepair(v1::PRIORITY_P3, "Z");
  EXPECT_TRUE(WaitFor([&] { return Repair(overflow).history_size() >= 2; }))
      << "it is routed even when all are full";
  v1::Ticket pooled = Repair(overflow);
  EXPECT_EQ(pooled.team(), "plumbing");
  EXPECT_EQ(pooled.assignee(), "") << "everyone is at capacity: the team pool";
  EXPECT_NE(pooled.history(1).note().find("at capacity"), std::string::npos)
      << pooled.history(1).note();

  // Work done frees capacity: resolve one of wong's and the next routine job is his again.
  v1::TransitionRequest t;
  t.set_id(routine.id());
  for (auto a :
       {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE}) {
    t.set_action(a);
    ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, t, kAdminToken).ok());
  }
  v1::ExplainRequest explain;
  explain.mutable_ticket()->set_site_id("demo");
  explain.mutable_ticket()->set_category("plumbing");
  explain.mutable_ticket()->set_priority(v1::PRIORITY_P4);
  EXPECT_TRUE(WaitFor([&] {
    return CallRpc(*dispatch_, &v1::DispatchService::Stub::Explain, explain, kAgentToken)
               .value.assignee() == "wong";
  })) << "the resolved ticket no longer counts against him";
}

// A member's pushes are in their language: theirs if the estate gives one, else the estate's.
TEST_F(DispatchTest, PushesAreInTheMembersLanguage) {
  auto with = [](const std::string& wong_language) {
    std::string e = kEstate;
    e.replace(e.find("time_zone: Asia/Hong_Kong\n"), 26,
              "time_zone: Asia/Hong_Kong\nlanguages: [zh-Hant, en]\n");
    if (!wong_language.empty()) {
      size_t at = e.find("id: wong,") + 9;
      e.insert(at, " language: " + wong_language + ",");
    }
    return e;
  };
  auto pushed_to_wong = [&](const std::string& id) {
    queue::Entry found;
    EXPECT_TRUE(WaitFor([&] {
      auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:telegram", "-", "+"});
      for (const auto& e : queue::ParseEntries(*r))
        if (e.Get("ticket_id") == id && e.Get("kind") == "assignment") found = e;
      return !found.fields.empty();
    })) << "no push of "
        << id;
    return found;
  };
  Apply(with(""));
  std::string first = NewRepair(v1::PRIORITY_P4, "B");
  ASSERT_EQ(WaitAssigned(first).assignee(), "wong");
  queue::Entry chinese = pushed_to_wong(first);
  EXPECT_EQ(chinese.Get("language"), "zh-Hant");
  EXPECT_NE(chinese.Get("text").find(first + " 交由您處理 - P4 plumbing，Tower 1。請接單。"),
            absl::string_view::npos)
      << chinese.Get("text");
  EXPECT_NE(chinese.Get("buttons").find("接單"), absl::string_view::npos);

  Apply(with("en"));
  std::string second = NewRepair(v1::PRIORITY_P4, "C");
  ASSERT_EQ(WaitAssigned(second).assignee(), "wong");
  queue::Entry english = pushed_to_wong(second);
  EXPECT_EQ(english.Get("language"), "en");
  EXPECT_NE(
      english.Get("text").find(second + " is yours - P4 plumbing, Tower 1. Please acknowledge."),
      absl::string_view::npos)
      << english.Get("text");
  EXPECT_NE(english.Get("buttons").find("Acknowledge"), absl::string_view::npos);

  // A language Lobby does not speak is refused with the member named.
  v1::ApplyEstateRequest bad;
  bad.set_yaml(with("fr"));
  auto refused = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, bad, kAdminToken);
  EXPECT_EQ(refused.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.status.error_message().find("member 'wong'"), std::string::npos)
      << refused.status.error_message();
}

TEST_F(DispatchTest, ComplaintsFollowTheirRuleAndHandAssignmentsAreKept) {
  // Complaints get a clock to respond by (no arrive stage), through ComplaintService.
  Apply(std::string(kEstate) +
        "sla_policies:\n  - {name: complaints, match: {kind: [complaint]}, respond: 4h, resolve: "
        "5d}\n");
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id("demo");
  t->mutable_location()->set_building("Tower 1");
  t->mutable_location()->set_area("lobby");
  t->set_category("noise");
  t->set_channel(v1::CHANNEL_LINE);
  t->set_description("karaoke every night");
  t->mutable_reporter()->set_resident_id("RS-10003");
  t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
  auto created =
      CallRpc(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, req, kAdapterToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  v1::GetTicketRequest get;
  get.set_id(created.value.id());
  ASSERT_TRUE(WaitFor([&] {
    return CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken)
               .value.assignee() == "ng";
  }));
  auto c = CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value;
  EXPECT_NE(c.history(1).note().find("rule 'complaints to the desk'"), std::string::npos)
      << c.history(1).note();
  ASSERT_TRUE(WaitFor([&] {
    return CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken)
        .value.sla()
        .has_respond_by();
  }));
  c = CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value;
  EXPECT_EQ(FromTimestamp(c.sla().respond_by()), FromTimestamp(c.created_at()) + absl::Hours(4));
  EXPECT_EQ(FromTimestamp(c.sla().resolve_by()), FromTimestamp(c.created_at()) + absl::Hours(120));
  EXPECT_FALSE(c.sla().has_arrive_by());
  EXPECT_FALSE(c.sla().has_acknowledge_by());
}

TEST_F(DispatchTest, WithoutAnEstateTicketsWaitForTheDesk) {
  std::string id = NewRepair();
  // Give dispatch time to see the event: the consumer acks it without assigning.
  ASSERT_TRUE(WaitFor([&] { return DispatchIdle(); }));
  EXPECT_EQ(Repair(id).history_size(), 1);
  EXPECT_TRUE(Repair(id).team().empty());
}

TEST_F(DispatchTest, MembersClaimDeclineAndTransfer) {
  // Only lee works right now; tom is the technician whose token the tests hold.
  Apply(R"(
site: demo
teams: [{id: plumbing, categories: [plumbing]}, {id: desk, categories: [noise]}]
members:
  - {id: tom, teams: [plumbing], skills: {plumbing: 2}, capacity: 1}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3}, capacity: 5, on_call: true}
  - {id: wong, teams: [plumbing], skills: {plumbing: 2}, capacity: 5}
  - {id: ng, teams: [desk], capacity: 5}
)");
  auto act = [&](auto method, const std::string& ticket, const std::string& member,
                 const std::string& to, const std::string& reason, const std::string& token) {
    v1::MemberActionRequest req;
    req.set_ticket_id(ticket);
    req.set_member(member);
    req.set_to_member(to);
    req.set_reason(reason);
    return CallRpc(*dispatch_, method, req, token);
  };
  using S = v1::DispatchService::Stub;
  std::string r1 = NewRepair();
  EXPECT_EQ(WaitAssigned(r1).assignee(), "lee");

  EXPECT_EQ(act(&S::Decline, r1, "lee", "", "", kAgentToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a reason is required";
  auto declined = act(&S::Decline, r1, "lee", "", "on leave this afternoon", kAgentToken);
  ASSERT_TRUE(declined.ok()) << declined.status.error_message();
  EXPECT_EQ(declined.value.assignee(), "") << "nobody else works now: the pool";
  EXPECT_EQ(declined.value.team(), "plumbing");
  EXPECT_EQ(declined.value.history().rbegin()->note().rfind(
                "declined by lee (on leave this afternoon); ", 0),
            0u)
      << declined.value.history().rbegin()->note();
  EXPECT_NE(declined.value.history().rbegin()->note().find("lee (declined it)"), std::string::npos);

  EXPECT_EQ(act(&S::Claim, r1, "lee", "", "", lobby::testing::kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "a technician claims for themself";
  EXPECT_EQ(act(&S::Claim, r1, "ng", "", "", kAgentToken).code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "ng is not in plumbing";
  auto claimed = act(&S::Claim, r1, "", "", "", lobby::testing::kTechToken);
  ASSERT_TRUE(claimed.ok()) << claimed.status.error_message();
  EXPECT_EQ(claimed.value.assignee(), "tom");
  EXPECT_EQ(claimed.value.history().rbegin()->note(), "claimed from the plumbing pool by tom");

  std::string r2 = NewRepair(v1::PRIORITY_P3, "B");
  EXPECT_EQ(WaitAssigned(r2).assignee(), "lee");
  EXPECT_EQ(act(&S::Claim, r2, "", "", "", lobby::testing::kTechToken).code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "not in a pool";
  EXPECT_EQ(act(&S::Transfer, r2, "", "tom", "", lobby::testing::kTechToken).code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "tom cannot hand on lee's ticket";
  auto moved = act(&S::Transfer, r2, "lee", "wong", "wong has the parts", kAgentToken);
  ASSERT_TRUE(moved.ok()) << moved.status.error_message();
  EXPECT_EQ(moved.value.assignee(), "wong");
  EXPECT_EQ(moved.value.history().rbegin()->note(),
            "transferred by lee to wong (wong has the parts)");
  auto ghost = act(&S::Transfer, r2, "lee", "ghost", "", kAgentToken);
  EXPECT_EQ(ghost.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(ghost.status.error_message().find("the members: tom, lee, wong, ng"), std::string::npos)
      << ghost.status.error_message();
  // The desk acting without naming the member: told who the members are and how to name one.
  auto unnamed = act(&S::Acknowledge, r2, "", "", "", kAgentToken);
  EXPECT_EQ(unnamed.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unnamed.status.error_message().find(
                "'bob' is not a member of estate demo; name the member who acts"),
            std::string::npos)
      << unnamed.status.error_message();
  EXPECT_NE(unnamed.status.error_message().find("--member): tom, lee, wong, ng"), std::string::npos)
      << unnamed.status.error_message();

  std::string r3 = NewRepair(v1::PRIORITY_P3, "C");
  EXPECT_EQ(WaitAssigned(r3).assignee(), "lee");
  ASSERT_TRUE(act(&S::Decline, r3, "lee", "", "no access card", kAgentToken).ok());
  auto full = act(&S::Claim, r3, "", "", "", lobby::testing::kTechToken);
  EXPECT_EQ(full.code(), grpc::StatusCode::FAILED_PRECONDITION) << "tom is at capacity";
  EXPECT_NE(full.status.error_message().find("capacity"), std::string::npos);
  EXPECT_EQ(act(&S::Claim, "X-1", "", "", "", lobby::testing::kTechToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}
}  // namespace
}  // namespace lobby::dispatch

namespace lobby::dispatch {
namespace {

TEST_F(DispatchTest, ABurstIsHandledInParallelWithoutGoingPastCapacity) {
  Apply(kEstate);
  // 14 at once for the 10 places of the plumbing team (sup 2, lee 4, wong 4): the dispatch
  // consumer handles events in parallel, and decisions still see each other's assignments.
  std::vector<std::string> ids;
  for (int i = 0; i < 14; ++i) ids.push_back(NewRepair(v1::PRIORITY_P3, "R" + std::to_string(i)));
  std::map<std::string, int> count;
  ASSERT_TRUE(WaitFor([&] {
    count.clear();
    for (const auto& id : ids) {
      v1::Ticket t = Repair(id);
      if (t.team().empty()) return false;
      count[t.assignee()]++;
    }
    return true;
  }));
  EXPECT_EQ(count["sup"], 2);
  EXPECT_EQ(count["lee"], 4);
  EXPECT_EQ(count["wong"], 4);
  EXPECT_EQ(count[""], 4) << "the rest wait in the pool";
}

// The hotline adds the recording right after creating the repair; a photo or a proposed visit
// can land as early. The ticket.created event then names version 1 of a ticket at version 2:
// dispatch decides again on the ticket as it is, instead of taking it for someone else's work.
TEST_F(DispatchTest, ATicketChangedBeforeItsDecisionLandsIsStillRouted) {
  std::string id = NewRepair();
  v1::AddCommentRequest comment;
  comment.set_id(id);
  comment.set_internal(true);
  comment.set_text("call recording: rec-0001.wav");
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, kAdminToken).ok());
  ASSERT_TRUE(WaitFor([&] { return DispatchIdle(); }));  // no estate yet: nothing decided
  Apply(kEstate);
  // The ticket.created event, as dispatch gets it (version 1), handled by a dispatch of its own.
  auto r = server().conn().Command({"XRANGE", queue::kTicketsStream, "-", "+"});
  ASSERT_TRUE(r.ok());
  std::optional<queue::Entry> created;
  for (auto& e : queue::ParseEntries(*r)) {
    if (e.Get("type") == "ticket.created" && e.Get("ticket_id") == id) created = e;
  }
  ASSERT_TRUE(created.has_value());
  ASSERT_EQ(created->Get("version"), "1");
  ASSERT_EQ(Repair(id).version(), 2);
  RedisDispatchStore store(harness_->runtime->redis());
  tickets::Client tickets(harness_->runtime->client_env());
  DispatchLogic logic(store, clock_, tickets);
  ASSERT_TRUE(logic.HandleEvent(*created).ok());
  v1::Ticket t = Repair(id);
  EXPECT_EQ(t.team(), "plumbing");
  EXPECT_FALSE(t.assignee().empty()) << "lee, sup and wong are free";
  EXPECT_EQ(t.history().rbegin()->action(), "assigned");
  EXPECT_EQ(t.comments_size(), 1) << "the comment stays";
  ExpectEveryOpenTicketRouted({"plumbing", "desk"});

  // A team given meanwhile is someone else's decision: the event changes nothing.
  std::string by_hand = NewRepair(v1::PRIORITY_P3, "B");
  ASSERT_TRUE(WaitFor([&] { return !Repair(by_hand).team().empty(); }));
  v1::Ticket before = Repair(by_hand);
  queue::Entry again = *created;
  for (auto& [k, v] : again.fields) {
    if (k == "ticket_id") v = by_hand;
  }
  ASSERT_TRUE(logic.HandleEvent(again).ok());
  EXPECT_EQ(Repair(by_hand).version(), before.version());
}

// What no rule or team covers says why, on the ticket and on every team's board, until a person
// routes it; a hand assignment then clears it.
TEST_F(DispatchTest, ATicketNoTeamCoversSaysWhyOnTheTicketAndEveryBoard) {
  Apply(kEstate);
  std::string id = lobby::testing::CreateRepair(*repairs_, {.category = "electrical", .room = "C"});
  ASSERT_TRUE(WaitFor([&] { return !Repair(id).not_routed().empty(); }));
  v1::Ticket t = Repair(id);
  EXPECT_TRUE(t.team().empty());
  EXPECT_NE(t.not_routed().find("no rule or team covers repair category 'electrical'"),
            std::string::npos)
      << t.not_routed();
  EXPECT_EQ(t.history().rbegin()->action(), "not_routed");
  EXPECT_EQ(t.history().rbegin()->note(), t.not_routed());
  for (const std::string team : {"plumbing", "desk"}) {
    v1::Board b = Board(team);
    ASSERT_EQ(b.unrouted_size(), 1) << team;
    EXPECT_EQ(b.unrouted(0).id(), id);
    EXPECT_EQ(b.unrouted(0).not_routed(), t.not_routed());
  }
  v1::AssignRequest assign;
  assign.set_id(id);
  assign.set_team("desk");
  assign.set_assignee("ng");
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, assign, kAdminToken).ok());
  EXPECT_TRUE(Repair(id).not_routed().empty());
  EXPECT_TRUE(WaitFor([&] { return Board("plumbing").unrouted().empty(); }));
  EXPECT_EQ(Board("desk").members(0).tickets(0).id(), id);
}

// After any mix of reports, early comments, claims, declines, hand assignments and
// cancellations, no open ticket is left without a holder, a pool or a stated reason.
TEST_F(DispatchTest, AfterAnySequenceEveryOpenTicketIsRouted) {
  Apply(kEstate);
  using S = v1::DispatchService::Stub;
  std::mt19937 rng(16);
  std::vector<std::string> ids;
  for (int step = 0; step < 40; ++step) {
    int what = static_cast<int>(rng() % 7);
    std::string some = ids.empty() ? "" : ids[rng() % ids.size()];
    if (what <= 2 || some.empty()) {
      const char* category = what == 1 ? "electrical" : "plumbing";
      ids.push_back(lobby::testing::CreateRepair(
          *repairs_, {.category = category, .room = std::string(1, 'A' + step % 20)}));
      if (what == 2) {  // a comment at once, before dispatch decides
        v1::AddCommentRequest c;
        c.set_id(ids.back());
        c.set_text("photo to follow");
        (void)CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, c, kAdminToken);
      }
    } else if (what == 3) {
      v1::AddCommentRequest c;
      c.set_id(some);
      c.set_text("any news?");
      (void)CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, c, kAdminToken);
    } else if (what == 4) {
      v1::Ticket t = Repair(some);
      v1::MemberActionRequest req;
      req.set_ticket_id(some);
      req.set_member(t.assignee());
      req.set_reason("not my trade");
      (void)CallRpc(*dispatch_, &S::Decline, req, kAgentToken);
    } else if (what == 5) {
      v1::AssignRequest a;
      a.set_id(some);
      a.set_team("desk");
      (void)CallRpc(*repairs_, &v1::RepairService::Stub::Assign, a, kAdminToken);
    } else {
      v1::TransitionRequest tr;
      tr.set_id(some);
      tr.set_action(v1::TICKET_ACTION_CANCEL);
      (void)CallRpc(*repairs_, &v1::RepairService::Stub::Transition, tr, kAdminToken);
    }
  }
  // TearDown checks the invariant.
}

}  // namespace
}  // namespace lobby::dispatch
