#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

int Watch(Ctl& ctl, Args& a) {
  a.Allow({"member", "team", "site", "cursor"}, 0);
  v1::WatchAssignmentsRequest req;
  req.set_member(a.Get("member"));
  req.set_team(a.Get("team"));
  req.set_site_id(a.Get("site"));
  req.set_cursor(a.Get("cursor"));
  if (req.member().empty() == req.team().empty())
    throw UsageError{"dispatch watch needs --member or --team"};
  absl::Duration backoff = absl::Milliseconds(200);
  for (;;) {
    grpc::ClientContext ctx;
    lobby::PrepareClientContext(ctx, ctl.token, absl::Hours(24));
    auto reader = ctl.dispatch->WatchAssignments(&ctx, req);
    v1::AssignmentEvent e;
    while (reader->Read(&e)) {
      backoff = absl::Milliseconds(200);
      req.set_cursor(e.cursor());
      if (e.type() == "watch.started") {
        std::cerr << "watching from " << e.cursor() << "\n";
        continue;
      }
      if (ctl.json()) {
        std::cout << Json(e) << std::endl;
        continue;
      }
      ctl.UseSite(e.site_id());
      std::cout << absl::StrJoin({e.cursor(), Time(e.at()), e.type().substr(e.type().find('.') + 1),
                                  e.ticket_id(),
                                  Lower(v1::Priority_Name(e.priority()), "PRIORITY_") +
                                      (e.emergency() ? " EMERGENCY" : ""),
                                  e.category(), e.building().empty() ? "-" : e.building(),
                                  e.assignee().empty() ? e.team() + " pool" : e.assignee(),
                                  e.note().substr(0, 120)},
                                 "  ")
                << std::endl;
    }
    grpc::Status s = reader->Finish();
    switch (s.error_code()) {
      case grpc::StatusCode::INVALID_ARGUMENT:
      case grpc::StatusCode::PERMISSION_DENIED:
      case grpc::StatusCode::UNAUTHENTICATED:
      case grpc::StatusCode::NOT_FOUND:
        std::cerr << "error: " << s.error_message() << "\n";
        return 1;
      default:
        std::cerr << "watch: " << (s.ok() ? "stream ended" : s.error_message())
                  << "; reconnecting from " << (req.cursor().empty() ? "now" : req.cursor())
                  << "\n";
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(10));
    }
  }
}

