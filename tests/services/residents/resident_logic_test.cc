#include "services/residents/resident_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lobby::residents {
namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::StrictMock;

class MockStore : public ResidentStore {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, ReserveId, (const v1::Resident&), (override));
  MOCK_METHOD(absl::Status, Insert, (const v1::Resident&), (override));
  MOCK_METHOD(absl::StatusOr<v1::Resident>, Get, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<v1::Resident>, GetByIdentity, (v1::Channel, absl::string_view),
              (override));
  MOCK_METHOD(absl::Status, Replace, (const v1::Resident&, const v1::Resident&), (override));
  MOCK_METHOD(absl::Status, Merge, (const v1::Resident&, const v1::Resident&, const v1::Resident&),
              (override));
  MOCK_METHOD(absl::StatusOr<ResidentPage>, List, (const ResidentQuery&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Resident>>, FindByPhone, (absl::string_view),
              (override));
  MOCK_METHOD(absl::StatusOr<std::optional<std::string>>, FindByPhoneUnit,
              (absl::string_view, const v1::Unit&), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<std::string>>, FindIdentity,
              (v1::Channel, absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<v1::StaffIdentity>>, FindStaff,
              (v1::Channel, absl::string_view), (override));
  MOCK_METHOD(absl::Status, LinkStaff, (const v1::StaffIdentity&), (override));
  MOCK_METHOD(absl::Status, UnlinkStaff, (v1::Channel, absl::string_view), (override));
  MOCK_METHOD(absl::Status, MarkSeen, (const v1::Resident&, absl::Time), (override));
  MOCK_METHOD(absl::Status, AppendTimeline,
              (const v1::Resident&, const v1::TimelineEntry&, absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<TimelinePage>, ListTimeline,
              (const v1::Resident&, int, absl::string_view), (override));
  MOCK_METHOD(absl::Status, SaveVerification,
              (const Verification&, absl::string_view, const queue::Fields&), (override));
  MOCK_METHOD(absl::StatusOr<Verification>, GetVerification, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, CountAttempt, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, DeleteVerification, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, CountInWindow, (absl::string_view, absl::Duration),
              (override));
  MOCK_METHOD((absl::StatusOr<std::pair<std::string, bool>>), SaveCallback,
              (const v1::CallbackTask&, absl::string_view, absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<v1::CallbackTask>, GetCallback, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::CallbackTask>>, ListCallbacks,
              (absl::string_view, bool, int), (override));
  MOCK_METHOD(absl::Status, FinishCallback, (const v1::CallbackTask&, absl::string_view),
              (override));
};

v1::Resident Valid() {
  v1::Resident r;
  r.set_name("  陳大文 ");
  r.add_phones("9123 4567");
  r.add_phones("+852 9123 4567");  // the same number twice
  r.mutable_unit()->set_site_id("demo");
  r.mutable_unit()->set_building("Tower 1");
  r.mutable_unit()->set_floor("12");
  r.mutable_unit()->set_room("A");
  r.set_role(v1::RESIDENT_ROLE_OWNER);
  r.add_tags("Elderly");
  return r;
}

class ResidentLogicTest : public ::testing::Test {
 protected:
  StrictMock<MockStore> store_;  // any call not expected fails the test
  FakeClock clock_;
  ResidentLogic logic_{store_, clock_, ResidentsConfig{}};
};

TEST_F(ResidentLogicTest, CreateNormalisesAndStoresVersionOne) {
  EXPECT_CALL(store_, ReserveId(_)).WillOnce(Return(std::string("RS-10001")));
  v1::Resident stored;
  EXPECT_CALL(store_, Insert(_)).WillOnce([&](const v1::Resident& r) {
    stored = r;
    return absl::OkStatus();
  });
  auto r = logic_.Create(Valid());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(stored.id(), "RS-10001");
  EXPECT_EQ(stored.name(), "陳大文");
  ASSERT_EQ(stored.phones_size(), 1);
  EXPECT_EQ(stored.phones(0), "+85291234567");
  EXPECT_EQ(stored.language(), "zh-Hant");
  EXPECT_EQ(stored.tags(0), "elderly");
  EXPECT_EQ(stored.version(), 1);
  EXPECT_EQ(stored.created_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
}

TEST_F(ResidentLogicTest, BadResidentsTouchNoStorage) {
  std::vector<std::pair<const char*, std::function<void(v1::Resident&)>>> bad = {
      {"no name", [](v1::Resident& r) { r.set_name(" "); }},
      {"no phone", [](v1::Resident& r) { r.clear_phones(); }},
      {"bad phone", [](v1::Resident& r) { r.set_phones(0, "12345"); }},
      {"bad site", [](v1::Resident& r) { r.mutable_unit()->set_site_id("Demo Estate"); }},
      {"no building", [](v1::Resident& r) { r.mutable_unit()->clear_building(); }},
      {"pipe in room", [](v1::Resident& r) { r.mutable_unit()->set_room("A|B"); }},
      {"no role", [](v1::Resident& r) { r.clear_role(); }},
      {"bad language", [](v1::Resident& r) { r.set_language("fr"); }},
      {"bad tag", [](v1::Resident& r) { r.add_tags("needs help!"); }},
      {"bad quiet hours",
       [](v1::Resident& r) {
         r.mutable_quiet_hours()->set_start("25:00");
         r.mutable_quiet_hours()->set_end("08:00");
       }},
      {"half quiet hours", [](v1::Resident& r) { r.mutable_quiet_hours()->set_start("22:00"); }},
      {"identities given", [](v1::Resident& r) { r.add_identities()->set_external_id("x"); }},
      {"unknown opt-out",
       [](v1::Resident& r) { r.add_opted_out_channels(static_cast<v1::Channel>(99)); }},
  };
  for (auto& [why, mutate] : bad) {
    v1::Resident r = Valid();
    mutate(r);
    auto got = logic_.Create(r);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_FALSE(got.status().message().empty()) << why;
  }
}

TEST_F(ResidentLogicTest, UpdateNeedsAKnownMask) {
  v1::UpdateResidentRequest req;
  req.mutable_resident()->set_id("RS-10001");
  EXPECT_EQ(logic_.Update(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.mutable_update_mask()->add_paths("identities");
  EXPECT_EQ(logic_.Update(req).status().code(), absl::StatusCode::kInvalidArgument);
}

v1::Resident Stored(int64_t version) {
  v1::Resident r = Valid();
  r.set_id("RS-10001");
  r.set_name("陳大文");
  r.clear_phones();
  r.add_phones("+85291234567");
  r.set_language("zh-Hant");
  r.clear_tags();
  r.set_version(version);
  return r;
}

TEST_F(ResidentLogicTest, UpdateRetriesOnAConcurrentWrite) {
  v1::UpdateResidentRequest req;
  req.mutable_resident()->set_id("RS-10001");
  req.mutable_resident()->set_name("陳小文");
  req.mutable_update_mask()->add_paths("name");
  EXPECT_CALL(store_, Get(absl::string_view("RS-10001")))
      .WillOnce(Return(Stored(1)))
      .WillOnce(Return(Stored(2)));
  EXPECT_CALL(store_, Replace(_, _))
      .WillOnce(Return(absl::AbortedError("moved on")))
      .WillOnce([](const v1::Resident& before, const v1::Resident& after) {
        EXPECT_EQ(before.version(), 2);
        EXPECT_EQ(after.version(), 3);
        EXPECT_EQ(after.name(), "陳小文");
        return absl::OkStatus();
      });
  auto r = logic_.Update(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version(), 3);
}

TEST_F(ResidentLogicTest, UpdateWithStaleExpectedVersionWritesNothing) {
  v1::UpdateResidentRequest req;
  req.mutable_resident()->set_id("RS-10001");
  req.mutable_resident()->set_name("x");
  req.mutable_update_mask()->add_paths("name");
  req.set_expected_version(1);
  EXPECT_CALL(store_, Get(_)).WillOnce(Return(Stored(4)));
  EXPECT_EQ(logic_.Update(req).status().code(), absl::StatusCode::kAborted);
}

TEST_F(ResidentLogicTest, UpdateCannotMoveEstate) {
  v1::UpdateResidentRequest req;
  *req.mutable_resident() = Stored(1);
  req.mutable_resident()->mutable_unit()->set_site_id("other");
  req.mutable_update_mask()->add_paths("unit");
  EXPECT_CALL(store_, Get(_)).WillOnce(Return(Stored(1)));
  EXPECT_EQ(logic_.Update(req).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ResidentLogicTest, StartVerificationIsRateLimited) {
  v1::StartVerificationRequest req;
  req.set_channel(v1::CHANNEL_TELEGRAM);
  req.set_external_id("555");
  req.set_phone("9123 4567");
  *req.mutable_unit() = Valid().unit();
  EXPECT_CALL(store_, CountInWindow(_, absl::Hours(1))).WillOnce(Return(6));
  EXPECT_EQ(logic_.StartVerification(req).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(ResidentLogicTest, StartVerificationRejectsBadInputBeforeCounting) {
  v1::StartVerificationRequest req;
  req.set_channel(v1::CHANNEL_TELEGRAM);
  req.set_external_id("555");
  req.set_phone("not a phone");
  *req.mutable_unit() = Valid().unit();
  EXPECT_EQ(logic_.StartVerification(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.set_phone("9123 4567");
  req.set_channel(v1::CHANNEL_UNSPECIFIED);
  EXPECT_EQ(logic_.StartVerification(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ResidentLogicTest, StartVerificationQueuesALocalisedCode) {
  v1::StartVerificationRequest req;
  req.set_channel(v1::CHANNEL_TELEGRAM);
  req.set_external_id("555");
  req.set_phone("9123 4567");
  *req.mutable_unit() = Valid().unit();
  EXPECT_CALL(store_, CountInWindow(_, _)).Times(2).WillRepeatedly(Return(1));
  EXPECT_CALL(store_, FindByPhoneUnit(absl::string_view("+85291234567"), _))
      .WillOnce(Return(std::optional<std::string>("RS-10001")));
  EXPECT_CALL(store_, FindIdentity(v1::CHANNEL_TELEGRAM, absl::string_view("555")))
      .WillOnce(Return(std::optional<std::string>()));
  EXPECT_CALL(store_, Get(_)).WillOnce(Return(Stored(1)));
  Verification saved;
  queue::Fields message;
  std::string stream;
  EXPECT_CALL(store_, SaveVerification(_, _, _))
      .WillOnce([&](const Verification& v, absl::string_view s, const queue::Fields& f) {
        saved = v;
        stream = std::string(s);
        message = f;
        return absl::OkStatus();
      });
  auto r = logic_.StartVerification(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(stream, "lobby:q:outbound:sms");
  EXPECT_EQ(r->masked_phone(), "+852****4567");
  EXPECT_EQ(saved.expires_at, clock_.Now() + absl::Minutes(10));
  std::string text;
  for (auto& [k, v] : message) {
    if (k == "text") text = v;
    if (k == "to") {
      EXPECT_EQ(v, "+85291234567");
    }
  }
  EXPECT_NE(text.find("驗證碼"), std::string::npos) << text;  // the resident's language
  EXPECT_EQ(saved.code_hash.size(), 64u);
}

TEST_F(ResidentLogicTest, ConfirmChecksFormatExpiryAndAttempts) {
  v1::ConfirmVerificationRequest req;
  req.set_verification_id("v1");
  req.set_code("12a456");
  EXPECT_EQ(logic_.ConfirmVerification(req).status().code(), absl::StatusCode::kInvalidArgument);

  Verification v;
  v.id = "v1";
  v.code_hash = std::string(64, '0');
  v.expires_at = clock_.Now() - absl::Seconds(1);
  req.set_code("123456");
  EXPECT_CALL(store_, GetVerification(_)).WillOnce(Return(v));
  EXPECT_CALL(store_, DeleteVerification(absl::string_view("v1")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_EQ(logic_.ConfirmVerification(req).status().code(), absl::StatusCode::kNotFound);

  v.expires_at = clock_.Now() + absl::Minutes(5);
  EXPECT_CALL(store_, GetVerification(_)).WillOnce(Return(v));
  EXPECT_CALL(store_, CountAttempt(_)).WillOnce(Return(2));
  auto wrong = logic_.ConfirmVerification(req);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("3 attempts left"), absl::string_view::npos)
      << wrong.status();

  EXPECT_CALL(store_, GetVerification(_)).WillOnce(Return(v));
  EXPECT_CALL(store_, CountAttempt(_)).WillOnce(Return(6));
  EXPECT_CALL(store_, DeleteVerification(_)).WillOnce(Return(absl::OkStatus()));
  EXPECT_EQ(logic_.ConfirmVerification(req).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(ResidentLogicTest, ImportRejectsBadFilesWhole) {
  for (const char* csv :
       {"", "name,phone\nx,y\n", "name,phone,site,building,floor,room,role,colour\n",
        "name,name,phone,site,building,floor,room,role\n", "\"broken\n"}) {
    v1::ImportResidentsRequest req;
    req.set_csv(csv);
    EXPECT_EQ(logic_.Import(req).status().code(), absl::StatusCode::kInvalidArgument) << csv;
  }
}

TEST_F(ResidentLogicTest, ImportReportsRejectedRowsWithoutWriting) {
  v1::ImportResidentsRequest req;
  req.set_csv(
      "name,phone,site,building,floor,room,role\n"
      "Amy,123,demo,T1,1,A,owner\n"
      "Bob,9123 4567,demo,T1,1,A,landlord\n"
      "Cat,9123 4567,demo,T1,1,A,owner,extra\n"
      ",9123 4567,demo,T1,1,A,owner\n");
  auto r = logic_.Import(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows_size(), 4);
  EXPECT_EQ(r->rejected(), 4);
  EXPECT_EQ(r->rows(0).line(), 2);
  EXPECT_NE(r->rows(0).error().find("phone"), std::string::npos);
  EXPECT_NE(r->rows(1).error().find("landlord"), std::string::npos);
  EXPECT_NE(r->rows(2).error().find("expected 7 fields"), std::string::npos);
  EXPECT_NE(r->rows(3).error().find("name"), std::string::npos);
}

TEST_F(ResidentLogicTest, TimelineValidation) {
  v1::AppendTimelineRequest req;
  req.set_resident_id("RS-10001");
  EXPECT_EQ(logic_.AppendTimeline(req).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ListTimelineRequest list;
  list.set_resident_id("RS-10001");
  list.set_page_token("garbage");
  EXPECT_EQ(logic_.ListTimeline(list, true).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ResidentLogicTest, TicketEventWithoutResidentIsSkipped) {
  queue::Entry e;
  e.id = "1-0";
  e.fields = {{"type", "ticket.created"}, {"ticket_id", "R-10001"}};
  EXPECT_TRUE(logic_.HandleTicketEvent(e).ok());
}

}  // namespace
}  // namespace lobby::residents
