// The notify consumer in lobbyd's residents service, against a real Redis on a fake clock:
// ticket changes made over gRPC reach the resident as one message after the coalescing window,
// on a channel that reaches them, and stand on their timeline; an urgent ticket's news goes at
// once.
#include <gtest/gtest.h>

#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::residents {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

class NotifyTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_,
                                         std::vector<std::string>{"--notify-tick", "20ms"});
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    residents_ = v1::ResidentService::NewStub(harness_->channel);
    v1::CreateResidentRequest req;
    auto* r = req.mutable_resident();
    r->set_name("Mary Wong");
    r->add_phones("+85291234567");
    r->mutable_unit()->set_site_id("demo");
    r->mutable_unit()->set_building("Tower 1");
    r->mutable_unit()->set_floor("3");
    r->mutable_unit()->set_room("A");
    r->set_role(v1::RESIDENT_ROLE_TENANT);
    r->set_language("en");
    auto created =
        CallRpc(*residents_, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
    ASSERT_TRUE(created.ok()) << created.status.error_message();
    resident_ = created.value.id();
  }
  void TearDown() override { harness_.reset(); }

  void Assign(const std::string& id) {
    lobby::testing::AssignRepair(*repairs_, id, "plumbing", "lee");
  }
  void Do(const std::string& id, v1::TicketAction action) {
    lobby::testing::TransitionRepair(*repairs_, id, {action});
  }
  std::vector<queue::Entry> Notices(const std::string& channel) {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:" + channel, "-", "+"});
    std::vector<queue::Entry> out;
    for (auto& e : r.ok() ? queue::ParseEntries(*r) : std::vector<queue::Entry>{})
      if (e.Get("kind") == "notice") out.push_back(std::move(e));
    return out;
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::string resident_;
};

TEST_F(NotifyTest, TheResidentHearsWhatHappensToTheirRepair) {
  std::string id = lobby::testing::CreateRepair(*repairs_, {.resident = resident_});
  Assign(id);
  Do(id, v1::TICKET_ACTION_ACKNOWLEDGE);
  Do(id, v1::TICKET_ACTION_ARRIVE);
  ASSERT_TRUE(WaitFor(
      [&] { return lobby::testing::CaughtUp(server().conn(), "lobby:q:tickets", "notify"); }));
  EXPECT_TRUE(Notices("sms").empty()) << "held for the coalescing window";

  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(WaitFor([&] { return Notices("sms").size() == 1; }));
  queue::Entry m = Notices("sms")[0];
  EXPECT_EQ(m.Get("resident_id"), resident_) << "no WhatsApp identity: SMS to their phone";
  EXPECT_EQ(m.Get("ticket_id"), id);
  EXPECT_EQ(m.Get("text"), id + ":\n- the plumbing team is taking care of it.\n"
                                "- a technician has taken the job and will be with you.\n"
                                "- our technician has arrived.");

  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  auto timeline = CallRpc(*residents_, &v1::ResidentService::Stub::ListTimeline, tl, kAgentToken);
  ASSERT_TRUE(timeline.ok()) << timeline.status.error_message();
  int told = 0;
  for (const auto& e : timeline.value.entries()) {
    if (e.kind() != v1::TimelineEntry::KIND_MESSAGE_OUT) continue;
    ++told;
    EXPECT_EQ(e.text(), m.Get("text"));
    EXPECT_EQ(e.channel(), v1::CHANNEL_SMS);
  }
  EXPECT_EQ(told, 1);
}

TEST_F(NotifyTest, AnUrgentRepairsNewsGoesAtOnce) {
  std::string id = lobby::testing::CreateRepair(
      *repairs_, {.priority = v1::PRIORITY_P1, .description = "pipe burst", .resident = resident_});
  Assign(id);
  ASSERT_TRUE(WaitFor([&] { return Notices("sms").size() == 1; })) << "the clock did not move";
  EXPECT_EQ(Notices("sms")[0].Get("text"), id + ": the plumbing team is taking care of it.");
}

}  // namespace
}  // namespace lobby::residents
