// RedisNotifyStore against a real Redis: a redelivered event is held once, an earlier due
// stands, held notices come back in the order they happened, and telling writes the timeline
// entry, the message and the dropped notices together or not at all.
#include <gtest/gtest.h>

#include "services/common/proto_util.h"
#include "services/residents/redis_notify_store.h"
#include "tests/support/redis_server.h"

namespace lobby::residents {
namespace {

using lobby::testing::RedisTest;

class NotifyStoreTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    client_ = std::make_unique<redis::Client>(server().options());
    residents_ = std::make_unique<RedisResidentStore>(*client_, clock_);
    store_ = std::make_unique<RedisNotifyStore>(*client_, *residents_);
    resident_.set_id("RS-10001");
    resident_.mutable_unit()->set_site_id("demo");
  }
  Notice On(const std::string& type) { return Notice{.type = type, .ticket_id = "R-10042"}; }
  int64_t Len(const std::string& stream) {
    return server().conn().Command({"XLEN", stream})->integer;
  }

  FakeClock clock_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisResidentStore> residents_;
  std::unique_ptr<RedisNotifyStore> store_;
  v1::Resident resident_;
};

TEST_F(NotifyStoreTest, AnEventIsHeldOnceAndTheEarliestDueStands) {
  absl::Time t0 = clock_.Now();
  ASSERT_TRUE(
      store_->Hold("demo", "RS-10001", "1700-9", On("ticket.on_site"), t0 + absl::Minutes(5)).ok());
  EXPECT_TRUE(
      absl::IsAlreadyExists(store_->Hold("demo", "RS-10001", "1700-9", On("ticket.on_site"), t0)))
      << "a redelivery";
  ASSERT_TRUE(
      store_->Hold("demo", "RS-10001", "1700-10", On("ticket.resolved"), t0 + absl::Minutes(1))
          .ok());
  ASSERT_TRUE(
      store_->Hold("demo", "RS-10001", "999-1", On("ticket.assigned"), t0 + absl::Minutes(9)).ok());
  EXPECT_TRUE(store_->ClaimDue("demo", t0, t0 + absl::Minutes(1), 10)->empty());
  auto due = store_->ClaimDue("demo", t0 + absl::Minutes(1), t0 + absl::Minutes(2), 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, std::vector<std::string>{"RS-10001"}) << "the earliest of the three";
  EXPECT_TRUE(store_->ClaimDue("demo", t0 + absl::Minutes(1), t0 + absl::Minutes(2), 10)->empty())
      << "leased";
  auto held = store_->HeldFor("demo", "RS-10001");
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 3u);
  EXPECT_EQ((*held)[0].entry_id, "999-1");
  EXPECT_EQ((*held)[1].entry_id, "1700-9");
  EXPECT_EQ((*held)[2].entry_id, "1700-10");
  EXPECT_EQ((*held)[2].notice.type, "ticket.resolved");
  EXPECT_EQ(*store_->Sites(), std::vector<std::string>{"demo"});
}

TEST_F(NotifyStoreTest, TellingWritesTheTimelineTheMessageAndTheDroppedNoticesTogether) {
  absl::Time t0 = clock_.Now();
  ASSERT_TRUE(store_->Hold("demo", "RS-10001", "1-1", On("ticket.on_site"), t0).ok());
  ASSERT_TRUE(store_->Hold("demo", "RS-10001", "1-2", On("ticket.resolved"), t0).ok());
  v1::TimelineEntry e;
  e.set_id(TimelineEntryId(t0));
  e.set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  e.set_text("R-10042: our technician has arrived.");
  queue::Fields m = {{"v", "1"}, {"kind", "notice"}, {"resident_id", "RS-10001"}};
  ASSERT_TRUE(store_->Tell(resident_, e, "notify:1-1", "lobby:q:outbound:sms", m, {"1-1"}).ok());
  EXPECT_EQ(Len("lobby:q:outbound:sms"), 1);
  EXPECT_TRUE(absl::IsAlreadyExists(
      store_->Tell(resident_, e, "notify:1-1", "lobby:q:outbound:sms", m, {"1-2"})));
  EXPECT_EQ(Len("lobby:q:outbound:sms"), 1) << "nothing written the second time";
  auto held = store_->HeldFor("demo", "RS-10001");
  ASSERT_EQ(held->size(), 1u) << "1-1 dropped with the message, 1-2 still held";
  EXPECT_EQ((*held)[0].entry_id, "1-2");
  auto page = residents_->ListTimeline(resident_, 10, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].text(), "R-10042: our technician has arrived.");

  ASSERT_TRUE(store_->Forget("demo", "RS-10001", {}).ok());
  EXPECT_EQ(store_->ClaimDue("demo", t0, t0, 10)->size(), 1u) << "still due: 1-2 is held";
  ASSERT_TRUE(store_->Forget("demo", "RS-10001", {"1-2"}).ok());
  EXPECT_TRUE(store_->ClaimDue("demo", t0 + absl::Hours(1), t0, 10)->empty()) << "nothing left";
}

}  // namespace
}  // namespace lobby::residents
