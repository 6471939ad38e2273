#include "services/common/estate_register.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/grpc_server.h"
#include "services/common/log.h"
#include "services/common/runtime.h"
#include "services/common/status.h"

namespace lobby {
namespace {

size_t Distance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The names nearest to `given` first (at most 8), ties in their own order.
std::vector<std::string> Nearest(absl::string_view given, std::vector<std::string> names) {
  std::string g = FoldName(given);
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return Distance(g, FoldName(a)) < Distance(g, FoldName(b));
  });
  if (names.size() > 8) names.resize(8);
  return names;
}

bool Follows(absl::string_view prev, absl::string_view next) {
  std::string p1, p2;
  int a, b;
  if (SplitNumber(prev, &p1, &a) && SplitNumber(next, &p2, &b)) return p1 == p2 && b == a + 1;
  return prev.size() == 1 && next.size() == 1 &&
         absl::ascii_isalpha(static_cast<unsigned char>(prev[0])) && next[0] == prev[0] + 1 &&
         absl::ascii_isalpha(static_cast<unsigned char>(next[0]));
}

}  // namespace

std::string FoldName(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c)))
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return out;
}

std::string FoldFloor(absl::string_view s) {
  std::string f = FoldName(s);
  for (absl::string_view suffix : {"/f", "f"}) {
    if (f.size() > suffix.size() && absl::EndsWith(f, suffix))
      return f.substr(0, f.size() - suffix.size());
  }
  return f;
}

