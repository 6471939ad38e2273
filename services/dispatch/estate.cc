#include "services/dispatch/estate.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/common/estate_register.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {
namespace {

absl::Status Bad(const YAML::Node& n, absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("estate line ", n.Mark().line + 1, ": ", where, ": ", why));
}

absl::Status CheckKeys(const YAML::Node& n, absl::string_view where,
                       std::initializer_list<const char*> keys) {
  if (!n.IsMap()) return Bad(n, where, "expected a mapping");
  std::set<std::string> ok(keys.begin(), keys.end());
  for (const auto& kv : n) {
    std::string k = kv.first.as<std::string>();
    if (!ok.count(k)) return Bad(kv.first, where, "unknown key '" + k + "'");
  }
  return absl::OkStatus();
}

bool ValidId(absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) ok &= absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
  return ok;
}

std::vector<std::string> Strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsSequence()) {
    for (const auto& e : n) out.push_back(e.as<std::string>());
  } else {
    out.push_back(n.as<std::string>());
  }
  return out;
}

bool ParseClock(absl::string_view s, int* minutes) {
  int h, m;
  if (s.size() != 5 || s[2] != ':' || !absl::SimpleAtoi(s.substr(0, 2), &h) ||
      !absl::SimpleAtoi(s.substr(3), &m) || h < 0 || h > 24 || m < 0 || m > 59 ||
      (h == 24 && m != 0)) {
    return false;
  }
  *minutes = h * 60 + m;
  return true;
}

bool ParseDate(absl::string_view s, absl::CivilDay* day) {
  return s.size() == 10 && absl::ParseCivilTime(s, day);
}

/// "08:00-18:00" into its two ends.
bool ParseHours(absl::string_view range, std::string* start, std::string* end) {
  std::vector<std::string> p = absl::StrSplit(range, '-');
  int a, b;
  if (p.size() != 2 || !ParseClock(p[0], &a) || !ParseClock(p[1], &b) || a == b) return false;
  *start = p[0];
  *end = p[1];
  return true;
}

/// {mon: "08:00-18:00", weekdays: [...], daily: ..., sat: ...} into weekly shifts.
absl::Status ParseWeekly(const YAML::Node& n, absl::string_view where,
                         google::protobuf::RepeatedPtrField<v1::Shift>* out) {
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  if (!n.IsMap())
    return Bad(n, where, "expected {mon: \"08:00-18:00\", weekdays: ..., daily: ...}");
  for (const auto& kv : n) {
    std::string day = absl::AsciiStrToLower(kv.first.as<std::string>());
    std::vector<int> days;
    if (day == "daily")
      days = {0, 1, 2, 3, 4, 5, 6};
    else if (day == "weekdays")
      days = {1, 2, 3, 4, 5};
    else if (day == "weekends")
      days = {0, 6};
    for (int d = 0; d < 7; ++d) {
      if (day == kDays[d]) days = {d};
    }
    if (days.empty()) return Bad(kv.first, where, "days are sun..sat, weekdays, weekends or daily");
    for (const auto& range : Strings(kv.second)) {
      std::string a, b;
      if (!ParseHours(range, &a, &b)) return Bad(kv.second, where, "hours are \"HH:MM-HH:MM\"");
      for (int d : days) {
        v1::Shift* s = out->Add();
        s->set_weekday(d);
        s->set_start(a);
        s->set_end(b);
      }
    }
  }
  return absl::OkStatus();
}

/// "15m", "4h", "1h30m", "2d" into whole minutes (at least one, at most 90 days).
absl::Status ParseMinutes(const YAML::Node& n, absl::string_view where, int64_t* minutes) {
  std::string v = n.as<std::string>();
  absl::Duration d;
  bool ok;
  if (!v.empty() && v.back() == 'd') {
    int days;
    ok = absl::SimpleAtoi(absl::string_view(v).substr(0, v.size() - 1), &days) && days >= 0;
    d = absl::Hours(24) * (ok ? days : 0);
  } else {
    ok = absl::ParseDuration(v, &d);
  }
  if (!ok || d < absl::ZeroDuration() || d > absl::Hours(24 * 90) ||
      d % absl::Minutes(1) != absl::ZeroDuration()) {
    return Bad(n, where,
               "a duration is whole minutes up to 90 days: \"15m\", \"4h\", \"1h30m\", \"2d\"");
  }
  *minutes = absl::ToInt64Minutes(d);
  return absl::OkStatus();
}

