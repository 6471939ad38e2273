#include "services/dispatch/router.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/proto_util.h"

namespace lobby::dispatch {
namespace {

template <typename List, typename T>
bool ContainsOrEmpty(const List& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool Matches(const v1::Rule& rule, const TicketFacts& t) {
  const v1::RuleMatch& m = rule.match();
  if (!ContainsOrEmpty(m.kinds(), t.kind) || !ContainsOrEmpty(m.categories(), t.category) ||
      !ContainsOrEmpty(m.buildings(), t.building)) {
    return false;
  }
  if (!m.priorities().empty() &&
      std::find(m.priorities().begin(), m.priorities().end(), t.priority) == m.priorities().end()) {
    return false;
  }
  if (m.keywords().empty()) return true;
  std::string text = absl::AsciiStrToLower(t.description);
  for (const auto& k : m.keywords()) {
    if (text.find(k) != std::string::npos) return true;
  }
  return false;
}

const v1::Team* FindTeam(const v1::Estate& e, const std::string& id) {
  for (const auto& t : e.teams()) {
    if (t.id() == id) return &t;
  }
  return nullptr;
}

struct Scored {
  v1::Candidate c;
  int64_t last = 0;
};

// The candidates of `team`, best first; excluded members are listed too, with the reason.
std::vector<Scored> Rank(const v1::Estate& e, const std::string& team, int min_skill,
                         const TicketFacts& t, absl::Time now, const absl::TimeZone& tz,
                         const Workloads& loads, const std::vector<std::string>& exclude) {
  std::vector<Scored> out;
  bool urgent = t.priority == v1::PRIORITY_P1 || t.priority == v1::PRIORITY_P2;
  for (const auto& m : e.members()) {
    if (std::find(m.teams().begin(), m.teams().end(), team) == m.teams().end()) continue;
    Scored s;
    s.c.set_member(m.id());
    auto sk = m.skills().find(t.category);
    s.c.set_skill(sk == m.skills().end() ? 0 : sk->second);
    auto it = loads.find(m.id());
    Workload w = it == loads.end() ? Workload{} : it->second;
    s.c.set_load(w.open);
    s.c.set_capacity(m.capacity());
    s.c.set_seniority(m.seniority());
    s.c.set_same_building(!t.building.empty() && std::find(w.buildings.begin(), w.buildings.end(),
                                                           t.building) != w.buildings.end());
    s.last = w.last_assigned_ms;
    if (std::find(exclude.begin(), exclude.end(), m.id()) != exclude.end())
      s.c.set_excluded("declined it");
    else if (!OnShift(m, now, tz))
      s.c.set_excluded("off shift");
    else if (w.open >= m.capacity())
      s.c.set_excluded(absl::StrCat("at capacity ", w.open, "/", m.capacity()));
    else if (s.c.skill() < min_skill)
      s.c.set_excluded(absl::StrCat("skill ", s.c.skill(), " < ", min_skill));
    // Urgent work: the most skilled and experienced. Routine work: anyone competent (skill counts
    // up to level 2), juniors first, so the seniors stay free for what is urgent.
    double free = 30.0 * (1.0 - static_cast<double>(w.open) / m.capacity());
    double score = urgent ? 10.0 * s.c.skill() + free + 10.0 * m.seniority()
                          : 10.0 * std::min(s.c.skill(), 2) + free + 5.0 * (3 - m.seniority());
    if (s.c.same_building()) score += 5.0;
    s.c.set_score(std::round(score * 10) / 10);
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const Scored& a, const Scored& b) {
    if (a.c.excluded().empty() != b.c.excluded().empty()) return a.c.excluded().empty();
    if (a.c.score() != b.c.score()) return a.c.score() > b.c.score();
    if (a.last != b.last) return a.last < b.last;  // round-robin: longest since last assignment
    return a.c.member() < b.c.member();
  });
  return out;
}

std::string Describe(const v1::Candidate& c) {
  if (!c.excluded().empty()) return absl::StrCat(c.member(), " (", c.excluded(), ")");
  return absl::StrFormat("%s %.1f (skill %d, load %d/%d, seniority %d%s)", c.member(), c.score(),
                         c.skill(), c.load(), c.capacity(), c.seniority(),
                         c.same_building() ? ", same building" : "");
}

}  // namespace

v1::Decision Decide(const v1::Estate& estate, const TicketFacts& t, absl::Time now,
                    const Workloads& loads, const std::vector<std::string>& exclude) {
  v1::Decision d;
  absl::TimeZone tz = ZoneNamed(estate.time_zone());
  int min_skill = 0;
  for (const auto& r : estate.rules()) {
    if (Matches(r, t)) {
      d.set_rule(r.name());
      d.set_team(r.team());
      min_skill = r.min_skill();
      break;
    }
  }
  if (d.team().empty()) {
    for (const auto& team : estate.teams()) {
      if (std::find(team.categories().begin(), team.categories().end(), t.category) !=
              team.categories().end() &&
          ContainsOrEmpty(team.buildings(), t.building)) {
        d.set_team(team.id());
        break;
      }
    }
  }
  if (d.team().empty()) {
    d.set_explanation(absl::StrCat("no rule or team covers ", t.kind, " category '", t.category,
                                   "'", t.building.empty() ? "" : " in " + t.building,
                                   "; left for the service desk"));
    return d;
  }
  std::string how = d.rule().empty() ? absl::StrCat("team ", d.team(), " covers ", t.category)
                                     : absl::StrCat("rule '", d.rule(), "' -> team ", d.team());
  std::vector<std::string> tried;
  std::string team = d.team();
  for (int hop = 0; hop < 2 && !team.empty(); ++hop) {
    std::vector<Scored> ranked = Rank(estate, team, min_skill, t, now, tz, loads, exclude);
    std::vector<std::string> described;
    for (const auto& s : ranked) {
      described.push_back(Describe(s.c));
      if (hop == 0) *d.add_candidates() = s.c;
    }
    tried.push_back(absl::StrCat(
        team, ": ", described.empty() ? "no members" : absl::StrJoin(described, ", ")));
    if (!ranked.empty() && ranked.front().c.excluded().empty()) {
      d.set_team(team);
      d.set_assignee(ranked.front().c.member());
      d.set_explanation(
          absl::StrCat(how, "; ", absl::StrJoin(tried, "; then "), "; chose ", d.assignee()));
      return d;
    }
    const v1::Team* current = FindTeam(estate, team);
    team = current ? current->fallback() : "";
  }
  d.set_explanation(absl::StrCat(how, "; ", absl::StrJoin(tried, "; then "),
                                 "; nobody free: waiting in the ", d.team(), " pool"));
  return d;
}

}  // namespace lobby::dispatch
