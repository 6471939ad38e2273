// The estate register end to end in one process: applied through DispatchService, then every
// place given to ResidentService, RepairService and ComplaintService checked against it.
#include <gtest/gtest.h>

#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/estate_register.h"
#include "tests/support/harness.h"

namespace lobby::dispatch {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;

std::string Estate(const std::string& tower1_floors = "1-3") {
  return R"(
site: demo
time_zone: Asia/Hong_Kong
languages: [en, zh-Hant]
teams:
  - {id: plumbing, categories: [plumbing]}
  - {id: maintenance, categories: [gas]}
members:
  - {id: lee, name: Lee Ka Ho, teams: [plumbing], on_call: true}
  - {id: wong, teams: [plumbing], on_call: true}
  - {id: chan, teams: [maintenance], on_call: true}
buildings:
  - name: Tower 1
    aliases: [T1]
    floors: )" +
         tower1_floors + R"(
    units: A-C
    other_floors: [G]
    common_areas: [lobby, lift 1]
  - {name: Tower 2, floors: 1-2, units: [A, B]}
)";
}

class RegisterTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_);
    lobby::testing::SeedResidents(harness_->channel, 2);  // RS-10001, RS-10002: Tower 1 3/F A, B
    dispatch_ = v1::DispatchService::NewStub(harness_->channel);
    residents_ = v1::ResidentService::NewStub(harness_->channel);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    complaints_ = v1::ComplaintService::NewStub(harness_->channel);
    Apply(Estate());
    clock_.Advance(
        RegisterCache::kTtl);  // the residents seeded above were checked before any register
  }
  void TearDown() override { harness_.reset(); }

  void Apply(const std::string& yaml) {
    v1::ApplyEstateRequest req;
    req.set_yaml(yaml);
    auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
  }
  lobby::testing::Result<v1::Resident> NewResident(const std::string& site,
                                                   const std::string& building,
                                                   const std::string& floor,
                                                   const std::string& room) {
    v1::CreateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_name("Chan");
    r->add_phones(absl::StrCat("+8526", 1000000 + next_phone_++));
    r->mutable_unit()->set_site_id(site);
    r->mutable_unit()->set_building(building);
    r->mutable_unit()->set_floor(floor);
    r->mutable_unit()->set_room(room);
    r->set_role(v1::RESIDENT_ROLE_TENANT);
    return CallRpc(*residents_, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
  }
  lobby::testing::Result<v1::Ticket> NewRepair(v1::Location where,
                                               const std::string& category = "plumbing") {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("demo");
    *t->mutable_location() = std::move(where);
    t->set_category(category);
    t->set_channel(v1::CHANNEL_PHONE);
    t->set_description("leak");
    t->mutable_reporter()->set_resident_id("RS-10001");
    return CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, req, kAdminToken);
  }
  static v1::Location Flat(const std::string& building, const std::string& floor,
                           const std::string& room) {
    v1::Location l;
    l.mutable_unit()->set_site_id("demo");
    l.mutable_unit()->set_building(building);
    l.mutable_unit()->set_floor(floor);
    l.mutable_unit()->set_room(room);
    return l;
  }
  int Repairs() {
    v1::ListTicketsRequest req;
    req.set_site_id("demo");
    return CallRpc(*repairs_, &v1::RepairService::Stub::ListRepairs, req, kAdminToken)
        .value.tickets_size();
  }

  FakeClock clock_;
  int next_phone_ = 0;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::DispatchService::Stub> dispatch_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
};