bool SplitNumber(absl::string_view s, std::string* prefix, int* n, size_t max_digits) {
  size_t i = s.size();
  while (i > 0 && absl::ascii_isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
  if (i == s.size() || s.size() - i > max_digits) return false;
  *prefix = std::string(s.substr(0, i));
  return absl::SimpleAtoi(s.substr(i), n);
}

std::string CompactRanges(const std::vector<std::string>& items) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < items.size();) {
    size_t j = i;
    while (j + 1 < items.size() && Follows(items[j], items[j + 1])) ++j;
    if (j - i >= 2) {
      parts.push_back(absl::StrCat(items[i], "-", items[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(items[k]);
    }
    i = j + 1;
  }
  return absl::StrJoin(parts, ", ");
}

std::string Describe(const RegisterMiss& m, absl::string_view site) {
  std::string choices = absl::StrJoin(m.choices, ", ");
  switch (m.what) {
    case RegisterMiss::What::kBuilding:
      return absl::StrCat("location: no building '", m.given, "' in estate ", site,
                          " (buildings: ", choices, ")");
    case RegisterMiss::What::kFloor:
      return absl::StrCat("location: ", m.building, " has no floor '", m.given,
                          "' (floors: ", choices, ")");
    case RegisterMiss::What::kRoom:
      return absl::StrCat("location: ", m.building, " floor ", m.floor, " has no flat '", m.given,
                          "' (flats: ", choices, ")");
    case RegisterMiss::What::kArea:
      return absl::StrCat("location: ", m.building, " has no common area '", m.given,
                          "' (common areas: ", choices, ")");
    case RegisterMiss::What::kTeam:
      return absl::StrCat("team: no team '", m.given, "' in estate ", site, " (teams: ", choices,
                          ")");
    case RegisterMiss::What::kMember:
      return absl::StrCat("assignee: '", m.given, "' is not a member of team ", m.team,
                          " (members: ", choices, "; an assignee is a member id)");
  }
  return "location: not in the estate's register";
}

EstateRegister::EstateRegister(v1::EstateRegister proto) : proto_(std::move(proto)) {
  for (int i = 0; i < proto_.buildings_size(); ++i) {
    const v1::Building& b = proto_.buildings(i);
    buildings_.emplace(FoldName(b.name()), i);
    for (const auto& a : b.aliases()) buildings_.emplace(FoldName(a), i);
  }
}

const v1::Building* EstateRegister::FindBuilding(absl::string_view name) const {
  auto it = buildings_.find(FoldName(name));
  return it == buildings_.end() ? nullptr : &proto_.buildings(it->second);
}

std::vector<std::string> EstateRegister::Floors(const v1::Building& b) {
  std::vector<std::string> out;
  for (const auto& l : b.levels()) out.insert(out.end(), l.floors().begin(), l.floors().end());
  out.insert(out.end(), b.other_floors().begin(), b.other_floors().end());
  return out;
}

std::optional<RegisterMiss> EstateRegister::CheckBuilding(std::string& building) const {
  if (!has_buildings()) return std::nullopt;
  const v1::Building* b = FindBuilding(building);
  if (b == nullptr) {
    std::vector<std::string> names;
    for (const auto& x : proto_.buildings()) names.push_back(x.name());
    return RegisterMiss{RegisterMiss::What::kBuilding, building, "", "",
                        Nearest(building, std::move(names))};
  }
  building = b->name();
  return std::nullopt;
}

std::optional<RegisterMiss> EstateRegister::CheckFloor(const v1::Building& b, std::string& floor,
                                                       bool need_rooms, int* level) const {
  std::string f = FoldFloor(floor);
  for (int i = 0; i < b.levels_size(); ++i) {
    for (const auto& x : b.levels(i).floors()) {
      if (FoldFloor(x) == f) {
        floor = x;
        *level = i;
        return std::nullopt;
      }
    }
  }
  if (!need_rooms) {
    for (const auto& x : b.other_floors()) {
      if (FoldFloor(x) == f) {
        floor = x;
        *level = -1;
        return std::nullopt;
      }
    }
  }
  std::vector<std::string> floors;
  for (const auto& l : b.levels())
    floors.insert(floors.end(), l.floors().begin(), l.floors().end());
  if (!need_rooms) floors.insert(floors.end(), b.other_floors().begin(), b.other_floors().end());
  return RegisterMiss{RegisterMiss::What::kFloor, floor, b.name(), "", {CompactRanges(floors)}};
}

std::optional<RegisterMiss> EstateRegister::CheckUnit(v1::Unit& unit) const {
  if (!has_buildings()) return std::nullopt;
  std::string building = unit.building();
  if (auto miss = CheckBuilding(building)) return miss;
  const v1::Building& b = *FindBuilding(building);
  std::string floor = unit.floor();
  int level = -1;
  if (auto miss = CheckFloor(b, floor, true, &level)) return miss;
  const v1::Level& l = b.levels(level);
  std::string room = FoldName(unit.room());
  for (const auto& r : l.rooms()) {
    if (FoldName(r) == room) {
      unit.set_building(building);
      unit.set_floor(floor);
      unit.set_room(r);
      return std::nullopt;
    }
  }
  return RegisterMiss{RegisterMiss::What::kRoom,
                      unit.room(),
                      b.name(),
                      floor,
                      {CompactRanges({l.rooms().begin(), l.rooms().end()})}};
}

std::optional<RegisterMiss> EstateRegister::CheckLocation(v1::Location& loc) const {
  if (loc.has_unit()) return CheckUnit(*loc.mutable_unit());
  if (!has_buildings()) return std::nullopt;
  std::string building = loc.building();
  if (auto miss = CheckBuilding(building)) return miss;
  const v1::Building& b = *FindBuilding(building);
  std::string floor = loc.floor();
  int level;
  if (!floor.empty()) {
    if (auto miss = CheckFloor(b, floor, false, &level)) return miss;
  }
  std::string area = loc.area();
  if (!area.empty() && !b.common_areas().empty()) {
    std::string folded = FoldName(area);
    auto it = std::find_if(b.common_areas().begin(), b.common_areas().end(),
                           [&](const std::string& a) { return FoldName(a) == folded; });
    if (it == b.common_areas().end()) {
      return RegisterMiss{RegisterMiss::What::kArea, area, b.name(), "",
                          Nearest(area, {b.common_areas().begin(), b.common_areas().end()})};
    }
    area = *it;
  }
  // Only a place that passes is spelled anew: a refused one is left as it was given.
  loc.set_building(building);
  loc.set_floor(floor);
  loc.set_area(area);
  return std::nullopt;
}

std::optional<RegisterMiss> EstateRegister::CheckAssignee(absl::string_view team,
                                                          absl::string_view member) const {
  if (proto_.teams().empty()) return std::nullopt;
  std::vector<std::string> teams;
  for (const auto& t : proto_.teams()) {
    teams.push_back(t.team());
    if (t.team() != team) continue;
    if (member.empty() ||
        std::find(t.members().begin(), t.members().end(), member) != t.members().end())
      return std::nullopt;
    return RegisterMiss{RegisterMiss::What::kMember,
                        std::string(member),
                        "",
                        "",
                        Nearest(member, {t.members().begin(), t.members().end()}),
                        t.team()};
  }
  return RegisterMiss{RegisterMiss::What::kTeam, std::string(team), "", "",
                      Nearest(team, std::move(teams))};
}

RegisterCache::Entry RegisterCache::Fetch(absl::string_view site, bool fresh) {
  absl::Time now = clock_.Now();
  std::optional<Entry> old;
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(site); it != cache_.end()) {
      if (now - it->second.at < (fresh ? kRecheck : kTtl)) return it->second;
      old = it->second;
    }
  }
  v1::GetEstateRequest req;
  req.set_site_id(std::string(site));
  auto reg = dispatch_.Call(&v1::DispatchService::Stub::GetRegister, req);
  Entry e{nullptr, absl::OkStatus(), now};
  if (reg.ok()) {
    e.reg = std::make_shared<const EstateRegister>(*std::move(reg));
  } else if (absl::IsNotFound(reg.status())) {
    e.refused = absl::InvalidArgumentError(absl::StrCat("site_id: ", reg.status().message()));
  } else if (!absl::IsUnimplemented(reg.status())) {
    // Dispatch is down or slow: the last register known, else unchecked; asked again in 5 s.
    log::Get("register")
        ->warn("event=register_unchecked site={} error=\"{}\"", site, reg.status().message());
    if (old) e = *old;
    e.at = now - kTtl + absl::Seconds(5);
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= 10000) cache_.clear();
  cache_[std::string(site)] = e;
  return e;
}

