// ComplaintService through a real gRPC server, with its categories from RepairService.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::complaints {
namespace {

using google::protobuf::util::TimeUtil;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;

class ComplaintServiceTest : public lobby::testing::ServiceTest<v1::ComplaintService> {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    lobby::testing::SeedResidents(harness_->channel, 5);
  }
  grpc::Status Create(const v1::CreateTicketRequest& req, v1::Ticket* out,
                      const std::string& token = kAdapterToken) {
    auto r =
        lobby::testing::CallRpc(*stub_, &v1::ComplaintService::Stub::CreateComplaint, req, token);
    *out = r.value;
    return r.status;
  }
  grpc::Status Get(const std::string& id, v1::Ticket* out, const std::string& token) {
    v1::GetTicketRequest req;
    req.set_id(id);
    auto r = lobby::testing::CallRpc(*stub_, &v1::ComplaintService::Stub::GetComplaint, req, token);
    *out = r.value;
    return r.status;
  }
  v1::CreateTicketRequest NewComplaint(const std::string& category, bool anonymous) {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("demo");
    auto* u = t->mutable_location()->mutable_unit();
    u->set_building("Tower 1");
    u->set_floor("8");
    u->set_room("C");
    t->set_category(category);
    t->set_channel(v1::CHANNEL_LINE);
    t->set_description("樓上每晚凌晨都好嘈");
    t->mutable_reporter()->set_resident_id("RS-10003");
    t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
    t->mutable_complaint()->set_anonymous(anonymous);
    return req;
  }
};

TEST_F(ComplaintServiceTest, AnonymousComplaintHidesTheReporterFromATechnician) {
  v1::Ticket created;
  ASSERT_TRUE(Create(NewComplaint("noise", true), &created).ok());
  EXPECT_EQ(created.id(), "C-10001");
  EXPECT_EQ(created.sla().respond_by().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Hours(24)))
      << "the noise category's response deadline";
  v1::Ticket as_tech, as_agent, as_admin;
  ASSERT_TRUE(Get("C-10001", &as_tech, kTechToken).ok());
  EXPECT_TRUE(as_tech.reporter().resident_id().empty());
  EXPECT_EQ(as_tech.reporter().name(), "anonymous");
  ASSERT_TRUE(Get("C-10001", &as_agent, kAgentToken).ok());
  EXPECT_TRUE(as_agent.reporter().resident_id().empty());
  ASSERT_TRUE(Get("C-10001", &as_admin, kAdminToken).ok());
  EXPECT_EQ(as_admin.reporter().resident_id(), "RS-10003");
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, kTechToken, absl::Seconds(10));
  v1::ListTicketsRequest list;
  list.set_site_id("demo");
  v1::ListTicketsResponse listed;
  ASSERT_TRUE(stub_->ListComplaints(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.tickets_size(), 1);
  EXPECT_TRUE(listed.tickets(0).reporter().resident_id().empty());
}

TEST_F(ComplaintServiceTest, CategoriesComeFromRepairServiceCatalog) {
  v1::Ticket out;
  auto repair_category = Create(NewComplaint("plumbing", false), &out);
  EXPECT_EQ(repair_category.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto repairs = v1::RepairService::NewStub(harness_->channel);
  v1::ApplyCatalogRequest apply;
  apply.set_site_id("harbour");
  apply.set_yaml(R"(
categories:
  - id: karaoke
    kind: complaint
    names: {zh-Hant: 卡拉OK, zh-Hans: 卡拉OK, en: Karaoke}
    default_priority: P3
    response_hours: 2
    keywords: [卡拉OK, karaoke]
)");
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, kAdminToken, absl::Seconds(10));
  v1::ApplyCatalogResponse applied;
  ASSERT_TRUE(repairs->ApplyCatalog(&ctx, apply, &applied).ok());
  auto req = NewComplaint("karaoke", false);
  req.mutable_ticket()->set_site_id("harbour");
  req.mutable_ticket()->mutable_reporter()->set_resident_id(
      lobby::testing::CreateResidentIn(harness_->channel, "harbour"));
  ASSERT_TRUE(Create(req, &out).ok());
  EXPECT_EQ(out.sla().respond_by().seconds(), absl::ToUnixSeconds(clock_.Now() + absl::Hours(2)));
  auto noise_there = NewComplaint("noise", false);
  noise_there.mutable_ticket()->set_site_id("harbour");
  *noise_there.mutable_ticket()->mutable_reporter() = req.ticket().reporter();
  EXPECT_EQ(Create(noise_there, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "harbour has its own catalog now";
}

TEST_F(ComplaintServiceTest, IdempotentCreate) {
  auto req = NewComplaint("noise", false);
  req.set_idempotency_key("line:4f1a8c");
  v1::Ticket a, b;
  ASSERT_TRUE(Create(req, &a).ok());
  ASSERT_TRUE(Create(req, &b).ok());
  EXPECT_EQ(a.id(), b.id());
}

}  // namespace
}  // namespace lobby::complaints

namespace lobby::complaints {
namespace {

// Complaints read the catalog from RepairService and the reporter's estate from
// ResidentService in the same process while holding a worker: with every worker busy that
// way, those reads must still be served.
TEST(ComplaintServiceStarvationTest, CatalogReadsAreServedWhenEveryWorkerWaitsOnThem) {
  lobby::testing::RedisServer redis;
  FakeClock clock;
  lobby::testing::Harness lobbyd(redis, clock, {"--workers", "2"});
  auto stub = v1::ComplaintService::NewStub(lobbyd.channel);
  auto residents = v1::ResidentService::NewStub(lobbyd.channel);
  std::vector<std::string> reporters;
  for (int i = 0; i < 8; ++i) {
    v1::CreateResidentRequest req;
    req.mutable_resident()->set_name("Resident");
    req.mutable_resident()->set_role(v1::RESIDENT_ROLE_TENANT);
    req.mutable_resident()->add_phones(absl::StrCat("+8526124000", i));
    v1::Unit* u = req.mutable_resident()->mutable_unit();
    u->set_site_id("site" + std::to_string(i));
    u->set_building("T1");
    u->set_floor("1");
    u->set_room("A");
    auto r = lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::CreateResident, req,
                                     lobby::testing::kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
    reporters.push_back(r.value.id());
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      v1::CreateTicketRequest req;
      v1::Ticket* t = req.mutable_ticket();
      t->set_site_id("site" + std::to_string(i));  // a cold catalog cache each
      t->mutable_location()->set_building("T1");
      t->mutable_location()->set_area("lobby");
      t->set_category("noise");
      t->set_channel(v1::CHANNEL_SMS);
      t->set_description("noise");
      t->mutable_reporter()->set_resident_id(reporters[i]);
      t->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
      grpc::ClientContext ctx;
      PrepareClientContext(ctx, lobby::testing::kAdapterToken, absl::Seconds(4));
      v1::Ticket out;
      if (stub->CreateComplaint(&ctx, req, &out).ok()) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

}  // namespace
}  // namespace lobby::complaints
