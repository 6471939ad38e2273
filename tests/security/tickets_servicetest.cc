// Issue 15's defects on the ticket services, each driven through a real lobbyd: who can learn
// an anonymous complainant, what technicians and adapters may act on, estate-scoped
// idempotency, and the input that used to be taken.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "google/protobuf/util/time_util.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::security {
namespace {

using google::protobuf::util::TimeUtil;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kManagerToken[] = "manager-token-0123456789";
constexpr char kOtherTechToken[] = "tech2-token-0123456789";

class TicketSecurityTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    Start({});
  }
  void Start(std::vector<std::string> flags) {
    flags.insert(
        flags.end(),
        {"--tokens-file", lobby::testing::TokensFile({{"manager", kManagerToken, "may"},
                                                      {"technician", kOtherTechToken, "p3"}})});
    harness_ = std::make_unique<Harness>(server(), clock_, flags);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    complaints_ = v1::ComplaintService::NewStub(harness_->channel);
    residents_ = v1::ResidentService::NewStub(harness_->channel);
    resident_ = lobby::testing::CreateResidentIn(harness_->channel, "demo", "C");  // RS-10001
  }
  void TearDown() override { harness_.reset(); }

  v1::CreateTicketRequest Complaint(bool anonymous) {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("demo");
    t->mutable_location()->set_building("Tower 1");
    t->mutable_location()->set_area("podium");
    t->set_category("noise");
    t->set_channel(v1::CHANNEL_LINE);
    t->set_description("樓上每晚凌晨都好嘈");
    t->mutable_reporter()->set_resident_id(resident_);
    t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
    t->mutable_complaint()->set_anonymous(anonymous);
    return req;
  }
  v1::CreateTicketRequest Repair(const std::string& site = "demo") {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id(site);
    t->mutable_location()->set_building("Tower 1");
    t->mutable_location()->set_floor("3");
    t->set_category("plumbing");
    t->set_channel(v1::CHANNEL_WHATSAPP);
    t->set_description("tap leaking");
    t->mutable_reporter()->set_resident_id(resident_);
    return req;
  }
  std::set<std::string> Reported(const std::string& token) {
    v1::ListTicketsRequest list;
    list.set_site_id("demo");
    list.set_reporter_resident_id(resident_);
    auto r = CallRpc(*complaints_, &v1::ComplaintService::Stub::ListComplaints, list, token,
                     "resident:" + resident_);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    std::set<std::string> ids;
    for (const auto& t : r.value.tickets()) ids.insert(t.id());
    return ids;
  }
  std::set<std::string> TimelineTickets(const std::string& token) {
    v1::ListTimelineRequest req;
    req.set_resident_id(resident_);
    auto r = CallRpc(*residents_, &v1::ResidentService::Stub::ListTimeline, req, token);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    std::set<std::string> ids;
    for (const auto& e : r.value.entries()) ids.insert(e.ticket_id());
    return ids;
  }
  v1::Ticket Assign(const std::string& id, const std::string& member) {
    v1::AssignRequest a;
    a.set_id(id);
    a.set_team("plumbing");
    a.set_assignee(member);
    auto r = CallRpc(*repairs_, &v1::RepairService::Stub::Assign, a, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value;
  }
  grpc::StatusCode Act(const std::string& id, v1::TicketAction action, const std::string& token,
                       const std::string& acting_for = "") {
    v1::TransitionRequest t;
    t.set_id(id);
    t.set_action(action);
    return CallRpc(*repairs_, &v1::RepairService::Stub::Transition, t, token, acting_for).code();
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::string resident_;
};

// Before: an agent's ListComplaints{reporter_resident_id} returned the anonymous complaint, and
// their timeline of the resident named it.
TEST_F(TicketSecurityTest, NoPathLinksAnAnonymousComplaintToItsReporterForTheTeam) {
  auto anonymous = CallRpc(*complaints_, &v1::ComplaintService::Stub::CreateComplaint,
                           Complaint(true), kAdapterToken);
  ASSERT_TRUE(anonymous.ok()) << anonymous.status.error_message();
  auto named = CallRpc(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, Complaint(false),
                       kAdapterToken);
  ASSERT_TRUE(named.ok());
  const std::string a = anonymous.value.id(), n = named.value.id();

  // Filters.
  EXPECT_EQ(Reported(kAgentToken), std::set<std::string>{n});
  EXPECT_EQ(Reported(kTechToken), std::set<std::string>{n});
  EXPECT_EQ(Reported(kManagerToken), (std::set<std::string>{a, n}));
  EXPECT_EQ(Reported(kAdapterToken), (std::set<std::string>{a, n}))
      << "the resident's own tickets, in the chat";
  // The record itself.
  v1::GetTicketRequest get;
  get.set_id(a);
  auto seen =
      CallRpc(*complaints_, &v1::ComplaintService::Stub::GetComplaint, get, kAgentToken).value;
  EXPECT_TRUE(seen.reporter().resident_id().empty());
  EXPECT_EQ(seen.reporter().name(), "anonymous");
  for (const auto& h : seen.history()) EXPECT_NE(h.actor(), resident_);
  // The timeline: every entry about the anonymous complaint is the supervisors'.
  ASSERT_TRUE(WaitFor([&] {
    return TimelineTickets(kManagerToken).count(a) && TimelineTickets(kManagerToken).count(n);
  }));
  std::set<std::string> desk = TimelineTickets(kAgentToken);
  EXPECT_FALSE(desk.count(a)) << "the agent's timeline names the anonymous complaint";
  EXPECT_TRUE(desk.count(n));
  // A message about it that an adapter recorded (the reply the resident was sent) too.
  v1::AppendTimelineRequest note;
  note.set_resident_id(resident_);
  note.mutable_entry()->set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  note.mutable_entry()->set_ticket_id(a);
  note.mutable_entry()->set_text(a + " is registered");
  ASSERT_TRUE(
      CallRpc(*residents_, &v1::ResidentService::Stub::AppendTimeline, note, kAdapterToken).ok());
  EXPECT_FALSE(TimelineTickets(kAgentToken).count(a));
}

// Before: technician p3 acknowledged, arrived at and resolved a repair assigned to tom, and
// commented on it; technicians read any resident by id, phone number included.
TEST_F(TicketSecurityTest, ATechnicianActsOnlyOnTheirOwnTickets) {
  auto created = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, Repair(), kAgentToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  std::string id = created.value.id();
  Assign(id, "tom");
  auto before = server().Snapshot();
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kOtherTechToken),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::AddCommentRequest comment;
  comment.set_id(id);
  comment.set_text("on my way");
  EXPECT_EQ(
      CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, kOtherTechToken).code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::ProposeVisitRequest visit;
  visit.set_id(id);
  *visit.mutable_start() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() + absl::Hours(2)));
  *visit.mutable_end() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() + absl::Hours(4)));
  EXPECT_EQ(
      CallRpc(*repairs_, &v1::RepairService::Stub::ProposeVisit, visit, kOtherTechToken).code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(before, server().Snapshot()) << "refusals change nothing";
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kTechToken), grpc::StatusCode::OK)
      << "tom's own ticket";
  EXPECT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, kTechToken).ok());

  // Residents: only through a ticket of theirs, without the phone number.
  v1::GetResidentRequest who;
  who.set_id(resident_);
  EXPECT_EQ(CallRpc(*residents_, &v1::ResidentService::Stub::GetResident, who, kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetTicketRequest get;
  get.set_id(id);
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kTechToken)
                .value.reporter()
                .resident_id(),
            resident_);
  EXPECT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kOtherTechToken)
                  .value.reporter()
                  .resident_id()
                  .empty())
      << "p3 does not learn who reported tom's ticket";
}

