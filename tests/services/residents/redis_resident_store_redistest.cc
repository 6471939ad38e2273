#include <gtest/gtest.h>

#include "services/residents/redis_resident_store.h"
#include "tests/support/redis_server.h"

namespace lobby::residents {
namespace {

using lobby::testing::RedisTest;

v1::Resident Make(const std::string& id, const std::string& phone, const std::string& floor,
                  const std::string& room, const std::string& building = "Tower 1") {
  v1::Resident r;
  r.set_id(id);
  r.set_name("Resident " + id);
  r.add_phones(phone);
  r.mutable_unit()->set_site_id("demo");
  r.mutable_unit()->set_building(building);
  r.mutable_unit()->set_floor(floor);
  r.mutable_unit()->set_room(room);
  r.set_role(v1::RESIDENT_ROLE_OWNER);
  r.set_version(1);
  return r;
}

class StoreTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    client_ = std::make_unique<redis::Client>(server().options());
    store_ = std::make_unique<RedisResidentStore>(*client_, clock_);
  }
  FakeClock clock_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisResidentStore> store_;
};

TEST_F(StoreTest, IdsAreSequentialAndTakenOnlyWhenTheResidentIsNew) {
  v1::Resident r = Make("", "+85291234567", "12", "A");
  EXPECT_EQ(*store_->ReserveId(r), "RS-10001");
  r.set_id("RS-10001");
  ASSERT_TRUE(store_->Insert(r).ok());
  auto before = server().Snapshot();
  auto taken = store_->ReserveId(Make("", "+85291234567", "12", "A"));
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(taken.status().message().find("RS-10001"), absl::string_view::npos);
  EXPECT_EQ(before, server().Snapshot()) << "no id is used up by a duplicate";
  EXPECT_EQ(*store_->ReserveId(Make("", "+85291234567", "12", "B")), "RS-10002");
}

