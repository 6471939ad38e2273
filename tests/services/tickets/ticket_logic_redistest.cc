// Complaint rules on the real store: anonymity, the review step, the follow-up before closing.
#include <gtest/gtest.h>

#include "services/complaints/complaint_logic.h"
#include "services/repairs/repair_logic.h"
#include "services/tickets/redis_ticket_store.h"
#include "services/tickets/ticket_logic.h"
#include "tests/support/redis_server.h"

namespace lobby::tickets {
namespace {

using lobby::testing::RedisTest;

class ComplaintLogicTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    client_ = std::make_unique<redis::Client>(server().options());
    store_ = std::make_unique<RedisTicketStore>(*client_, "lobby:complaints", "C");
    logic_ = std::make_unique<TicketLogic>(*store_, clock_, Kind::kComplaint, TicketsConfig{});
    complaints_ = std::make_unique<complaints::ComplaintLogic>(*logic_, clock_);
  }
  v1::CreateTicketRequest NewComplaint(bool anonymous) {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("demo");
    t->mutable_location()->set_building("Tower 1");
    t->mutable_location()->set_area("lobby");
    t->set_category("staff_conduct");
    t->set_channel(v1::CHANNEL_LINE);
    t->set_description("The night guard shouted at my mother");
    t->mutable_reporter()->set_resident_id("RS-10007");
    t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_STAFF);
    t->mutable_complaint()->set_anonymous(anonymous);
    return req;
  }
  v1::Ticket Act(const std::string& id, v1::TicketAction a, const auth::Principal& who) {
    v1::TransitionRequest req;
    req.set_id(id);
    req.set_action(a);
    auto r = logic_->Transition(req, who);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::Ticket();
  }

  FakeClock clock_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisTicketStore> store_;
  std::unique_ptr<TicketLogic> logic_;
  std::unique_ptr<complaints::ComplaintLogic> complaints_;
  auth::Principal adapter_{auth::Role::kAdapter, "line"};
  auth::Principal tech_{auth::Role::kTechnician, "tom"};
  auth::Principal agent_{auth::Role::kAgent, "bob"};
  auth::Principal supervisor_{auth::Role::kManager, "may"};
};

TEST_F(ComplaintLogicTest, AnonymousReporterIsHiddenFromTheTeamOnly) {
  auto created = logic_->Create(NewComplaint(true), adapter_);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id(), "C-10001");
  EXPECT_EQ(created->reporter().resident_id(), "RS-10007") << "the adapter answers the resident";
  auto seen_by_tech = logic_->Get("C-10001", tech_);
  EXPECT_TRUE(seen_by_tech->reporter().resident_id().empty());
  EXPECT_EQ(seen_by_tech->reporter().name(), "anonymous");
  EXPECT_TRUE(logic_->Get("C-10001", agent_)->reporter().resident_id().empty());
  EXPECT_EQ(logic_->Get("C-10001", supervisor_)->reporter().resident_id(), "RS-10007");
  v1::ListTicketsRequest list;
  list.set_site_id("demo");
  EXPECT_TRUE(logic_->List(list, tech_)->tickets(0).reporter().resident_id().empty());
  ASSERT_TRUE(logic_->Create(NewComplaint(false), adapter_).ok());
  EXPECT_EQ(logic_->Get("C-10002", agent_)->reporter().resident_id(), "RS-10007")
      << "only anonymous ones are hidden";
  EXPECT_TRUE(logic_->Get("C-10002", tech_)->reporter().resident_id().empty())
      << "not tom's ticket";
}

TEST_F(ComplaintLogicTest, ReviewAndFollowUpBeforeClosing) {
  std::string id = logic_->Create(NewComplaint(false), adapter_)->id();
  v1::AssignRequest assign;
  assign.set_id(id);
  assign.set_team("service_desk");
  assign.set_assignee("bob");
  ASSERT_TRUE(logic_->Assign(assign, supervisor_).ok());
  Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, agent_);
  Act(id, v1::TICKET_ACTION_SUBMIT_REVIEW, agent_);
  v1::TransitionRequest approve;
  approve.set_id(id);
  approve.set_action(v1::TICKET_ACTION_APPROVE);
  EXPECT_EQ(logic_->Transition(approve, agent_).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "only a supervisor reviews";
  v1::TransitionRequest reject = approve;
  reject.set_action(v1::TICKET_ACTION_REJECT);
  reject.set_note("apologise in person first");
  auto rejected = logic_->Transition(reject, supervisor_);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(rejected->complaint().review_note(), "apologise in person first");
  Act(id, v1::TICKET_ACTION_SUBMIT_REVIEW, agent_);
  approve.set_note("handled well");
  ASSERT_TRUE(logic_->Transition(approve, supervisor_).ok());

  v1::TransitionRequest close;
  close.set_id(id);
  close.set_action(v1::TICKET_ACTION_CLOSE);
  auto early = logic_->Transition(close, agent_);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(early.status().message().find("follow-up"), absl::string_view::npos);
  EXPECT_EQ(complaints_->RecordFollowUp(id, "", agent_).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto followed =
      complaints_->RecordFollowUp(id, "Called Mrs Chan; she accepts the apology", agent_);
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_EQ(followed->complaint().follow_up().by(), "bob");
  auto closed = logic_->Transition(close, agent_);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->status(), v1::TICKET_STATUS_CLOSED);
}

TEST_F(ComplaintLogicTest, ComplaintsNeedASubjectAndAComplaintCategory) {
  auto req = NewComplaint(false);
  req.mutable_ticket()->mutable_complaint()->clear_subject();
  EXPECT_EQ(logic_->Create(req, adapter_).status().code(), absl::StatusCode::kInvalidArgument);
  req = NewComplaint(false);
  req.mutable_ticket()->set_category("plumbing");
  EXPECT_EQ(logic_->Create(req, adapter_).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lobby::tickets

namespace lobby::tickets {
namespace {

// Two RepairService processes on one Redis: a catalog applied through one reaches the other's
// classifier once its catalog cache expires.
TEST_F(ComplaintLogicTest, AnotherProcessClassifiesWithANewCatalogAfterTheCacheExpires) {
  RedisTicketStore repairs_store(*client_, "lobby:repairs", "R");
  TicketLogic a_core(repairs_store, clock_, Kind::kRepair, TicketsConfig{});
  TicketLogic b_core(repairs_store, clock_, Kind::kRepair, TicketsConfig{});
  repairs::RepairLogic a(a_core, repairs_store, clock_, nullptr);
  repairs::RepairLogic b(b_core, repairs_store, clock_, nullptr);
  v1::ClassifyRequest classify;
  classify.set_site_id("demo");
  classify.set_text("the pool water is green");
  EXPECT_EQ(b.Classify(classify)->category(), "") << "the default catalog has no pool";
  v1::ApplyCatalogRequest apply;
  apply.set_site_id("demo");
  apply.set_yaml(R"(
categories:
  - id: pool
    kind: repair
    names: {zh-Hant: 泳池, zh-Hans: 泳池, en: Pool}
    default_priority: P3
    keywords: [pool]
)");
  ASSERT_TRUE(a.ApplyCatalog(apply).ok());
  EXPECT_EQ(a.Classify(classify)->category(), "pool") << "the applying process sees it at once";
  clock_.Advance(absl::Seconds(11));
  EXPECT_EQ(b.Classify(classify)->category(), "pool") << "the other one within the catalog TTL";
}

}  // namespace
}  // namespace lobby::tickets