// An adapter acting for a staff member it linked ("member:ID") is that technician: their own
// tickets only, recorded as them, and nothing a technician may not call.
TEST_F(TicketSecurityTest, AnAdapterActingForAMemberHasThatTechniciansRightsOnly) {
  auto created = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, Repair(), kAgentToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  std::string id = created.value.id();
  Assign(id, "tom");
  auto before = server().Snapshot();
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kAdapterToken, "member:p3"),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kAgentToken, "member:tom"),
            grpc::StatusCode::PERMISSION_DENIED)
      << "only an adapter vouches for a member";
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kAdapterToken, "member:"),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::AssignRequest assign;
  assign.set_id(id);
  assign.set_team("plumbing");
  assign.set_assignee("p3");
  EXPECT_EQ(
      CallRpc(*repairs_, &v1::RepairService::Stub::Assign, assign, kAdapterToken, "member:tom")
          .code(),
      grpc::StatusCode::PERMISSION_DENIED)
      << "assigning is the desk's";
  EXPECT_EQ(before, server().Snapshot()) << "refusals change nothing";

  v1::TransitionRequest ack;
  ack.set_id(id);
  ack.set_action(v1::TICKET_ACTION_ACKNOWLEDGE);
  auto done =
      CallRpc(*repairs_, &v1::RepairService::Stub::Transition, ack, kAdapterToken, "member:tom");
  ASSERT_TRUE(done.ok()) << done.status.error_message();
  EXPECT_EQ(done.value.status(), v1::TICKET_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(done.value.history().rbegin()->actor(), "tom") << "recorded as the person";

  // Adapters without a token of their own call with the service token, an admin's (scripts/run):
  // acting for a member, that is the technician too, no more.
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, assign, kAdminToken, "member:tom")
                .code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "an admin acting for tom has tom's rights";
  v1::TransitionRequest arrive;
  arrive.set_id(id);
  arrive.set_action(v1::TICKET_ACTION_ARRIVE);
  auto arrived =
      CallRpc(*repairs_, &v1::RepairService::Stub::Transition, arrive, kAdminToken, "member:tom");
  ASSERT_TRUE(arrived.ok()) << arrived.status.error_message();
  EXPECT_EQ(arrived.value.history().rbegin()->actor(), "tom");
}