TEST_F(StoreTest, InsertGetAndPhoneUnitUniqueness) {
  ASSERT_TRUE(store_->Insert(Make("RS-1", "+85291234567", "12", "A")).ok());
  auto got = store_->Get("RS-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name(), "Resident RS-1");
  EXPECT_EQ(store_->Get("RS-404").status().code(), absl::StatusCode::kNotFound);

  auto before = server().Snapshot();
  absl::Status dup = store_->Insert(Make("RS-2", "+85291234567", "12", "A"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("RS-1"), absl::string_view::npos) << dup;
  EXPECT_EQ(before, server().Snapshot());
  // The same phone in another unit is another registration (an owner of two flats).
  EXPECT_TRUE(store_->Insert(Make("RS-3", "+85291234567", "3", "B")).ok());
  auto by_phone = store_->FindByPhone("+85291234567");
  ASSERT_TRUE(by_phone.ok());
  EXPECT_EQ(by_phone->size(), 2u);
  v1::Unit unit = Make("", "", "3", "B").unit();
  EXPECT_EQ(**store_->FindByPhoneUnit("+85291234567", unit), "RS-3");
}

TEST_F(StoreTest, ReplaceMovesIndexesAndRejectsStaleVersions) {
  v1::Resident r = Make("RS-1", "+85291234567", "12", "A");
  ASSERT_TRUE(store_->Insert(r).ok());
  v1::Resident moved = r;
  moved.mutable_unit()->set_floor("15");
  moved.set_phones(0, "+85261234567");
  moved.set_version(2);
  ASSERT_TRUE(store_->Replace(r, moved).ok());
  EXPECT_TRUE(store_->FindByPhone("+85291234567")->empty());
  EXPECT_EQ(store_->FindByPhone("+85261234567")->size(), 1u);
  EXPECT_FALSE(store_->FindByPhoneUnit("+85291234567", r.unit())->has_value());
  auto floor15 = store_->List({"demo", "Tower 1", "15", "", 10, ""});
  ASSERT_EQ(floor15->residents.size(), 1u);
  EXPECT_TRUE(store_->List({"demo", "Tower 1", "12", "", 10, ""})->residents.empty());

  auto before = server().Snapshot();
  v1::Resident stale = moved;
  stale.set_name("lost update");
  stale.set_version(2);
  EXPECT_EQ(store_->Replace(r, stale).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(before, server().Snapshot());
}

TEST_F(StoreTest, ListsByUnitOrderWithNumericFloorsAndPages) {
  int n = 0;
  for (const char* b : {"Tower 2", "Tower 1"}) {
    for (const char* floor : {"10", "2", "1"}) {
      for (const char* room : {"B", "A"}) {
        ++n;
        ASSERT_TRUE(store_
                        ->Insert(Make("RS-" + std::to_string(100 + n),
                                      "+8529123" + std::to_string(4000 + n), floor, room, b))
                        .ok());
      }
    }
  }
  std::vector<std::string> units;
  std::string token;
  int pages = 0;
  do {
    auto page = store_->List({"demo", "", "", "", 5, token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->residents) {
      units.push_back(r.unit().building() + "/" + r.unit().floor() + "/" + r.unit().room());
    }
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(units.size(), 12u);
  EXPECT_EQ(units[0], "Tower 1/1/A");
  EXPECT_EQ(units[2], "Tower 1/2/A");
  EXPECT_EQ(units[4], "Tower 1/10/A");
  EXPECT_EQ(units[6], "Tower 2/1/A");
  EXPECT_EQ(store_->List({"demo", "Tower 2", "10", "B", 50, ""})->residents.size(), 1u);
  EXPECT_EQ(store_->List({"demo", "Tower 2", "", "", 50, ""})->residents.size(), 6u);
  EXPECT_EQ(store_->List({"demo", "Tower 2", "", "", 50, "bogus!"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->List({"elsewhere", "", "", "", 50, ""})->residents.empty());
}

TEST_F(StoreTest, MergeFoldsIdentitiesIndexesAndTimelines) {
  v1::Resident a = Make("RS-1", "+85291234567", "12", "A");
  v1::Resident b = Make("RS-2", "+85261234567", "12", "A");
  auto* ident = b.add_identities();
  ident->set_channel(v1::CHANNEL_TELEGRAM);
  ident->set_external_id("555");
  ASSERT_TRUE(store_->Insert(a).ok());
  ASSERT_TRUE(store_->Insert(b).ok());
  v1::TimelineEntry e;
  e.set_id("1800000000000-aaaaaaaa");
  e.set_text("from b");
  ASSERT_TRUE(store_->AppendTimeline(b, e, "").ok());

  v1::Resident survivor = a;
  survivor.add_phones("+85261234567");
  *survivor.add_identities() = *ident;
  survivor.add_merged_ids("RS-2");
  survivor.set_version(2);
  ASSERT_TRUE(store_->Merge(a, survivor, b).ok());

  EXPECT_EQ(store_->Get("RS-2")->id(), "RS-1") << "the merged id resolves to the survivor";
  EXPECT_EQ(**store_->FindIdentity(v1::CHANNEL_TELEGRAM, "555"), "RS-1");
  EXPECT_EQ(store_->GetByIdentity(v1::CHANNEL_TELEGRAM, "555")->id(), "RS-1");
  EXPECT_EQ(store_->GetByIdentity(v1::CHANNEL_TELEGRAM, "556").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(**store_->FindByPhoneUnit("+85261234567", a.unit()), "RS-1");
  auto list = store_->List({"demo", "", "", "", 10, ""});
  ASSERT_EQ(list->residents.size(), 1u);
  auto tl = store_->ListTimeline(survivor, 10, "");
  ASSERT_EQ(tl->entries.size(), 1u);
  EXPECT_EQ(tl->entries[0].text(), "from b");
  auto phone = store_->FindByPhone("+85261234567");
  ASSERT_EQ(phone->size(), 1u);
  EXPECT_EQ((*phone)[0].id(), "RS-1");
}

TEST_F(StoreTest, TimelineNewestFirstPagedAndIdempotent) {
  v1::Resident r = Make("RS-1", "+85291234567", "12", "A");
  ASSERT_TRUE(store_->Insert(r).ok());
  for (int i = 0; i < 5; ++i) {
    v1::TimelineEntry e;
    e.set_id("180000000000" + std::to_string(i) + "-0000000" + std::to_string(i));
    e.set_text("m" + std::to_string(i));
    ASSERT_TRUE(store_->AppendTimeline(r, e, "key" + std::to_string(i)).ok());
  }
  v1::TimelineEntry again;
  again.set_id("1800000000009-00000009");
  EXPECT_EQ(store_->AppendTimeline(r, again, "key3").code(), absl::StatusCode::kAlreadyExists);
  auto p1 = store_->ListTimeline(r, 3, "");
  ASSERT_EQ(p1->entries.size(), 3u);
  EXPECT_EQ(p1->entries[0].text(), "m4");
  EXPECT_EQ(p1->entries[2].text(), "m2");
  auto p2 = store_->ListTimeline(r, 3, p1->next_page_token);
  ASSERT_EQ(p2->entries.size(), 2u);
  EXPECT_EQ(p2->entries[0].text(), "m1");
  EXPECT_TRUE(p2->next_page_token.empty());
}

TEST_F(StoreTest, VerificationAndItsMessageAreWrittenTogether) {
  Verification v;
  v.id = "abc";
  v.resident_id = "RS-1";
  v.site_id = "demo";
  v.channel = v1::CHANNEL_LINE;
  v.external_id = "U1";
  v.phone = "+85291234567";
  v.code_hash = "hash";
  v.expires_at = clock_.Now() + absl::Minutes(10);
  ASSERT_TRUE(store_->SaveVerification(v, "lobby:q:outbound:sms", {{"to", v.phone}}).ok());
  auto got = store_->GetVerification("abc");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->channel, v1::CHANNEL_LINE);
  EXPECT_EQ(got->expires_at, absl::FromUnixMillis(absl::ToUnixMillis(v.expires_at)));
  EXPECT_EQ(*store_->CountAttempt("abc"), 1);
  EXPECT_EQ(*store_->CountAttempt("abc"), 2);
  EXPECT_EQ(client_->Command({"XLEN", "lobby:q:outbound:sms"})->integer, 1);
  auto ttl = client_->Command({"PTTL", "lobby:residents:verify:abc"});
  EXPECT_GT(ttl->integer, 0);
  ASSERT_TRUE(store_->DeleteVerification("abc").ok());
  EXPECT_EQ(store_->GetVerification("abc").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountInWindow("x", absl::Hours(1)), 1);
  EXPECT_EQ(*store_->CountInWindow("x", absl::Hours(1)), 2);
}

}  // namespace
}  // namespace lobby::residents