TEST_F(RegisterTest, AResidentsFlatMustBeInTheRegisterAndIsStoredAsItSpellsIt) {
  auto bad = NewResident("demo", "Tower 9", "3", "A");
  EXPECT_EQ(bad.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.status.error_message(),
            "location: no building 'Tower 9' in estate demo (buildings: Tower 1, Tower 2)");
  auto floor = NewResident("demo", "Tower 1", "99", "A");
  EXPECT_EQ(floor.status.error_message(), "location: Tower 1 has no floor '99' (floors: 1-3)");
  auto room = NewResident("demo", "Tower 2", "1", "C");
  EXPECT_EQ(room.status.error_message(), "location: Tower 2 floor 1 has no flat 'C' (flats: A, B)");
  auto good = NewResident("demo", "t1", "2/F", "c");
  ASSERT_TRUE(good.ok()) << good.status.error_message();
  EXPECT_EQ(good.value.unit().building(), "Tower 1");
  EXPECT_EQ(good.value.unit().floor(), "2");
  EXPECT_EQ(good.value.unit().room(), "C");
  EXPECT_EQ(good.value.language(), "en")
      << "the estate's first language, not --default-language (zh-Hant)";

  // A move to a flat that does not exist is refused; an update that leaves the unit alone is not
  // checked (so residents from before the register keep working).
  v1::UpdateResidentRequest move;
  move.mutable_resident()->set_id(good.value.id());
  *move.mutable_resident()->mutable_unit() = good.value.unit();
  move.mutable_resident()->mutable_unit()->set_room("Z");
  move.mutable_update_mask()->add_paths("unit");
  EXPECT_EQ(
      CallRpc(*residents_, &v1::ResidentService::Stub::UpdateResident, move, kAdminToken).code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegisterTest, ASiteThatIsNoEstateIsRefusedOnceAnEstateHasARegister) {
  auto r = NewResident("demoo", "Tower 1", "3", "A");
  EXPECT_EQ(r.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.status.error_message(), "site_id: no estate 'demoo' (estates: demo)");
}

TEST_F(RegisterTest, AnImportRejectsTheRowsOfFlatsThatDoNotExistAndLoadsTheRest) {
  v1::ImportResidentsRequest req;
  req.set_csv(
      "name,phone,site,building,floor,room,role,language\n"
      "Ann,9123 0001,demo,Tower 1,1,A,owner,en\n"
      "Bob,9123 0002,demo,Tower 1,12,A,owner,en\n"
      "Cat,9123 0003,demo,Tower 3,1,A,owner,en\n");
  auto r = CallRpc(*residents_, &v1::ResidentService::Stub::ImportResidents, req, kAdminToken);
  ASSERT_TRUE(r.ok()) << r.status.error_message();
  EXPECT_EQ(r.value.created(), 1);
  EXPECT_EQ(r.value.rejected(), 2);
  ASSERT_EQ(r.value.rows_size(), 3);
  EXPECT_EQ(r.value.rows(1).error(), "location: Tower 1 has no floor '12' (floors: 1-3)");
  EXPECT_NE(r.value.rows(2).error().find("no building 'Tower 3'"), std::string::npos);
}

TEST_F(RegisterTest, RepairsComplaintsAndIncidentsNameOnlyPlacesOfTheRegister) {
  int before = Repairs();
  auto bad = NewRepair(Flat("Tower 1", "3", "D"));
  EXPECT_EQ(bad.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.status.error_message(), "location: Tower 1 floor 3 has no flat 'D' (flats: A-C)");
  v1::Location area;
  area.set_building("Tower 1");
  area.set_area("garden");
  EXPECT_NE(NewRepair(area).status.error_message().find("common areas: lobby, lift 1"),
            std::string::npos);
  EXPECT_EQ(Repairs(), before) << "a refused report changes nothing";

  area.set_area("Lift 1");
  area.set_floor("g/f");
  auto lift = NewRepair(area);
  ASSERT_TRUE(lift.ok()) << lift.status.error_message();
  EXPECT_EQ(lift.value.location().area(), "lift 1");
  EXPECT_EQ(lift.value.location().floor(), "G");

  v1::CreateTicketRequest complaint;
  v1::Ticket* c = complaint.mutable_ticket();
  c->set_site_id("demo");
  *c->mutable_location() = Flat("Tower 2", "7", "A");
  c->set_category("noise");
  c->set_channel(v1::CHANNEL_PHONE);
  c->set_description("noise at night");
  c->mutable_reporter()->set_resident_id("RS-10001");
  c->mutable_complaint()->set_subject(v1::COMPLAINT_SUBJECT_NOISE);
  auto refused =
      CallRpc(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, complaint, kAdminToken);
  EXPECT_EQ(refused.status.error_message(), "location: Tower 2 has no floor '7' (floors: 1, 2)");

  v1::CreateIncidentRequest incident;
  incident.mutable_incident()->set_site_id("demo");
  incident.mutable_incident()->set_title("water off");
  incident.mutable_incident()->add_buildings("tower 2");
  auto ok = CallRpc(*repairs_, &v1::RepairService::Stub::CreateIncident, incident, kAdminToken);
  ASSERT_TRUE(ok.ok()) << ok.status.error_message();
  EXPECT_EQ(ok.value.buildings(0), "Tower 2");
  incident.mutable_incident()->set_buildings(0, "Tower 9");
  EXPECT_EQ(
      CallRpc(*repairs_, &v1::RepairService::Stub::CreateIncident, incident, kAdminToken).code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegisterTest, AnEmergencyIsNeverRefusedForItsPlace) {
  v1::Location where;
  where.set_building("the car park");
  where.set_floor("B2");
  auto gas = NewRepair(where, "gas");
  ASSERT_TRUE(gas.ok()) << gas.status.error_message();
  EXPECT_TRUE(gas.value.emergency());
  EXPECT_EQ(gas.value.location().building(), "the car park");
}

TEST_F(RegisterTest, AFlatAddedByApplyIsAcceptedWithoutWaitingForTheCache) {
  EXPECT_EQ(NewResident("demo", "Tower 1", "5", "A").code(), grpc::StatusCode::INVALID_ARGUMENT);
  Apply(Estate("1-5"));
  clock_.Advance(RegisterCache::kRecheck);  // the cache asks again at most once a second
  auto r = NewResident("demo", "Tower 1", "5", "A");
  EXPECT_TRUE(r.ok()) << r.status.error_message();
}

TEST_F(RegisterTest, AnAssigneeMustBeAMemberIdOfTheTeam) {
  auto t = NewRepair(Flat("Tower 1", "3", "A"));
  ASSERT_TRUE(t.ok()) << t.status.error_message();
  v1::AssignRequest req;
  req.set_id(t.value.id());
  req.set_team("plumbing");
  req.set_assignee("Lee Ka Ho");
  auto name = CallRpc(*repairs_, &v1::RepairService::Stub::Assign, req, kAdminToken);
  EXPECT_EQ(name.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(name.status.error_message(),
            "assignee: 'Lee Ka Ho' is not a member of team plumbing (members: lee, wong; an "
            "assignee is a member id)");
  req.set_assignee("chan");
  EXPECT_EQ(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, req, kAdminToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "chan is in maintenance, not plumbing";
  req.set_team("plumbers");
  EXPECT_NE(CallRpc(*repairs_, &v1::RepairService::Stub::Assign, req, kAdminToken)
                .status.error_message()
                .find("no team 'plumbers'"),
            std::string::npos);
  req.set_team("plumbing");
  req.set_assignee("wong");
  auto ok = CallRpc(*repairs_, &v1::RepairService::Stub::Assign, req, kAdminToken);
  ASSERT_TRUE(ok.ok()) << ok.status.error_message();
  EXPECT_EQ(ok.value.assignee(), "wong");
}

TEST_F(RegisterTest, AnyRoleReadsTheRegisterButNoContacts) {
  v1::GetEstateRequest req;
  req.set_site_id("demo");
  auto r = CallRpc(*dispatch_, &v1::DispatchService::Stub::GetRegister, req, kAdapterToken);
  ASSERT_TRUE(r.ok()) << r.status.error_message();
  EXPECT_EQ(r.value.buildings_size(), 2);
  EXPECT_EQ(r.value.time_zone(), "Asia/Hong_Kong");
  ASSERT_EQ(r.value.teams_size(), 2);
  EXPECT_EQ(r.value.teams(0).members_size(), 2);
  EXPECT_EQ(CallRpc(*dispatch_, &v1::DispatchService::Stub::GetEstate, req, kAdapterToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegisterTest, VerificationByChatNamesTheFlatsThatExist) {
  v1::StartVerificationRequest req;
  req.set_channel(v1::CHANNEL_TELEGRAM);
  req.set_external_id("5550001");
  req.set_phone("+85261230000");
  req.mutable_unit()->set_site_id("demo");
  req.mutable_unit()->set_building("Tower 1");
  req.mutable_unit()->set_floor("3");
  req.mutable_unit()->set_room("Q");
  auto r = CallRpc(*residents_, &v1::ResidentService::Stub::StartVerification, req, kAdapterToken);
  EXPECT_EQ(r.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.status.error_message(), "location: Tower 1 floor 3 has no flat 'Q' (flats: A-C)");
}

}  // namespace
}  // namespace lobby::dispatch
