#include "services/dispatch/estate.h"

#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "tests/support/process.h"

namespace lobby::dispatch {
namespace {

std::string ReadExample() {
  return testing::ReadFile(std::string(LOBBY_SOURCE_DIR) + "/docs/examples/estate.yaml");
}

TEST(EstateTest, TheShippedExampleParses) {
  auto e = ParseEstate(ReadExample());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->site_id(), "demo");
  EXPECT_EQ(e->teams_size(), 6);
  EXPECT_GE(e->members_size(), 10);
  EXPECT_EQ(e->rules(0).name(), "trapped in a lift goes to the lift contractor");
  const v1::Member* lee = nullptr;
  for (const auto& m : e->members()) {
    if (m.id() == "lee") lee = &m;
  }
  ASSERT_NE(lee, nullptr);
  EXPECT_EQ(lee->skills().at("plumbing"), 3);
  EXPECT_EQ(lee->shifts_size(), 6) << "weekdays expand to five days, plus Saturday";
  EXPECT_EQ(lee->contact_channel(), v1::CHANNEL_WHATSAPP);
}

TEST(EstateTest, ErrorsNameWhatIsWrong) {
  const std::string base = "site: demo\nteams:\n  - id: t\n";
  struct Case {
    std::string yaml;
    const char* says;
  } cases[] = {
      {"teams: []\n", "site"},
      {"site: demo\ncolour: red\nteams: []\n", "unknown key 'colour'"},
      {"site: demo\ntime_zone: Mars/Olympus\nteams: []\n", "time zone"},
      {base + "  - id: t\n", "twice"},
      {base + "    fallback: nowhere\n", "fallback"},
      {base + "    fallback: t\n", "fallback"},
      {base + "    supervisor: ghost\n", "supervisor"},
      {base + "members:\n  - id: a\n    teams: [nope]\n", "no team 'nope'"},
      {base + "members:\n  - id: a\n    teams: [t]\n    skills: {plumbing: 5}\n", "from 1 to 3"},
      {base + "members:\n  - id: a\n    teams: [t]\n    capacity: 0\n", "from 1 to 100"},
      {base + "members:\n  - id: a\n    teams: [t]\n    shifts: {mon: \"9am-5pm\"}\n", "HH:MM"},
      {base + "members:\n  - id: a\n    teams: [t]\n    shifts: {someday: \"09:00-17:00\"}\n",
       "sun..sat"},
      {base + "members:\n  - id: a\n    teams: [t]\n  - id: a\n    teams: [t]\n", "twice"},
      {base + "rules:\n  - name: r\n    team: missing\n", "no team 'missing'"},
      {base + "rules:\n  - name: r\n    team: t\n    match: {priority: [P7]}\n", "P1..P4"},
      {base + "rules:\n  - name: r\n    team: t\n    match: {kind: [job]}\n", "kind"},
      {base + "rules:\n  - team: t\n", "name"},
      {"site: demo\nteams: [ {id: t", "line"},
  };
  for (const Case& c : cases) {
    auto e = ParseEstate(c.yaml);
    ASSERT_FALSE(e.ok()) << c.yaml;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(c.says), absl::string_view::npos)
        << c.yaml << " -> " << e.status();
  }
}

TEST(EstateTest, ChangesForADryRun) {
  auto a = ParseEstate(
      "site: demo\nteams:\n  - id: t\n  - id: u\nmembers:\n  - id: a\n    teams: [t]\nrules:\n  - "
      "{name: r1, team: t}\n  - {name: r2, team: u}\n");
  auto b = ParseEstate(
      "site: demo\nteams:\n  - id: t\n  - id: v\nmembers:\n  - id: a\n    teams: [t]\n    "
      "capacity: 9\nrules:\n  - {name: r2, team: t}\n  - {name: r1, team: t}\n");
  ASSERT_TRUE(a.ok() && b.ok());
  auto changes = EstateChanges(*a, *b);
  std::string all;
  for (auto& c : changes) all += c + ";";
  EXPECT_NE(all.find("team v added"), std::string::npos) << all;
  EXPECT_NE(all.find("team u removed"), std::string::npos);
  EXPECT_NE(all.find("member a: capacity: "), std::string::npos) << all;
  EXPECT_NE(all.find(" -> 9;"), std::string::npos) << "field by field, old and new: " << all;
  EXPECT_NE(all.find("rule r2: team: \"u\" -> \"t\""), std::string::npos) << all;
  EXPECT_NE(all.find("rule order changed"), std::string::npos);
  EXPECT_TRUE(EstateChanges(*a, *a).empty());
  // Read back from storage, maps come in another order: still no change.
  v1::Estate stored;
  ASSERT_TRUE(stored.ParseFromString(b->SerializeAsString()));
  EXPECT_TRUE(EstateChanges(*b, stored).empty());
}

}  // namespace
}  // namespace lobby::dispatch

