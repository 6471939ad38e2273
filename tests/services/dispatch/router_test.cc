#include "services/dispatch/router.h"

#include <gtest/gtest.h>

#include <deque>

#include "services/dispatch/estate.h"

namespace lobby::dispatch {
namespace {

// Thursday 2026-11-26 10:30 in Hong Kong.
const absl::Time kThursdayMorning =
    absl::FromCivil(absl::CivilMinute(2026, 11, 26, 10, 30), absl::FixedTimeZone(8 * 3600));

v1::Estate Estate(const std::string& yaml) {
  auto e = ParseEstate(yaml);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : v1::Estate();
}

const char* kEstate = R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing, water_outage], fallback: maintenance}
  - {id: maintenance, categories: [lift, gas, doors_locks]}
  - {id: tower2_cleaning, categories: [cleaning], buildings: [Tower 2]}
  - {id: desk, categories: [noise]}
members:
  - {id: senior, teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 6, shifts: {daily: "00:00-24:00"}}
  - {id: junior, teams: [plumbing], skills: {plumbing: 2}, seniority: 1, capacity: 6, shifts: {daily: "00:00-24:00"}}
  - {id: night, teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 6, shifts: {daily: "22:00-06:00"}}
  - {id: handy, teams: [maintenance], skills: {plumbing: 2, gas: 3}, seniority: 2, capacity: 2, shifts: {weekdays: "09:00-18:00"}}
  - {id: oncall, teams: [maintenance], skills: {gas: 2}, seniority: 2, capacity: 3, on_call: true}
rules:
  - name: gas smell
    match: {keywords: [gas, 煤氣]}
    team: maintenance
    min_skill: 3
  - name: tower 1 water
    match: {category: [water_outage], building: [Tower 1]}
    team: plumbing
    min_skill: 3
  - name: complaints
    match: {kind: [complaint]}
    team: desk
)";

TicketFacts Facts(const std::string& category, v1::Priority p = v1::PRIORITY_P3,
                  const std::string& building = "Tower 1", const std::string& description = "",
                  const std::string& kind = "repair") {
  return TicketFacts{kind, category, p, building, description};
}

TEST(RouterTest, RoutingTable) {
  v1::Estate e = Estate(kEstate);
  struct Case {
    TicketFacts t;
    const char* rule;
    const char* team;
  } cases[] = {
      {Facts("plumbing"), "", "plumbing"},  // a team covers the category
      {Facts("water_outage"), "tower 1 water", "plumbing"},
      {Facts("water_outage", v1::PRIORITY_P3, "Tower 2"), "",
       "plumbing"},  // rule is for Tower 1 only
      {Facts("plumbing", v1::PRIORITY_P3, "Tower 1", "smell of GAS in kitchen"), "gas smell",
       "maintenance"},
      {Facts("doors_locks", v1::PRIORITY_P3, "Tower 1", "廚房有煤氣味"), "gas smell",
       "maintenance"},
      {Facts("noise", v1::PRIORITY_P3, "Tower 1", "", "complaint"), "complaints", "desk"},
      {Facts("cleaning", v1::PRIORITY_P4, "Tower 2"), "", "tower2_cleaning"},
      {Facts("cleaning", v1::PRIORITY_P4, "Tower 1"), "", ""},  // nobody covers Tower 1 cleaning
      {Facts("teleport"), "", ""},
  };
  for (const Case& c : cases) {
    v1::Decision d = Decide(e, c.t, kThursdayMorning, {});
    EXPECT_EQ(d.rule(), c.rule) << c.t.category << " " << c.t.description;
    EXPECT_EQ(d.team(), c.team) << c.t.category << " " << c.t.description;
    EXPECT_FALSE(d.explanation().empty());
  }
}

TEST(RouterTest, TheSeniorGetsTheUrgentJobAndTheJuniorTheRoutineOne) {
  v1::Estate e = Estate(kEstate);
  v1::Decision urgent = Decide(e, Facts("plumbing", v1::PRIORITY_P1), kThursdayMorning, {});
  EXPECT_EQ(urgent.assignee(), "senior") << urgent.explanation();
  v1::Decision routine =
      Decide(e, Facts("plumbing", v1::PRIORITY_P4), kThursdayMorning, {{"senior", {2, {}, 0}}});
  EXPECT_EQ(routine.assignee(), "junior") << routine.explanation();
  EXPECT_NE(urgent.explanation().find("senior"), std::string::npos);
  EXPECT_NE(urgent.explanation().find("night (off shift)"), std::string::npos)
      << urgent.explanation();
}

