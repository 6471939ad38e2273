// Dispatch end to end in one process: an estate applied over gRPC, tickets created through
// RepairService and ComplaintService, assignments made by the dispatch consumer.
#include <gtest/gtest.h>

#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/proto_util.h"
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
  void TearDown() override { harness_.reset(); }

  void Apply(const std::string& yaml) {
    v1::ApplyEstateRequest req;
    req.set_yaml(yaml);
    auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
  }
  std::string NewRepair(v1::Priority p = v1::PRIORITY_P3, const std::string& room = "A") {
    return lobby::testing::CreateRepair(*repairs_, {.priority = p, .room = room});
  }
  v1::Ticket Repair(const std::string& id) { return lobby::testing::GetRepair(*repairs_, id); }
  v1::Ticket WaitAssigned(const std::string& id) {
    EXPECT_TRUE(WaitFor([&] { return !Repair(id).assignee().empty(); })) << id << " was never assigned";
    return Repair(id);
  }

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
  EXPECT_EQ(CallRpc(*dispatch_, &v1::DispatchService::Stub::GetEstate, get, kAgentToken).value.members_size(), 4);
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
  EXPECT_NE(why.note().find("wong"), std::string::npos) << "every candidate is listed with its score";

  v1::Ticket routine = WaitAssigned(NewRepair(v1::PRIORITY_P4, "B"));
  EXPECT_EQ(routine.assignee(), "wong") << "routine work spares the seniors: " << routine.history(1).note();
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
  EXPECT_NE(pushed[0].Get("text").find(routine.id() + " is yours - P4 plumbing, Tower 1"), absl::string_view::npos)
      << pushed[0].Get("text");
  EXPECT_EQ(pushed[0].Get("idempotency_key"), "assign:" + routine.id() + ":2");

  // Ten more: nobody goes past capacity, and the load follows it.
  std::map<std::string, int> count;
  for (int i = 0; i < 8; ++i) count[WaitAssigned(NewRepair(v1::PRIORITY_P3, std::string(1, 'C' + i))).assignee()]++;
  std::string overflow = NewRepair(v1::PRIORITY_P3, "Z");
  EXPECT_TRUE(WaitFor([&] { return Repair(overflow).history_size() >= 2; })) << "it is routed even when all are full";
  v1::Ticket pooled = Repair(overflow);
  EXPECT_EQ(pooled.team(), "plumbing");
  EXPECT_EQ(pooled.assignee(), "") << "everyone is at capacity: the team pool";
  EXPECT_NE(pooled.history(1).note().find("at capacity"), std::string::npos) << pooled.history(1).note();

  // Work done frees capacity: resolve one of wong's and the next routine job is his again.
  v1::TransitionRequest t;
  t.set_id(routine.id());
  for (auto a : {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE}) {
    t.set_action(a);
    ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::Transition, t, kAdminToken).ok());
  }
  v1::ExplainRequest explain;
  explain.mutable_ticket()->set_site_id("demo");
  explain.mutable_ticket()->set_category("plumbing");
  explain.mutable_ticket()->set_priority(v1::PRIORITY_P4);
  EXPECT_TRUE(WaitFor([&] {
    return CallRpc(*dispatch_, &v1::DispatchService::Stub::Explain, explain, kAgentToken).value.assignee() == "wong";
  })) << "the resolved ticket no longer counts against him";
}