absl::StatusOr<v1::Priority> Priority(const YAML::Node& n, absl::string_view where) {
  if (auto p = tickets::ParsePriority(n.as<std::string>())) return *p;
  return Bad(n, where, "priorities are P1..P4");
}

absl::Status ParseLevel(const YAML::Node& n, absl::string_view where, int lo, int hi, int* out) {
  int v = n.as<int>();
  if (v < lo || v > hi) return Bad(n, where, absl::StrCat("must be from ", lo, " to ", hi));
  *out = v;
  return absl::OkStatus();
}

absl::Status ParseMember(const YAML::Node& n, v1::Member* m, const std::set<std::string>& teams) {
  std::string id = n["id"] ? n["id"].as<std::string>() : "";
  std::string where = "member '" + id + "'";
  if (auto s = CheckKeys(n, where,
                         {"id", "name", "teams", "skills", "seniority", "capacity", "contact",
                          "phone", "language", "shifts", "on_call", "leave", "extra_shifts"});
      !s.ok())
    return s;
  if (!ValidId(id)) return Bad(n, where, "id is 1 to 64 of letters, digits, '_', '-', '.'");
  m->set_id(id);
  m->set_name(n["name"] ? n["name"].as<std::string>() : id);
  for (const auto& t : Strings(n["teams"])) {
    if (!teams.count(t)) return Bad(n["teams"], where, "no team '" + t + "'");
    m->add_teams(t);
  }
  if (m->teams().empty()) return Bad(n, where, "teams: at least one");
  if (n["skills"]) {
    if (!n["skills"].IsMap()) return Bad(n["skills"], where, "skills: {category: level}");
    for (const auto& kv : n["skills"]) {
      int level;
      LOBBY_RETURN_IF_ERROR(ParseLevel(kv.second, where + " skill", 1, 3, &level));
      (*m->mutable_skills())[kv.first.as<std::string>()] = level;
    }
  }
  int v = 1;
  if (n["seniority"]) {
    LOBBY_RETURN_IF_ERROR(ParseLevel(n["seniority"], where + " seniority", 1, 3, &v));
  }
  m->set_seniority(v);
  v = 5;
  if (n["capacity"]) {
    LOBBY_RETURN_IF_ERROR(ParseLevel(n["capacity"], where + " capacity", 1, 100, &v));
  }
  m->set_capacity(v);
  if (n["contact"]) {
    LOBBY_RETURN_IF_ERROR(CheckKeys(n["contact"], where + " contact", {"channel", "id"}));
    v1::Channel c;
    std::string ch = absl::AsciiStrToUpper(
        n["contact"]["channel"] ? n["contact"]["channel"].as<std::string>() : "");
    if (!v1::Channel_Parse("CHANNEL_" + ch, &c) || c == v1::CHANNEL_UNSPECIFIED)
      return Bad(n["contact"], where, "unknown contact channel");
    m->set_contact_channel(c);
    m->set_contact_id(n["contact"]["id"] ? n["contact"]["id"].as<std::string>() : "");
  }
  if (n["phone"]) {
    std::string phone = n["phone"].as<std::string>();
    if (phone.size() < 8 || phone.size() > 20 ||
        !std::all_of(phone.begin(), phone.end(),
                     [](char c) { return absl::ascii_isdigit(c) || c == '+' || c == ' '; }))
      return Bad(n["phone"], where, "phone: their mobile number, e.g. \"+852 9123 0001\"");
    m->set_phone(phone);
  }
  if (n["language"]) {
    std::string l = n["language"].as<std::string>();
    if (l != "zh-Hant" && l != "zh-Hans" && l != "en")
      return Bad(n["language"], where, "language: zh-Hant, zh-Hans or en");
    m->set_language(l);
  }
  if (n["shifts"]) {
    LOBBY_RETURN_IF_ERROR(ParseWeekly(n["shifts"], where, m->mutable_shifts()));
  }
  if (n["leave"]) {
    if (!n["leave"].IsSequence())
      return Bad(n["leave"], where, "leave: a list of dates or {from, to}");
    for (const auto& l : n["leave"]) {
      v1::DateRange* r = m->add_leave();
      if (l.IsScalar()) {
        r->set_from(l.as<std::string>());
        r->set_to(r->from());
      } else {
        LOBBY_RETURN_IF_ERROR(CheckKeys(l, where + " leave", {"from", "to"}));
        r->set_from(l["from"] ? l["from"].as<std::string>() : "");
        r->set_to(l["to"] ? l["to"].as<std::string>() : r->from());
      }
      absl::CivilDay a, b;
      if (!ParseDate(r->from(), &a) || !ParseDate(r->to(), &b) || b < a) {
        return Bad(l, where,
                   "leave is a date (\"2026-12-24\") or {from, to} with to not before from");
      }
    }
  }
  if (n["extra_shifts"]) {
    if (!n["extra_shifts"].IsSequence())
      return Bad(n["extra_shifts"], where, "extra_shifts: a list of {date, hours}");
    for (const auto& x : n["extra_shifts"]) {
      LOBBY_RETURN_IF_ERROR(CheckKeys(x, where + " extra shift", {"date", "hours"}));
      v1::DatedShift* d = m->add_extra_shifts();
      d->set_date(x["date"] ? x["date"].as<std::string>() : "");
      absl::CivilDay day;
      if (!ParseDate(d->date(), &day))
        return Bad(x, where, "an extra shift's date is \"YYYY-MM-DD\"");
      std::string a, b;
      if (!x["hours"] || !ParseHours(x["hours"].as<std::string>(), &a, &b))
        return Bad(x, where, "an extra shift's hours are \"HH:MM-HH:MM\"");
      d->set_start(a);
      d->set_end(b);
    }
  }
  m->set_on_call(n["on_call"] && n["on_call"].as<bool>());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Priority>> Priorities(const YAML::Node& n, absl::string_view where) {
  std::vector<v1::Priority> out;
  if (!n) return out;
  for (const auto& p :
       (n.IsSequence() ? n : YAML::Node(std::vector<std::string>{n.as<std::string>()}))) {
    LOBBY_ASSIGN_OR_RETURN(auto pr, Priority(p, where));
    out.push_back(pr);
  }
  return out;
}

/// business_hours, holidays, sla_policies and escalation.
absl::Status ParseSla(const YAML::Node& root, v1::Estate* e, const std::set<std::string>& members) {
  if (root["business_hours"]) {
    if (auto s = ParseWeekly(root["business_hours"], "business_hours", e->mutable_business_hours());
        !s.ok())
      return s;
    for (const auto& h : e->business_hours()) {
      int a = 0, b = 0;
      if (ParseClock(h.start(), &a) && ParseClock(h.end(), &b) && b < a)
        return Bad(root["business_hours"], "business_hours", "hours may not run past midnight");
    }
  }
  for (const auto& d : Strings(root["holidays"])) {
    absl::CivilDay day;
    if (!ParseDate(d, &day))
      return Bad(root["holidays"], "holidays", "'" + d + "' is not a date \"YYYY-MM-DD\"");
    e->add_holidays(d);
  }
  std::set<std::string> names;
  bool business = false;
  if (root["sla_policies"]) {
    if (!root["sla_policies"].IsSequence())
      return Bad(root["sla_policies"], "sla_policies", "a list is required");
    for (const auto& n : root["sla_policies"]) {
      v1::SlaPolicy* p = e->add_sla_policies();
      p->set_name(n["name"] ? n["name"].as<std::string>() : "");
      std::string where = "sla policy '" + p->name() + "'";
      if (auto s = CheckKeys(n, where,
                             {"name", "match", "acknowledge", "respond", "arrive", "resolve",
                              "business_hours", "warn_at", "reassign_after", "unclaimed_after"});
          !s.ok()) {
        return s;
      }
      if (p->name().empty()) return Bad(n, "sla policy", "name is required");
      if (!names.insert(p->name()).second) return Bad(n, where, "name appears twice");
      if (n["match"]) {
        const YAML::Node& m = n["match"];
        if (auto s = CheckKeys(m, where + " match", {"kind", "category", "priority"}); !s.ok())
          return s;
        for (auto& k : Strings(m["kind"])) {
          if (k != "repair" && k != "complaint")
            return Bad(m, where, "kind is repair or complaint");
          p->add_kinds(k);
        }
        for (auto& c : Strings(m["category"])) p->add_categories(c);
        LOBBY_ASSIGN_OR_RETURN(auto prs, Priorities(m["priority"], where));
        for (auto pr : prs) p->add_priorities(pr);
      }
      int64_t v = 0;
      for (const char* key : {"acknowledge", "respond"}) {
        if (n[key]) {
          LOBBY_RETURN_IF_ERROR(ParseMinutes(n[key], where, &v));
          p->set_acknowledge_minutes(v);
        }
      }
      struct {
        const char* key;
        void (v1::SlaPolicy::*set)(int64_t);
      } const durations[] = {{"arrive", &v1::SlaPolicy::set_arrive_minutes},
                             {"resolve", &v1::SlaPolicy::set_resolve_minutes},
                             {"reassign_after", &v1::SlaPolicy::set_reassign_minutes},
                             {"unclaimed_after", &v1::SlaPolicy::set_unclaimed_minutes}};
      for (const auto& d : durations) {
        if (!n[d.key]) continue;
        LOBBY_RETURN_IF_ERROR(ParseMinutes(n[d.key], where + " " + d.key, &v));
        (p->*d.set)(v);
      }
      p->set_business_hours(n["business_hours"] && n["business_hours"].as<bool>());
      business |= p->business_hours();
      int warn = 80;
      if (n["warn_at"]) {
        std::string w = n["warn_at"].as<std::string>();
        if (!w.empty() && w.back() == '%') w.pop_back();
        if (!absl::SimpleAtoi(w, &warn) || warn < 1 || warn > 99)
          return Bad(n["warn_at"], where, "warn_at is a share from 1% to 99%");
      }
      p->set_warn_percent(warn);
    }
  }
  if (business && e->business_hours().empty()) {
    return Bad(root, "sla_policies",
               "a policy counts business hours, but the estate has no business_hours");
  }
  if (root["escalation"]) {
    if (!root["escalation"].IsSequence())
      return Bad(root["escalation"], "escalation", "a list of {to, after} is required");
    int64_t last = -1;
    for (const auto& n : root["escalation"]) {
      LOBBY_RETURN_IF_ERROR(CheckKeys(n, "escalation", {"to", "after"}));
      v1::EscalationStep* st = e->add_escalation();
      st->set_to(n["to"] ? n["to"].as<std::string>() : "");
      if (st->to() != "supervisor" && !members.count(st->to())) {
        return Bad(n, "escalation", "'" + st->to() + "' is neither supervisor nor a member");
      }
      int64_t after = 0;
      if (n["after"]) {
        LOBBY_RETURN_IF_ERROR(ParseMinutes(n["after"], "escalation", &after));
      }
      if (after < last) return Bad(n, "escalation", "steps go in order of their delay");
      last = after;
      st->set_after_minutes(after);
    }
  }
  return absl::OkStatus();
}

/// "1-3, 5, 7-40", "A-H", "B1-B3" or a list of them, each range expanded, in order.
/// Two items that the register would take for one (`fold`: FoldName or FoldFloor) are refused.
absl::StatusOr<std::vector<std::string>> ExpandList(const YAML::Node& n, absl::string_view where,
                                                    std::string (*fold)(absl::string_view)) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& item : Strings(n)) {
    for (absl::string_view part : absl::StrSplit(item, ',', absl::SkipWhitespace())) {
      part = absl::StripAsciiWhitespace(part);
      std::vector<std::string> ends = absl::StrSplit(part, '-');
      std::vector<std::string> expanded;
      if (ends.size() == 1) {
        expanded.push_back(ends[0]);
      } else {
        std::string p1, p2;
        int a, b;
        if (ends.size() == 2 && SplitNumber(ends[0], &p1, &a, 4) &&
            SplitNumber(ends[1], &p2, &b, 4) && p1 == p2 && a <= b && b - a < 300) {
          for (int v = a; v <= b; ++v) expanded.push_back(absl::StrCat(p1, v));
        } else if (ends.size() == 2 && ends[0].size() == 1 && ends[1].size() == 1 &&
                   absl::ascii_isalpha(ends[0][0]) && absl::ascii_isalpha(ends[1][0]) &&
                   absl::ascii_isupper(ends[0][0]) == absl::ascii_isupper(ends[1][0]) &&
                   ends[0][0] <= ends[1][0]) {
          for (char c = ends[0][0]; c <= ends[1][0]; ++c) expanded.push_back(std::string(1, c));
        } else {
          return Bad(n, where,
                     absl::StrCat("'", part, "' is not a range: \"1-40\", \"A-H\", \"B1-B3\""));
        }
      }
      for (auto& x : expanded) {
        if (x.empty() || x.size() > 16)
          return Bad(n, where, absl::StrCat("'", x, "' is not a name of 1 to 16 characters"));
        if (!seen.insert(fold(x)).second)
          return Bad(n, where, absl::StrCat("'", x, "' appears twice"));
        out.push_back(std::move(x));
      }
    }
  }
  return out;
}