TEST(RouterTest, CapacitySkillAndShiftsExclude) {
  v1::Estate e = Estate(kEstate);
  Workloads full = {{"senior", {6, {}, 0}}};
  v1::Decision d =
      Decide(e, Facts("water_outage"), kThursdayMorning, full);  // tower 1 rule: skill 3
  EXPECT_EQ(d.assignee(), "")
      << d.explanation();  // the fallback's handy has skill 0 in water_outage < 3
  EXPECT_EQ(d.team(), "plumbing") << "it waits in the pool of the team that owns the work";
  EXPECT_NE(d.explanation().find("then maintenance: handy (skill 0 < 3)"), std::string::npos)
      << d.explanation();
  EXPECT_NE(d.explanation().find("senior (at capacity 6/6)"), std::string::npos) << d.explanation();
  EXPECT_NE(d.explanation().find("junior (skill 0 < 3)"), std::string::npos) << d.explanation();
  EXPECT_NE(d.explanation().find("pool"), std::string::npos);

  // At 23:30 the night shift is on too; handy (weekdays 09:00-18:00) is not.
  absl::Time night = kThursdayMorning + absl::Hours(13);
  EXPECT_EQ(Decide(e, Facts("plumbing"), night, {}).assignee(), "junior")
      << "routine: juniors first";
  v1::Decision urgent_night =
      Decide(e, Facts("plumbing", v1::PRIORITY_P1), night, {{"senior", {5, {}, 0}}});
  EXPECT_EQ(urgent_night.assignee(), "night") << urgent_night.explanation();
  v1::Decision gas = Decide(e, Facts("gas", v1::PRIORITY_P1, "Tower 1", "gas smell"), night, {});
  EXPECT_EQ(gas.assignee(), "") << "the rule needs skill 3; on call has 2";
  v1::Decision lift = Decide(e, Facts("lift", v1::PRIORITY_P2), night, {});
  EXPECT_EQ(lift.assignee(), "oncall") << lift.explanation();
}

TEST(RouterTest, ShiftsPastMidnightAndTimeZones) {
  v1::Member m;
  auto* s = m.add_shifts();
  s->set_weekday(4);  // Thursday
  s->set_start("22:00");
  s->set_end("06:00");
  absl::TimeZone hk;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Hong_Kong", &hk));
  auto at = [&](int day, int hour) {
    return absl::FromCivil(absl::CivilMinute(2026, 11, day, hour, 0), hk);
  };
  EXPECT_FALSE(OnShift(m, at(26, 21), hk));
  EXPECT_TRUE(OnShift(m, at(26, 23), hk));
  EXPECT_TRUE(OnShift(m, at(27, 5), hk)) << "Friday 05:00 is still Thursday's night shift";
  EXPECT_FALSE(OnShift(m, at(27, 6), hk));
  EXPECT_FALSE(OnShift(m, at(25, 23), hk)) << "Wednesday night is not Thursday's";
  absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_TRUE(OnShift(m, absl::FromCivil(absl::CivilMinute(2026, 11, 26, 15, 0), utc), hk))
      << "15:00 UTC is 23:00 in Hong Kong";
}

TEST(RouterTest, EqualsTakeTurns) {
  v1::Estate e = Estate(R"(
site: demo
teams: [{id: t, categories: [cleaning]}]
members:
  - {id: a, teams: [t], capacity: 5, on_call: true}
  - {id: b, teams: [t], capacity: 5, on_call: true}
)");
  Workloads loads = {{"a", {0, {}, 2000}}, {"b", {0, {}, 1000}}};
  EXPECT_EQ(Decide(e, Facts("cleaning"), kThursdayMorning, loads).assignee(), "b")
      << "b waited longest";
  loads["b"].last_assigned_ms = 3000;
  EXPECT_EQ(Decide(e, Facts("cleaning"), kThursdayMorning, loads).assignee(), "a");
}

TEST(RouterTest, LoadSpreadsByCapacityOverAThousandTickets) {
  v1::Estate e = Estate(R"(
site: demo
teams: [{id: t, categories: [cleaning]}]
members:
  - {id: small, teams: [t], capacity: 4, seniority: 2, on_call: true}
  - {id: medium, teams: [t], capacity: 8, seniority: 2, on_call: true}
  - {id: large, teams: [t], capacity: 12, seniority: 2, on_call: true}
)");
  std::map<std::string, int> capacity = {{"small", 4}, {"medium", 8}, {"large", 12}};
  Workloads loads;
  std::deque<std::string> open;  // oldest first
  int64_t clock_ms = 0;
  for (int i = 0; i < 1000; ++i) {
    if (open.size() == 18) {  // work gets done: the oldest ticket closes
      loads[open.front()].open--;
      open.pop_front();
    }
    v1::Decision d = Decide(e, Facts("cleaning"), kThursdayMorning, loads);
    ASSERT_FALSE(d.assignee().empty()) << i;
    loads[d.assignee()].open++;
    loads[d.assignee()].last_assigned_ms = ++clock_ms;
    open.push_back(d.assignee());
    int total = static_cast<int>(open.size());
    for (const auto& [m, cap] : capacity) {
      double share = total * cap / 24.0;
      EXPECT_LE(std::abs(loads[m].open - share), 1.0 + 1e-9)
          << "ticket " << i << ": " << m << " has " << loads[m].open << ", share " << share;
    }
  }
}

}  // namespace
}  // namespace lobby::dispatch