namespace lobby::dispatch {
namespace {

TEST(EstateRegisterParseTest, TheExampleHasARegisterWithItsRangesExpanded) {
  auto e = ParseEstate(ReadExample());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->name(), "Harbour View Gardens");
  EXPECT_EQ(e->languages(0), "zh-Hant");
  ASSERT_EQ(e->buildings_size(), 3);
  const v1::Building& t1 = e->buildings(0);
  EXPECT_EQ(t1.name(), "Tower 1");
  ASSERT_EQ(t1.levels_size(), 1);
  EXPECT_EQ(t1.levels(0).floors_size(), 27) << "1-3, 5-13, 15-23, 25-30";
  EXPECT_EQ(t1.levels(0).floors(3), "5");
  EXPECT_EQ(t1.levels(0).rooms_size(), 8);
  EXPECT_EQ(t1.levels(0).rooms(7), "H");
  EXPECT_EQ(e->buildings(1).levels(1).rooms(1), "PH2");
  EXPECT_TRUE(EstateChanges(*e, *e).empty());
}

TEST(EstateRegisterParseTest, AMalformedRegisterIsRefusedNamingTheBuilding) {
  auto parse = [](const std::string& buildings, const std::string& extra = "") {
    return ParseEstate("site: demo\nteams:\n  - {id: plumbing" + extra + "}\nbuildings:\n" +
                       buildings);
  };
  EXPECT_TRUE(parse("  - {name: Tower 1, floors: 1-40, units: A-H}").ok());
  EXPECT_TRUE(parse("  - {name: Tower 1, floors: \"B3-B1\", units: A}")
                  .status()
                  .message()
                  .find("not a range") != std::string::npos);
  auto dup = parse("  - {name: Tower 1, floors: \"1-5, 3\", units: A}");
  EXPECT_NE(dup.status().message().find("'3' appears twice"), std::string::npos) << dup.status();
  auto spelled = parse("  - {name: Tower 1, floors: \"12, 12/F\", units: [A, \"a \"]}");
  EXPECT_NE(spelled.status().message().find("'12/F' appears twice"), std::string::npos)
      << "one floor for the checks, so one in the register: " << spelled.status();
  auto alias = parse(
      "  - {name: Tower 1, floors: 1, units: A}\n  - {name: Tower 2, aliases: [tower1], floors: 1, "
      "units: A}");
  EXPECT_NE(alias.status().message().find("names another building"), std::string::npos)
      << alias.status();
  auto both = parse("  - {name: Tower 1, floors: 1, units: A, levels: [{floors: 2, units: B}]}");
  EXPECT_NE(both.status().message().find("not both"), std::string::npos) << both.status();
  auto empty = parse("  - {name: Tower 1}");
  EXPECT_NE(empty.status().message().find("give its floors"), std::string::npos) << empty.status();
  auto team = parse("  - {name: Tower 1, floors: 1, units: A}", ", buildings: [Tower 9]");
  EXPECT_NE(team.status().message().find("no building 'Tower 9'"), std::string::npos)
      << team.status();
  auto lang = ParseEstate("site: demo\nlanguages: [fr]\nteams:\n  - {id: plumbing}\n");
  EXPECT_NE(lang.status().message().find("Lobby speaks"), std::string::npos) << lang.status();
}

TEST(EstateRegisterParseTest, ADryRunNamesTheBuildingThatChanged) {
  auto a = ParseEstate(
      "site: demo\nteams:\n  - {id: plumbing}\nbuildings:\n  - {name: Tower 1, floors: 1-3, units: "
      "A-B}\n");
  auto b = ParseEstate(
      "site: demo\nteams:\n  - {id: plumbing}\nbuildings:\n  - {name: Tower 1, floors: 1-4, units: "
      "A-B}\n"
      "  - {name: Tower 2, floors: 1, units: A}\n");
  ASSERT_TRUE(a.ok() && b.ok());
  auto changes = EstateChanges(*a, *b);
  ASSERT_EQ(changes.size(), 2u) << absl::StrJoin(changes, "; ");
  EXPECT_EQ(changes[0].substr(0, 17), "building Tower 1:");
  EXPECT_EQ(changes[1], "building Tower 2 added");
}

}  // namespace
}  // namespace lobby::dispatch