/// The register: buildings, each with its floors and units (listed or as ranges), the floors
/// without flats and its common areas.
absl::Status ParseBuildings(const YAML::Node& root, v1::Estate* e) {
  const YAML::Node& list = root["buildings"];
  if (!list.IsSequence())
    return Bad(list, "buildings", "a list of {name, floors, units, common_areas} is required");
  std::set<std::string> names;  // names and aliases, as the register compares them
  for (const auto& n : list) {
    v1::Building* b = e->add_buildings();
    b->set_name(n["name"] ? std::string(absl::StripAsciiWhitespace(n["name"].as<std::string>()))
                          : "");
    std::string where = "building '" + b->name() + "'";
    if (auto s = CheckKeys(
            n, where,
            {"name", "aliases", "floors", "units", "levels", "other_floors", "common_areas"});
        !s.ok())
      return s;
    if (b->name().empty() || b->name().size() > 64)
      return Bad(n, "building", "name is 1 to 64 characters");
    std::vector<std::string> spellings = Strings(n["aliases"]);
    for (const auto& alias : spellings) b->add_aliases(alias);
    spellings.push_back(b->name());
    for (const auto& name : spellings) {
      if (!names.insert(FoldName(name)).second)
        return Bad(n, where, "'" + name + "' names another building too");
    }
    auto level = [&](const YAML::Node& l, absl::string_view at) -> absl::Status {
      if (!l["floors"] || !l["units"]) return Bad(l, at, "a level needs floors and units");
      v1::Level* v = b->add_levels();
      LOBBY_ASSIGN_OR_RETURN(auto floors,
                             ExpandList(l["floors"], std::string(at) + " floors", FoldFloor));
      LOBBY_ASSIGN_OR_RETURN(auto units,
                             ExpandList(l["units"], std::string(at) + " units", FoldName));
      v->mutable_floors()->Assign(floors.begin(), floors.end());
      v->mutable_rooms()->Assign(units.begin(), units.end());
      return absl::OkStatus();
    };
    if (n["levels"] && (n["floors"] || n["units"]))
      return Bad(n, where, "floors and units, or levels: not both");
    if (n["floors"] || n["units"]) {
      LOBBY_RETURN_IF_ERROR(level(n, where));
    }
    if (n["levels"]) {
      if (!n["levels"].IsSequence())
        return Bad(n["levels"], where, "levels: a list of {floors, units}");
      for (const auto& l : n["levels"]) {
        LOBBY_RETURN_IF_ERROR(CheckKeys(l, where + " level", {"floors", "units"}));
        LOBBY_RETURN_IF_ERROR(level(l, where + " level"));
      }
    }
    LOBBY_ASSIGN_OR_RETURN(auto others,
                           ExpandList(n["other_floors"], where + " other_floors", FoldFloor));
    b->mutable_other_floors()->Assign(others.begin(), others.end());
    std::set<std::string> floors;
    for (const auto& l : b->levels()) {
      for (const auto& f : l.floors()) {
        if (!floors.insert(FoldFloor(f)).second)
          return Bad(n, where, "floor '" + f + "' is on two levels");
      }
    }
    for (const auto& f : b->other_floors()) {
      if (!floors.insert(FoldFloor(f)).second)
        return Bad(n, where, "floor '" + f + "' has flats and is in other_floors");
    }
    std::set<std::string> areas;
    for (const auto& a : Strings(n["common_areas"])) {
      if (a.empty() || a.size() > 64)
        return Bad(n["common_areas"], where, "a common area is 1 to 64 characters");
      if (!areas.insert(FoldName(a)).second)
        return Bad(n["common_areas"], where, "common area '" + a + "' appears twice");
      b->add_common_areas(a);
    }
    if (b->levels().empty() && b->other_floors().empty() && b->common_areas().empty()) {
      return Bad(n, where, "give its floors and units, other_floors or common_areas");
    }
  }
  // Teams and rules that name buildings name these.
  std::set<std::string> known;
  for (const auto& b : e->buildings()) known.insert(b.name());
  for (const auto& t : e->teams()) {
    for (const auto& b : t.buildings()) {
      if (!known.count(b))
        return Bad(root["teams"], "team '" + t.id() + "'", "no building '" + b + "' in buildings");
    }
  }
  for (const auto& r : e->rules()) {
    for (const auto& b : r.match().buildings()) {
      if (!known.count(b))
        return Bad(root["rules"], "rule '" + r.name() + "'",
                   "no building '" + b + "' in buildings");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Estate> ParseEstate(absl::string_view yaml) {
  v1::Estate e;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (auto s =
            CheckKeys(root, "estate",
                      {"site", "name", "time_zone", "languages", "buildings", "teams", "members",
                       "rules", "business_hours", "holidays", "sla_policies", "escalation"});
        !s.ok())
      return s;
    std::string site = root["site"] ? root["site"].as<std::string>() : "";
    if (absl::Status s = ValidateSiteId(site); !s.ok()) return Bad(root, "estate", s.message());
    e.set_site_id(site);
    e.set_time_zone(root["time_zone"] ? root["time_zone"].as<std::string>() : "UTC");
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(e.time_zone(), &tz))
      return Bad(root["time_zone"], "estate", "unknown time zone '" + e.time_zone() + "'");
    if (!root["teams"] || !root["teams"].IsSequence())
      return Bad(root, "estate", "teams: a list is required");
    std::set<std::string> teams;
    for (const auto& n : root["teams"]) {
      std::string id = n["id"] ? n["id"].as<std::string>() : "";
      std::string where = "team '" + id + "'";
      if (auto s = CheckKeys(n, where,
                             {"id", "name", "categories", "buildings", "supervisor", "fallback"});
          !s.ok())
        return s;
      if (!ValidId(id)) return Bad(n, where, "id is 1 to 64 of letters, digits, '_', '-', '.'");
      if (!teams.insert(id).second) return Bad(n, where, "id appears twice");
      v1::Team* t = e.add_teams();
      t->set_id(id);
      t->set_name(n["name"] ? n["name"].as<std::string>() : id);
      for (auto& c : Strings(n["categories"])) t->add_categories(c);
      for (auto& b : Strings(n["buildings"])) t->add_buildings(b);
      t->set_supervisor(n["supervisor"] ? n["supervisor"].as<std::string>() : "");
      t->set_fallback(n["fallback"] ? n["fallback"].as<std::string>() : "");
    }
    for (const auto& t : e.teams()) {
      if (!t.fallback().empty() && (!teams.count(t.fallback()) || t.fallback() == t.id())) {
        return absl::InvalidArgumentError(absl::StrCat("estate: team '", t.id(), "': fallback '",
                                                       t.fallback(), "' is not another team"));
      }
    }
    std::set<std::string> members;
    if (root["members"]) {
      for (const auto& n : root["members"]) {
        v1::Member* m = e.add_members();
        LOBBY_RETURN_IF_ERROR(ParseMember(n, m, teams));
        if (!members.insert(m->id()).second)
          return Bad(n, "member '" + m->id() + "'", "id appears twice");
      }
    }
    for (const auto& t : e.teams()) {
      if (!t.supervisor().empty() && !members.count(t.supervisor())) {
        return absl::InvalidArgumentError(absl::StrCat("estate: team '", t.id(), "': supervisor '",
                                                       t.supervisor(), "' is not a member"));
      }
    }
    if (root["rules"]) {
      for (const auto& n : root["rules"]) {
        v1::Rule* r = e.add_rules();
        r->set_name(n["name"] ? n["name"].as<std::string>() : "");
        std::string where = "rule '" + r->name() + "'";
        LOBBY_RETURN_IF_ERROR(CheckKeys(n, where, {"name", "match", "team", "min_skill"}));
        if (r->name().empty()) return Bad(n, "rule", "name is required");
        r->set_team(n["team"] ? n["team"].as<std::string>() : "");
        if (!teams.count(r->team())) return Bad(n, where, "no team '" + r->team() + "'");
        int min_skill = 0;
        if (n["min_skill"]) {
          if (auto s = ParseLevel(n["min_skill"], where + " min_skill", 0, 3, &min_skill); !s.ok())
            return s;
        }
        r->set_min_skill(min_skill);
        if (n["match"]) {
          const YAML::Node& m = n["match"];
          if (auto s = CheckKeys(m, where + " match",
                                 {"kind", "category", "priority", "building", "keywords"});
              !s.ok())
            return s;
          for (auto& k : Strings(m["kind"])) {
            if (k != "repair" && k != "complaint")
              return Bad(m, where, "kind is repair or complaint");
            r->mutable_match()->add_kinds(k);
          }
          for (auto& c : Strings(m["category"])) r->mutable_match()->add_categories(c);
          if (m["priority"]) {
            for (const auto& p :
                 (m["priority"].IsSequence()
                      ? m["priority"]
                      : YAML::Node(std::vector<std::string>{m["priority"].as<std::string>()}))) {
              LOBBY_ASSIGN_OR_RETURN(auto pr, Priority(p, where));
              r->mutable_match()->add_priorities(pr);
            }
          }
          for (auto& b : Strings(m["building"])) r->mutable_match()->add_buildings(b);
          for (auto& k : Strings(m["keywords"]))
            r->mutable_match()->add_keywords(absl::AsciiStrToLower(k));
        }
      }
    }
    LOBBY_RETURN_IF_ERROR(ParseSla(root, &e, members));
    e.set_name(root["name"] ? root["name"].as<std::string>() : "");
    for (const auto& l : Strings(root["languages"])) {
      if (l != "zh-Hant" && l != "zh-Hans" && l != "en")
        return Bad(root["languages"], "languages",
                   "'" + l + "': Lobby speaks zh-Hant, zh-Hans and en");
      e.add_languages(l);
    }
    if (root["buildings"]) {
      LOBBY_RETURN_IF_ERROR(ParseBuildings(root, &e));
    }
  } catch (const YAML::Exception& ex) {
    return absl::InvalidArgumentError(absl::StrCat("estate line ", ex.mark.line + 1, ": ", ex.msg));
  }
  return e;
}

std::vector<std::string> EstateChanges(const v1::Estate& before, const v1::Estate& after) {
  std::vector<std::string> out;
  // Field by field ("member lee: capacity: 4 -> 5"): an unchanged document reports nothing.
  auto diff = [&](const char* what, const auto& olds, const auto& news, auto key) {
    using Item = std::decay_t<decltype(*olds.begin())>;
    std::map<std::string, const Item*> a, b;
    for (const auto& x : olds) a[key(x)] = &x;
    for (const auto& x : news) b[key(x)] = &x;
    for (const auto& [k, v] : b) {
      if (!a.count(k)) {
        out.push_back(absl::StrCat(what, " ", k, " added"));
        continue;
      }
      for (const auto& change : FieldChanges(*a[k], *v))
        out.push_back(absl::StrCat(what, " ", k, ": ", change));
    }
    for (const auto& [k, v] : a) {
      if (!b.count(k)) out.push_back(absl::StrCat(what, " ", k, " removed"));
    }
  };
  diff("team", before.teams(), after.teams(), [](const v1::Team& t) { return t.id(); });
  diff("member", before.members(), after.members(), [](const v1::Member& m) { return m.id(); });
  diff("rule", before.rules(), after.rules(), [](const v1::Rule& r) { return r.name(); });
  diff("sla policy", before.sla_policies(), after.sla_policies(),
       [](const v1::SlaPolicy& p) { return p.name(); });
  diff("building", before.buildings(), after.buildings(),
       [](const v1::Building& b) { return b.name(); });
  if (before.time_zone() != after.time_zone()) out.push_back("time_zone changed");
  if (before.name() != after.name()) out.push_back("name changed");
  if (!std::equal(before.languages().begin(), before.languages().end(), after.languages().begin(),
                  after.languages().end())) {
    out.push_back("languages changed");
  }
  auto same = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); ++i) {
      if (!FieldChanges(a[i], b[i]).empty()) return false;
    }
    return true;
  };
  if (!same(before.business_hours(), after.business_hours()))
    out.push_back("business_hours changed");
  if (!std::equal(before.holidays().begin(), before.holidays().end(), after.holidays().begin(),
                  after.holidays().end())) {
    out.push_back("holidays changed");
  }
  if (!same(before.escalation(), after.escalation())) out.push_back("escalation changed");
  // The same rules in another order route differently: first match wins.
  std::vector<std::string> a, b;
  for (const auto& r : before.rules()) a.push_back(r.name());
  for (const auto& r : after.rules()) b.push_back(r.name());
  if (a != b && std::is_permutation(a.begin(), a.end(), b.begin(), b.end()))
    out.push_back("rule order changed");
  return out;
}

}  // namespace lobby::dispatch
