#include "services/dispatch/estate.h"

#include <gtest/gtest.h>

#include "tests/support/process.h"


namespace lobby::dispatch {
namespace {

std::string ReadExample() { return testing::ReadFile(std::string(LOBBY_SOURCE_DIR) + "/docs/examples/estate.yaml"); }

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
      {base + "members:\n  - id: a\n    teams: [t]\n    shifts: {someday: \"09:00-17:00\"}\n", "sun..sat"},
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
    EXPECT_NE(e.status().message().find(c.says), absl::string_view::npos) << c.yaml << " -> " << e.status();
  }
}

TEST(EstateTest, ChangesForADryRun) {
  auto a = ParseEstate("site: demo\nteams:\n  - id: t\n  - id: u\nmembers:\n  - id: a\n    teams: [t]\nrules:\n  - {name: r1, team: t}\n  - {name: r2, team: u}\n");
  auto b = ParseEstate("site: demo\nteams:\n  - id: t\n  - id: v\nmembers:\n  - id: a\n    teams: [t]\n    capacity: 9\nrules:\n  - {name: r2, team: t}\n  - {name: r1, team: t}\n");
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