int Dispatch(Ctl& ctl, Args& a) {
  std::string group = a.positional[0];
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  using S = v1::DispatchService::Stub;
  if (group == "estate" && cmd == "get") {
    a.Allow({"site"}, 0);
    v1::GetEstateRequest req;
    req.set_site_id(ctl.Site(a));
    auto e = ctl.CallOn<v1::GetEstateRequest, v1::Estate>(*ctl.dispatch, &S::GetEstate, req);
    if (ctl.json()) {
      std::cout << Json(e) << "\n";
      return 0;
    }
    std::cout << "estate " << e.site_id() << " (" << e.time_zone() << ")\n\n";
    std::vector<std::vector<std::string>> teams;
    for (const auto& t : e.teams()) {
      teams.push_back({t.id(), absl::StrJoin(t.categories(), ","),
                       t.buildings().empty() ? "(all)" : absl::StrJoin(t.buildings(), ","),
                       t.supervisor(), t.fallback()});
    }
    PrintTable({"TEAM", "CATEGORIES", "BUILDINGS", "SUPERVISOR", "FALLBACK"}, teams);
    std::cout << "\n";
    std::vector<std::vector<std::string>> members;
    for (const auto& m : e.members()) {
      std::vector<std::string> skills;
      for (const auto& [k, v] : std::map<std::string, int>(m.skills().begin(), m.skills().end()))
        skills.push_back(k + ":" + std::to_string(v));
      members.push_back({m.id(), absl::StrJoin(m.teams(), ","), absl::StrJoin(skills, " "),
                         std::to_string(m.seniority()), std::to_string(m.capacity()),
                         m.on_call() ? "on call" : std::to_string(m.shifts_size()) + " shifts"});
    }
    PrintTable({"MEMBER", "TEAMS", "SKILLS", "SENIORITY", "CAPACITY", "WORKS"}, members);
    std::cout << "\n";
    std::vector<std::vector<std::string>> rules;
    for (const auto& r : e.rules())
      rules.push_back({r.name(), r.team(), std::to_string(r.min_skill())});
    PrintTable({"RULE (first match wins)", "TEAM", "MIN SKILL"}, rules);
    if (!e.sla_policies().empty()) {
      std::cout << "\n";
      auto mins = [](int64_t m) {
        return m == 0 ? std::string("-") : absl::FormatDuration(absl::Minutes(m));
      };
      std::vector<std::vector<std::string>> policies;
      for (const auto& p : e.sla_policies()) {
        std::vector<std::string> prios;
        for (int pr : p.priorities())
          prios.push_back(Lower(v1::Priority_Name(static_cast<v1::Priority>(pr)), "PRIORITY_"));
        std::string match =
            absl::StrJoin({absl::StrJoin(p.kinds(), ","), absl::StrJoin(p.categories(), ","),
                           absl::StrJoin(prios, ",")},
                          " ");
        policies.push_back({p.name(),
                            absl::StripAsciiWhitespace(match).empty()
                                ? "(all)"
                                : std::string(absl::StripAsciiWhitespace(match)),
                            mins(p.acknowledge_minutes()), mins(p.arrive_minutes()),
                            mins(p.resolve_minutes()), p.business_hours() ? "business" : "24/7",
                            absl::StrCat(p.warn_percent(), "%"), mins(p.reassign_minutes())});
      }
      PrintTable({"SLA POLICY", "MATCH", "ACK", "ARRIVE", "RESOLVE", "HOURS", "WARN", "REASSIGN"},
                 policies);
      std::vector<std::string> chain;
      for (const auto& st : e.escalation())
        chain.push_back(
            absl::StrCat(st.to(), " +", absl::FormatDuration(absl::Minutes(st.after_minutes()))));
      std::cout << "\nescalation: "
                << (chain.empty() ? "supervisor +0" : absl::StrJoin(chain, " -> ")) << "\n";
      if (!e.holidays().empty())
        std::cout << "holidays: " << absl::StrJoin(e.holidays(), " ") << "\n";
    }
    return 0;
  }
  if (group == "estate" && cmd == "units") {
    a.Allow({"site", "building"}, 0);
    v1::GetEstateRequest req;
    req.set_site_id(ctl.Site(a));
    auto r =
        ctl.CallOn<v1::GetEstateRequest, v1::EstateRegister>(*ctl.dispatch, &S::GetRegister, req);
    std::string only = a.Get("building");
    lobby::EstateRegister reg(r);
    if (auto miss = reg.CheckBuilding(only); miss && !only.empty()) {
      std::cerr << "error: NOT_FOUND: " << lobby::Describe(*miss, r.site_id()) << "\n";
      return 1;
    }
    const v1::Building* pick = only.empty() ? nullptr : reg.FindBuilding(only);
    google::protobuf::RepeatedPtrField<v1::Building> buildings;
    for (const auto& b : r.buildings()) {
      if (pick == nullptr || pick->name() == b.name()) *buildings.Add() = b;
    }
    if (ctl.json()) {
      std::cout << JsonItems(buildings) << "\n";
      return 0;
    }
    if (r.buildings().empty()) {
      std::cout
          << "estate " << r.site_id()
          << " has no register: locations are not checked (add buildings: to its estate YAML, "
          << "see docs/dispatch.md)\n";
      return 0;
    }
    std::cout << "estate " << r.site_id() << (r.name().empty() ? "" : " " + r.name()) << " ("
              << r.time_zone()
              << (r.languages().empty() ? "" : ", " + absl::StrJoin(r.languages(), ", "))
              << ")\n\n";
    std::vector<std::vector<std::string>> rows;
    size_t units = 0;
    for (const auto& b : buildings) {
      std::string name =
          b.name() + (b.aliases().empty() ? "" : " (" + absl::StrJoin(b.aliases(), ", ") + ")");
      for (const auto& l : b.levels()) {
        rows.push_back({name, lobby::CompactRanges({l.floors().begin(), l.floors().end()}),
                        lobby::CompactRanges({l.rooms().begin(), l.rooms().end()}),
                        std::to_string(l.floors_size() * l.rooms_size())});
        units += l.floors_size() * l.rooms_size();
        name = "";
      }
      if (!b.other_floors().empty()) {
        rows.push_back({name,
                        lobby::CompactRanges({b.other_floors().begin(), b.other_floors().end()}),
                        "(no flats)", "-"});
        name = "";
      }
      if (!b.common_areas().empty())
        rows.push_back({name, "common areas", absl::StrJoin(b.common_areas(), ", "), "-"});
    }
    PrintTable({"BUILDING", "FLOORS", "FLATS", "UNITS"}, rows);
    std::cout << "\n"
              << units << " units in " << buildings.size()
              << (buildings.size() == 1 ? " building" : " buildings") << "\n";
    return 0;
  }
  if (group == "dispatch" && cmd == "explain") {
    a.Allow({"site", "category", "priority", "building", "text", "kind"}, 0);
    v1::ExplainRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id(ctl.Site(a));
    t->set_category(a.Require("category"));
    v1::Priority p = v1::PRIORITY_P3;
    if (a.Has("priority") &&
        !v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p)) {
      throw UsageError{"--priority is P1..P4"};
    }
    t->set_priority(p);
    t->mutable_location()->set_building(a.Get("building"));
    t->set_description(a.Get("text"));
    if (a.Get("kind") == "complaint") t->mutable_complaint();
    auto d = ctl.CallOn<v1::ExplainRequest, v1::Decision>(*ctl.dispatch, &S::Explain, req);
    if (ctl.json()) {
      std::cout << Json(d) << "\n";
      return 0;
    }
    std::cout << (d.assignee().empty() ? (d.team().empty() ? "nobody" : d.team() + " pool")
                                       : d.assignee() + " (" + d.team() + ")")
              << "\n"
              << d.explanation() << "\n";
    return 0;
  }
  if (group == "dispatch" && (cmd == "claim" || cmd == "decline" || cmd == "transfer")) {
    a.Allow({"member", "to", "reason"}, 1);
    v1::MemberActionRequest req;
    req.set_ticket_id(a.positional[0]);
    req.set_member(a.Get("member"));
    req.set_reason(cmd == "decline" ? a.Require("reason") : a.Get("reason"));
    if (cmd == "transfer") req.set_to_member(a.Require("to"));
    auto method = cmd == "claim" ? &S::Claim : cmd == "decline" ? &S::Decline : &S::Transfer;
    PrintTicket(ctl, ctl.CallOn<v1::MemberActionRequest, v1::Ticket>(*ctl.dispatch, method, req));
    return 0;
  }
  if (group == "dispatch" && cmd == "ack") {
    a.Allow({"member"}, 1);
    v1::MemberActionRequest req;
    req.set_ticket_id(a.positional[0]);
    req.set_member(a.Get("member"));
    PrintTicket(
        ctl, ctl.CallOn<v1::MemberActionRequest, v1::Ticket>(*ctl.dispatch, &S::Acknowledge, req));
    return 0;
  }
  if (group == "dispatch" && cmd == "duty") {
    a.Allow({"site", "member", "date"}, 1);
    const std::string& on = a.positional[0];
    if (on != "on" && on != "off") {
      std::cerr << "lobbyctl: dispatch duty on|off (today, or --date YYYY-MM-DD)\n";
      return 2;
    }
    v1::SetDutyRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_member(a.Get("member"));
    req.set_on_duty(on == "on");
    req.set_date(a.Get("date"));
    auto m = ctl.CallOn<v1::SetDutyRequest, v1::BoardMember>(*ctl.dispatch, &S::SetDuty, req);
    if (ctl.json()) {
      std::cout << Json(m) << "\n";
      return 0;
    }
    std::cout << m.member() << " is " << (on == "on" ? "on" : "off") << " duty "
              << (req.date().empty() ? "today" : req.date()) << "; "
              << (m.on_shift() ? "on shift now" : "not on shift now") << "\n";
    return 0;
  }
  if (group == "dispatch" && cmd == "watch") return Watch(ctl, a);
  if (group == "dispatch" && cmd == "board") {
    a.Allow({"site", "team"}, 0);
    v1::GetBoardRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Require("team"));
    auto b = ctl.CallOn<v1::GetBoardRequest, v1::Board>(*ctl.dispatch, &S::GetBoard, req);
    if (ctl.json()) {
      std::cout << Json(b) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    auto add = [&](const std::string& who, const v1::BoardTicket& t) {
      std::string next = t.paused()               ? "(on hold)"
                         : t.next_stage().empty() ? ""
                                                  : t.next_stage() + " by " + Time(t.next_due());
      rows.push_back(
          {who, t.id(),
           Lower(v1::Priority_Name(t.priority()), "PRIORITY_") + (t.emergency() ? " !!" : ""),
           t.category(), t.building(), t.status(), Time(t.created_at()), next,
           t.breached().empty() ? "" : "BREACHED " + absl::StrJoin(t.breached(), ",")});
    };
    for (const auto& m : b.members()) {
      std::string who = absl::StrCat(m.member(), " ", m.tickets_size(), "/", m.capacity(),
                                     m.on_shift() ? "" : " (off)");
      if (m.tickets().empty()) rows.push_back({who, "-", "", "", "", "", "", "", ""});
      for (int i = 0; i < m.tickets_size(); ++i) add(i == 0 ? who : "", m.tickets(i));
    }
    for (int i = 0; i < b.pool_size(); ++i) add(i == 0 ? "(pool)" : "", b.pool(i));
    for (int i = 0; i < b.elsewhere_size(); ++i)
      add(b.elsewhere(i).assignee() + " (other team)", b.elsewhere(i));
    for (int i = 0; i < b.unrouted_size(); ++i) add(i == 0 ? "(no team)" : "", b.unrouted(i));
    PrintTable({"MEMBER", "TICKET", "PRI", "CATEGORY", "BUILDING", "STATUS", "OPENED",
                "NEXT DEADLINE", "SLA"},
               rows);
    for (const auto& t : b.unrouted()) {
      std::cout << t.id() << " has no team: " << t.not_routed() << " (assign it: lobbyctl "
                << (absl::StartsWith(t.id(), "C-") ? "complaints" : "repairs") << " assign "
                << t.id() << " --team T)\n";
    }
    return 0;
  }
  throw UsageError{
      "estate get|units --site S | dispatch explain|claim|decline|transfer|ack|watch|board ... "
      "(see --help)"};
}

/// "▁▂▃▅▇" for a series.

}  // namespace lobbyctl
