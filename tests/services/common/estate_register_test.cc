#include "services/common/estate_register.h"

#include <gtest/gtest.h>

#include "services/dispatch/estate.h"
#include "tests/support/process.h"

namespace lobby {
namespace {

/// The register of the shipped example estate, as DispatchService.GetRegister gives it.
EstateRegister Example() {
  auto e = dispatch::ParseEstate(
      testing::ReadFile(std::string(LOBBY_SOURCE_DIR) + "/docs/examples/estate.yaml"));
  EXPECT_TRUE(e.ok()) << e.status();
  v1::EstateRegister r;
  r.set_site_id(e->site_id());
  *r.mutable_buildings() = e->buildings();
  auto* plumbing = r.add_teams();
  plumbing->set_team("plumbing");
  for (const char* m : {"lee", "wong", "night-duty"}) plumbing->add_members(m);
  return EstateRegister(r);
}

v1::Unit Unit(const std::string& building, const std::string& floor, const std::string& room) {
  v1::Unit u;
  u.set_site_id("demo");
  u.set_building(building);
  u.set_floor(floor);
  u.set_room(room);
  return u;
}

TEST(CompactRangesTest, JoinsRunsOfNumbersAndLetters) {
  EXPECT_EQ(CompactRanges({"1", "2", "3", "5", "7", "8", "9", "10"}), "1-3, 5, 7-10");
  EXPECT_EQ(CompactRanges({"A", "B", "C", "D"}), "A-D");
  EXPECT_EQ(CompactRanges({"A", "B", "PH1", "PH2"}), "A, B, PH1, PH2");
  EXPECT_EQ(CompactRanges({"B1", "B2", "B3", "G"}), "B1-B3, G");
  EXPECT_EQ(CompactRanges({}), "");
}

TEST(EstateRegisterTest, AUnitOfTheRegisterPassesSpelledAsTheRegisterSpellsIt) {
  EstateRegister reg = Example();
  v1::Unit u = Unit("tower 1", "12/F", "a");
  EXPECT_FALSE(reg.CheckUnit(u).has_value());
  EXPECT_EQ(u.building(), "Tower 1");
  EXPECT_EQ(u.floor(), "12");
  EXPECT_EQ(u.room(), "A");
  v1::Unit alias = Unit("T2", "30", "ph1");
  EXPECT_FALSE(reg.CheckUnit(alias).has_value());
  EXPECT_EQ(alias.building(), "Tower 2");
  EXPECT_EQ(alias.room(), "PH1");
  v1::Unit chinese = Unit("第一座", "3", "C");
  EXPECT_FALSE(reg.CheckUnit(chinese).has_value());
  EXPECT_EQ(chinese.building(), "Tower 1");
}

TEST(EstateRegisterTest, EachWrongPartIsNamedWithTheNearestValidChoices) {
  EstateRegister reg = Example();
  v1::Unit building = Unit("Tower 9", "3", "A");
  auto miss = reg.CheckUnit(building);
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(miss->what, RegisterMiss::What::kBuilding);
  ASSERT_GE(miss->choices.size(), 3u);
  EXPECT_EQ(miss->choices[0].substr(0, 5), "Tower");
  EXPECT_EQ(building.building(), "Tower 9") << "a failed check changes nothing";
  EXPECT_EQ(Describe(*miss, "demo"),
            "location: no building 'Tower 9' in estate demo (buildings: Tower 1, Tower 2, Podium)");

  v1::Unit floor = Unit("Tower 1", "4", "A");  // no 4th floor in a Hong Kong tower
  miss = reg.CheckUnit(floor);
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(Describe(*miss, "demo"),
            "location: Tower 1 has no floor '4' (floors: 1-3, 5-13, 15-23, 25-30)");

  v1::Unit ground = Unit("Tower 1", "G", "A");  // the ground floor has no flats
  miss = reg.CheckUnit(ground);
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(miss->what, RegisterMiss::What::kFloor);

  v1::Unit room = Unit("Tower 2", "30", "A");  // the penthouse floor
  miss = reg.CheckUnit(room);
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(Describe(*miss, "demo"),
            "location: Tower 2 floor 30 has no flat 'A' (flats: PH1, PH2)");
}

TEST(EstateRegisterTest, ACommonAreaIsABuildingWithAnyOfItsFloorsOrOneOfItsAreas) {
  EstateRegister reg = Example();
  v1::Location lobby;
  lobby.set_building("tower 2");
  lobby.set_floor("g/f");
  lobby.set_area("LOBBY");
  EXPECT_FALSE(reg.CheckLocation(lobby).has_value());
  EXPECT_EQ(lobby.building(), "Tower 2");
  EXPECT_EQ(lobby.floor(), "G");
  EXPECT_EQ(lobby.area(), "lobby");

  v1::Location corridor;  // a residential floor's corridor
  corridor.set_building("Tower 1");
  corridor.set_floor("12");
  EXPECT_FALSE(reg.CheckLocation(corridor).has_value());

  v1::Location pool;
  pool.set_building("Podium");
  pool.set_area("swimming pol");
  auto miss = reg.CheckLocation(pool);
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(miss->what, RegisterMiss::What::kArea);
  EXPECT_EQ(miss->choices.front(), "swimming pool") << "the nearest first";

  v1::Location roof;  // a floor the tower does not have: nothing of it is spelled anew
  roof.set_building("tower 1");
  roof.set_floor("99");
  ASSERT_TRUE(reg.CheckLocation(roof).has_value());
  EXPECT_EQ(roof.building(), "tower 1") << "a failed check changes nothing";
}

TEST(EstateRegisterTest, AnAssigneeIsAMemberIdOfTheTeam) {
  EstateRegister reg = Example();
  EXPECT_FALSE(reg.CheckAssignee("plumbing", "lee").has_value());
  EXPECT_FALSE(reg.CheckAssignee("plumbing", "").has_value()) << "the team's pool";
  auto miss = reg.CheckAssignee("plumbing", "Lee Ka Ho");
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(miss->choices.front(), "lee");
  EXPECT_EQ(Describe(*miss, "demo").substr(0, 56),
            "assignee: 'Lee Ka Ho' is not a member of team plumbing (");
  miss = reg.CheckAssignee("plumbers", "lee");
  ASSERT_TRUE(miss.has_value());
  EXPECT_EQ(miss->what, RegisterMiss::What::kTeam);
}

TEST(EstateRegisterTest, AnEstateWithoutARegisterAcceptsEveryPlace) {
  EstateRegister reg{v1::EstateRegister()};
  v1::Unit u = Unit("anything", "99", "Z");
  EXPECT_FALSE(reg.CheckUnit(u).has_value());
  EXPECT_FALSE(reg.CheckAssignee("any", "one").has_value());
}

}  // namespace
}  // namespace lobby