TEST_F(TicketSecurityTest, ATechnicianSeesAGuestsNumberOnlyWhereTheEstateAllowsIt) {
  auto guest = Repair();
  guest.mutable_ticket()->mutable_reporter()->Clear();
  guest.mutable_ticket()->mutable_reporter()->set_name("Mr Chan");
  guest.mutable_ticket()->mutable_reporter()->set_phone("+85291234567");
  auto created = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, guest, kAgentToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  Assign(created.value.id(), "tom");
  v1::GetTicketRequest get;
  get.set_id(created.value.id());
  v1::Ticket seen = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kTechToken).value;
  EXPECT_EQ(seen.reporter().name(), "Mr Chan");
  EXPECT_TRUE(seen.reporter().phone().empty());
  harness_.reset();
  Start({"--technicians-see-phone", "demo"});
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kTechToken)
                .value.reporter()
                .phone(),
            "+85291234567");
}

// Before: an adapter could close any ticket by id.
TEST_F(TicketSecurityTest, AnAdapterActsOnlyForTheTicketsReporter) {
  std::string id =
      CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, Repair(), kAdapterToken)
          .value.id();
  std::string other = lobby::testing::CreateResidentIn(harness_->channel, "demo", "D");
  auto before = server().Snapshot();
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL, kAdapterToken), grpc::StatusCode::PERMISSION_DENIED)
      << "for nobody";
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL, kAdapterToken, "resident:" + other),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL, kAdapterToken, "staff:bob"),
            grpc::StatusCode::PERMISSION_DENIED)
      << "a staff binding is for internal notes only";
  v1::AddCommentRequest comment;
  comment.set_id(id);
  comment.set_text("it is the other tap");
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, kAdapterToken,
                    "resident:" + other)
                .code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(before, server().Snapshot());
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL, kAdapterToken, "resident:" + resident_),
            grpc::StatusCode::OK);
  comment.set_internal(true);
  auto noted =
      CallRpc(*repairs_, &v1::RepairService::Stub::AddComment, comment, kAdapterToken, "staff:bob");
  ASSERT_TRUE(noted.ok()) << noted.status.error_message();
  EXPECT_EQ(noted.value.comments_size(), 0) << "an adapter is never shown internal comments";
  v1::GetTicketRequest get;
  get.set_id(id);
  v1::Ticket seen = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken).value;
  ASSERT_EQ(seen.comments_size(), 1);
  EXPECT_EQ(seen.comments(0).author(), "bob (sms)")
      << "the person, and the adapter that wrote for them";
  EXPECT_TRUE(seen.comments(0).internal());
}

