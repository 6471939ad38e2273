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
#include "services/common/proto_util.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {
namespace {

absl::Status Bad(const YAML::Node& n, absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("estate line ", n.Mark().line + 1, ": ", where, ": ", why));
}

absl::Status CheckKeys(const YAML::Node& n, absl::string_view where, std::initializer_list<const char*> keys) {
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
  if (s.size() != 5 || s[2] != ':' || !absl::SimpleAtoi(s.substr(0, 2), &h) || !absl::SimpleAtoi(s.substr(3), &m) ||
      h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
    return false;
  }
  *minutes = h * 60 + m;
  return true;
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
  if (auto s = CheckKeys(n, where, {"id", "name", "teams", "skills", "seniority", "capacity", "contact", "shifts", "on_call"}); !s.ok()) return s;
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
      if (auto s = ParseLevel(kv.second, where + " skill", 1, 3, &level); !s.ok()) return s;
      (*m->mutable_skills())[kv.first.as<std::string>()] = level;
    }
  }
  int v = 1;
  if (n["seniority"]) {
    if (auto s = ParseLevel(n["seniority"], where + " seniority", 1, 3, &v); !s.ok()) return s;
  }
  m->set_seniority(v);
  v = 5;
  if (n["capacity"]) {
    if (auto s = ParseLevel(n["capacity"], where + " capacity", 1, 100, &v); !s.ok()) return s;
  }
  m->set_capacity(v);
  if (n["contact"]) {
    if (auto s = CheckKeys(n["contact"], where + " contact", {"channel", "id"}); !s.ok()) return s;
    v1::Channel c;
    std::string ch = absl::AsciiStrToUpper(n["contact"]["channel"] ? n["contact"]["channel"].as<std::string>() : "");
    if (!v1::Channel_Parse("CHANNEL_" + ch, &c) || c == v1::CHANNEL_UNSPECIFIED) return Bad(n["contact"], where, "unknown contact channel");
    m->set_contact_channel(c);
    m->set_contact_id(n["contact"]["id"] ? n["contact"]["id"].as<std::string>() : "");
  }
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  if (n["shifts"]) {
    if (!n["shifts"].IsMap()) return Bad(n["shifts"], where, "shifts: {mon: \"08:00-18:00\", ...}");
    for (const auto& kv : n["shifts"]) {
      std::string day = absl::AsciiStrToLower(kv.first.as<std::string>());
      int wd = -1;
      for (int d = 0; d < 7; ++d) {
        if (day == kDays[d]) wd = d;
      }
      std::vector<std::string> days;
      if (day == "daily") days = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
      else if (day == "weekdays") days = {"mon", "tue", "wed", "thu", "fri"};
      else if (wd >= 0) days = {day};
      else return Bad(kv.first, where, "shift days are sun..sat, weekdays or daily");
      for (const auto& range : Strings(kv.second)) {
        std::vector<std::string> p = absl::StrSplit(range, '-');
        int a, b;
        if (p.size() != 2 || !ParseClock(p[0], &a) || !ParseClock(p[1], &b) || a == b) {
          return Bad(kv.second, where, "a shift is \"HH:MM-HH:MM\"");
        }
        for (const auto& d : days) {
          for (int k = 0; k < 7; ++k) {
            if (d != kDays[k]) continue;
            v1::Shift* s = m->add_shifts();
            s->set_weekday(k);
            s->set_start(p[0]);
            s->set_end(p[1]);
          }
        }
      }
    }
  }
  m->set_on_call(n["on_call"] && n["on_call"].as<bool>());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Estate> ParseEstate(absl::string_view yaml) {
  v1::Estate e;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (auto s = CheckKeys(root, "estate", {"site", "time_zone", "teams", "members", "rules"}); !s.ok()) return s;
    std::string site = root["site"] ? root["site"].as<std::string>() : "";
    if (absl::Status s = ValidateSiteId(site); !s.ok()) return Bad(root, "estate", s.message());
    e.set_site_id(site);
    e.set_time_zone(root["time_zone"] ? root["time_zone"].as<std::string>() : "UTC");
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(e.time_zone(), &tz)) return Bad(root["time_zone"], "estate", "unknown time zone '" + e.time_zone() + "'");
    if (!root["teams"] || !root["teams"].IsSequence()) return Bad(root, "estate", "teams: a list is required");
    std::set<std::string> teams;
    for (const auto& n : root["teams"]) {
      std::string id = n["id"] ? n["id"].as<std::string>() : "";
      std::string where = "team '" + id + "'";
      if (auto s = CheckKeys(n, where, {"id", "name", "categories", "buildings", "supervisor", "fallback"}); !s.ok()) return s;
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
        return absl::InvalidArgumentError(absl::StrCat("estate: team '", t.id(), "': fallback '", t.fallback(), "' is not another team"));
      }
    }
    std::set<std::string> members;
    if (root["members"]) {
      for (const auto& n : root["members"]) {
        v1::Member* m = e.add_members();
        if (auto s = ParseMember(n, m, teams); !s.ok()) return s;
        if (!members.insert(m->id()).second) return Bad(n, "member '" + m->id() + "'", "id appears twice");
      }
    }
    for (const auto& t : e.teams()) {
      if (!t.supervisor().empty() && !members.count(t.supervisor())) {
        return absl::InvalidArgumentError(absl::StrCat("estate: team '", t.id(), "': supervisor '", t.supervisor(), "' is not a member"));
      }
    }
    if (root["rules"]) {
      for (const auto& n : root["rules"]) {
        v1::Rule* r = e.add_rules();
        r->set_name(n["name"] ? n["name"].as<std::string>() : "");
        std::string where = "rule '" + r->name() + "'";
        if (auto s = CheckKeys(n, where, {"name", "match", "team", "min_skill"}); !s.ok()) return s;
        if (r->name().empty()) return Bad(n, "rule", "name is required");
        r->set_team(n["team"] ? n["team"].as<std::string>() : "");
        if (!teams.count(r->team())) return Bad(n, where, "no team '" + r->team() + "'");
        int min_skill = 0;
        if (n["min_skill"]) {
          if (auto s = ParseLevel(n["min_skill"], where + " min_skill", 0, 3, &min_skill); !s.ok()) return s;
        }
        r->set_min_skill(min_skill);
        if (n["match"]) {
          const YAML::Node& m = n["match"];
          if (auto s = CheckKeys(m, where + " match", {"kind", "category", "priority", "building", "keywords"}); !s.ok()) return s;
          for (auto& k : Strings(m["kind"])) {
            if (k != "repair" && k != "complaint") return Bad(m, where, "kind is repair or complaint");
            r->mutable_match()->add_kinds(k);
          }
          for (auto& c : Strings(m["category"])) r->mutable_match()->add_categories(c);
          if (m["priority"]) {
            for (const auto& p : (m["priority"].IsSequence() ? m["priority"] : YAML::Node(std::vector<std::string>{m["priority"].as<std::string>()}))) {
              auto pr = Priority(p, where);
              if (!pr.ok()) return pr.status();
              r->mutable_match()->add_priorities(*pr);
            }
          }
          for (auto& b : Strings(m["building"])) r->mutable_match()->add_buildings(b);
          for (auto& k : Strings(m["keywords"])) r->mutable_match()->add_keywords(absl::AsciiStrToLower(k));
        }
      }
    }
  } catch (const YAML::Exception& ex) {
    return absl::InvalidArgumentError(absl::StrCat("estate line ", ex.mark.line + 1, ": ", ex.msg));
  }
  return e;
}