TEST_F(DispatchTest, ComplaintsFollowTheirRuleAndHandAssignmentsAreKept) {
  // Complaints get a clock to respond by (no arrive stage), through ComplaintService.
  Apply(std::string(kEstate) + "sla_policies:\n  - {name: complaints, match: {kind: [complaint]}, respond: 4h, resolve: 5d}\n");
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
  auto created = CallRpc(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, req, kAdapterToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  v1::GetTicketRequest get;
  get.set_id(created.value.id());
  ASSERT_TRUE(WaitFor([&] {
    return CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value.assignee() == "ng";
  }));
  auto c = CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value;
  EXPECT_NE(c.history(1).note().find("rule 'complaints to the desk'"), std::string::npos) << c.history(1).note();
  ASSERT_TRUE(WaitFor([&] {
    return CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAdminToken).value.sla().has_respond_by();
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
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XPENDING", queue::kTicketsStream, "dispatch"});
    auto info = server().conn().Command({"XINFO", "GROUPS", queue::kTicketsStream});
    if (!r.ok() || !info.ok()) return false;
    for (const auto& g : info->elements) {
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        if (g.elements[i].str == "lag" && g.elements[i + 1].integer == 0 && r->elements[0].integer == 0) return true;
      }
    }
    return false;
  }));
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
  auto act = [&](auto method, const std::string& ticket, const std::string& member, const std::string& to,
                 const std::string& reason, const std::string& token) {
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

  EXPECT_EQ(act(&S::Decline, r1, "lee", "", "", kAgentToken).code(), grpc::StatusCode::INVALID_ARGUMENT) << "a reason is required";
  auto declined = act(&S::Decline, r1, "lee", "", "on leave this afternoon", kAgentToken);
  ASSERT_TRUE(declined.ok()) << declined.status.error_message();
  EXPECT_EQ(declined.value.assignee(), "") << "nobody else works now: the pool";
  EXPECT_EQ(declined.value.team(), "plumbing");
  EXPECT_EQ(declined.value.history().rbegin()->note().rfind("declined by lee (on leave this afternoon); ", 0), 0u)
      << declined.value.history().rbegin()->note();
  EXPECT_NE(declined.value.history().rbegin()->note().find("lee (declined it)"), std::string::npos);

  EXPECT_EQ(act(&S::Claim, r1, "lee", "", "", lobby::testing::kTechToken).code(), grpc::StatusCode::PERMISSION_DENIED)
      << "a technician claims for themself";
  EXPECT_EQ(act(&S::Claim, r1, "ng", "", "", kAgentToken).code(), grpc::StatusCode::PERMISSION_DENIED) << "ng is not in plumbing";
  auto claimed = act(&S::Claim, r1, "", "", "", lobby::testing::kTechToken);
  ASSERT_TRUE(claimed.ok()) << claimed.status.error_message();
  EXPECT_EQ(claimed.value.assignee(), "tom");
  EXPECT_EQ(claimed.value.history().rbegin()->note(), "claimed from the plumbing pool by tom");

  std::string r2 = NewRepair(v1::PRIORITY_P3, "B");
  EXPECT_EQ(WaitAssigned(r2).assignee(), "lee");
  EXPECT_EQ(act(&S::Claim, r2, "", "", "", lobby::testing::kTechToken).code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "not in a pool";
  EXPECT_EQ(act(&S::Transfer, r2, "", "tom", "", lobby::testing::kTechToken).code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "tom cannot hand on lee's ticket";
  auto moved = act(&S::Transfer, r2, "lee", "wong", "wong has the parts", kAgentToken);
  ASSERT_TRUE(moved.ok()) << moved.status.error_message();
  EXPECT_EQ(moved.value.assignee(), "wong");
  EXPECT_EQ(moved.value.history().rbegin()->note(), "transferred by lee to wong (wong has the parts)");
  EXPECT_EQ(act(&S::Transfer, r2, "lee", "ghost", "", kAgentToken).code(), grpc::StatusCode::NOT_FOUND);

  std::string r3 = NewRepair(v1::PRIORITY_P3, "C");
  EXPECT_EQ(WaitAssigned(r3).assignee(), "lee");
  ASSERT_TRUE(act(&S::Decline, r3, "lee", "", "no access card", kAgentToken).ok());
  auto full = act(&S::Claim, r3, "", "", "", lobby::testing::kTechToken);
  EXPECT_EQ(full.code(), grpc::StatusCode::FAILED_PRECONDITION) << "tom is at capacity";
  EXPECT_NE(full.status.error_message().find("capacity"), std::string::npos);
  EXPECT_EQ(act(&S::Claim, "X-1", "", "", "", lobby::testing::kTechToken).code(), grpc::StatusCode::INVALID_ARGUMENT);
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

}  // namespace
}  // namespace lobby::dispatch