// Before: kowloon's "r1" returned harbour's R-10001, and the kowloon report was lost.
TEST_F(TicketSecurityTest, IdempotencyKeysBelongToOneEstateAndOneReport) {
  std::string harbour_resident = lobby::testing::CreateResidentIn(harness_->channel, "harbour");
  std::string kowloon_resident = lobby::testing::CreateResidentIn(harness_->channel, "kowloon");
  auto harbour = Repair("harbour");
  harbour.mutable_ticket()->mutable_reporter()->set_resident_id(harbour_resident);
  harbour.set_idempotency_key("r1");
  auto kowloon = Repair("kowloon");
  kowloon.mutable_ticket()->mutable_reporter()->set_resident_id(kowloon_resident);
  kowloon.set_idempotency_key("r1");
  auto h = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, harbour, kAdapterToken);
  auto k = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, kowloon, kAdapterToken);
  ASSERT_TRUE(h.ok() && k.ok()) << h.status.error_message() << k.status.error_message();
  EXPECT_NE(h.value.id(), k.value.id());
  EXPECT_EQ(k.value.site_id(), "kowloon");
  EXPECT_EQ(
      CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, kowloon, kAdapterToken).value.id(),
      k.value.id())
      << "a retry is the same ticket";
  auto changed = kowloon;
  changed.mutable_ticket()->set_description("the toilet, not the tap");
  auto reused = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, changed, kAdapterToken);
  EXPECT_EQ(reused.code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(reused.status.error_message().find(k.value.id()), std::string::npos)
      << reused.status.error_message();
}

TEST_F(TicketSecurityTest, BadInputThatUsedToBeTakenGetsAClearError) {
  std::string elsewhere = lobby::testing::CreateResidentIn(harness_->channel, "harbour");
  auto before = server().Snapshot();
  auto foreign = Repair("demo");
  foreign.mutable_ticket()->mutable_reporter()->set_resident_id(elsewhere);
  auto r = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, foreign, kAgentToken);
  EXPECT_EQ(r.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(r.status.error_message().find("lives in estate harbour"), std::string::npos)
      << r.status.error_message();
  auto nobody = Repair("demo");
  nobody.mutable_ticket()->mutable_reporter()->set_resident_id("RS-99999");
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, nobody, kAgentToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetTicketRequest blank;
  blank.set_id(" ");
  auto got = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, blank, kAgentToken);
  EXPECT_EQ(got.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(got.status.error_message().find("id is required"), std::string::npos)
      << got.status.error_message();
  blank.set_id("R-1; DROP");
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, blank, kAgentToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(before, server().Snapshot());

  std::string id =
      CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, Repair(), kAgentToken).value.id();
  v1::ProposeVisitRequest visit;
  visit.set_id(id);
  visit.mutable_start()->set_seconds(253402300800);  // 10000-01-01
  visit.mutable_end()->set_seconds(253402300800 + 3600);
  auto far = CallRpc(*repairs_, &v1::RepairService::Stub::ProposeVisit, visit, kAgentToken);
  EXPECT_EQ(far.code(), grpc::StatusCode::INVALID_ARGUMENT) << far.status.error_message();
  visit.mutable_start()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(24 * 400)));
  visit.mutable_end()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(24 * 400 + 2)));
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::ProposeVisit, visit, kAgentToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "more than a year ahead";
}

}  // namespace
}  // namespace lobby::security