std::shared_ptr<const EstateRegister> RegisterCache::Get(absl::string_view site, bool fresh) {
  return Fetch(site, fresh).reg;
}

absl::Status RegisterCache::Check(
    absl::string_view site,
    const std::function<std::optional<RegisterMiss>(const EstateRegister&)>& check) {
  for (bool fresh : {false, true}) {
    Entry e = Fetch(site, fresh);
    std::optional<RegisterMiss> miss;
    if (e.reg) miss = check(*e.reg);
    if (e.refused.ok() && !miss) return absl::OkStatus();
    if (fresh || clock_.Now() - e.at < kRecheck) {
      return e.refused.ok() ? absl::InvalidArgumentError(Describe(*miss, site)) : e.refused;
    }
  }
  return absl::OkStatus();
}

absl::Status RegisterCache::CheckLocation(absl::string_view site, v1::Location& location) {
  return Check(site, [&](const EstateRegister& r) { return r.CheckLocation(location); });
}

absl::Status RegisterCache::CheckUnit(v1::Unit& unit) {
  return Check(unit.site_id(), [&](const EstateRegister& r) { return r.CheckUnit(unit); });
}

absl::Status RegisterCache::CheckBuildings(
    absl::string_view site, google::protobuf::RepeatedPtrField<std::string>& buildings) {
  return Check(site, [&](const EstateRegister& r) -> std::optional<RegisterMiss> {
    for (auto& b : buildings) {
      if (auto miss = r.CheckBuilding(b)) return miss;
    }
    return std::nullopt;
  });
}

absl::Status RegisterCache::CheckAssignee(absl::string_view site, absl::string_view team,
                                          absl::string_view member) {
  return Check(site, [&](const EstateRegister& r) { return r.CheckAssignee(team, member); });
}

RegisterCache& RegisterCache::Of(Runtime& runtime) {
  return runtime.Shared<RegisterCache>(
      [&] { return std::make_unique<RegisterCache>(runtime.client_env(), runtime.clock()); });
}

}  // namespace lobby