std::vector<std::string> EstateChanges(const v1::Estate& before, const v1::Estate& after) {
  std::vector<std::string> out;
  auto diff = [&](const char* what, const auto& olds, const auto& news, auto key) {
    std::map<std::string, std::string> a, b;
    for (const auto& x : olds) a[key(x)] = x.SerializeAsString();
    for (const auto& x : news) b[key(x)] = x.SerializeAsString();
    for (const auto& [k, v] : b) {
      if (!a.count(k)) out.push_back(absl::StrCat(what, " ", k, " added"));
      else if (a[k] != v) out.push_back(absl::StrCat(what, " ", k, " changed"));
    }
    for (const auto& [k, v] : a) {
      if (!b.count(k)) out.push_back(absl::StrCat(what, " ", k, " removed"));
    }
  };
  diff("team", before.teams(), after.teams(), [](const v1::Team& t) { return t.id(); });
  diff("member", before.members(), after.members(), [](const v1::Member& m) { return m.id(); });
  diff("rule", before.rules(), after.rules(), [](const v1::Rule& r) { return r.name(); });
  if (before.time_zone() != after.time_zone()) out.push_back("time_zone changed");
  // The same rules in another order route differently: first match wins.
  std::vector<std::string> a, b;
  for (const auto& r : before.rules()) a.push_back(r.name());
  for (const auto& r : after.rules()) b.push_back(r.name());
  if (a != b && std::is_permutation(a.begin(), a.end(), b.begin(), b.end())) out.push_back("rule order changed");
  return out;
}

}  // namespace lobby::dispatch
