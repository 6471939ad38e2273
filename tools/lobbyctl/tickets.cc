#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

// ------------------------------------------------------------------ tickets

std::string StatusText(v1::TicketStatus s) {
  return Lower(v1::TicketStatus_Name(s), "TICKET_STATUS_");
}
std::string PriorityText(v1::Priority p) {
  return p ? "P" + std::to_string(static_cast<int>(p)) : "";
}
std::string LocationText(const v1::Location& l) {
  if (l.has_unit()) return UnitText(l.unit());
  return absl::StrCat(l.building(), l.floor().empty() ? "" : "/" + l.floor(),
                      l.area().empty() ? "" : " " + l.area());
}
std::string Short(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;  // whole UTF-8 characters
  return s.substr(0, cut) + "…";
}

/// "RS-10001 via bob 陳大文", "anonymous": the parts there are, one space between.
std::string Reporter(const v1::Reporter& r) {
  std::vector<std::string> parts;
  if (!r.resident_id().empty()) parts.push_back(r.resident_id());
  if (!r.agent().empty()) parts.push_back("via " + r.agent());
  if (!r.name().empty()) parts.push_back(r.name());
  return absl::StrJoin(parts, " ");
}

void PrintTicket(Ctl& ctl, const v1::Ticket& t) {
  ctl.UseSite(t.site_id());
  if (ctl.json()) {
    std::cout << Json(t) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"id", t.id()},
      {"status", StatusText(t.status())},
      {"priority", PriorityText(t.priority()) + (t.emergency() ? " (emergency)" : "")},
      {"category", t.category()},
      {"location", LocationText(t.location())},
      {"channel", ChannelName(t.channel())},
      {"reporter", Reporter(t.reporter())},
      {"team",
       t.team().empty() && !t.not_routed().empty() ? "(none: " + t.not_routed() + ")" : t.team()},
      {"assignee", t.assignee()},
      {"description", t.description()},
      {"created", Time(t.created_at())},
      {"version", std::to_string(t.version())},
  };
  if (t.has_repair() && t.repair().has_visit_window()) {
    rows.push_back(
        {"visit", Time(t.repair().visit_window().start()) + " - " +
                      Time(t.repair().visit_window().end()) +
                      (t.repair().visit_window().confirmed() ? " (confirmed)" : " (proposed)")});
  }
  if (t.has_repair() && t.repair().hold_reason()) {
    rows.push_back(
        {"on hold", Lower(v1::HoldReason_Name(t.repair().hold_reason()), "HOLD_REASON_")});
  }
  PrintTable({"FIELD", "VALUE"}, rows);
  std::cout << "\n";
  std::vector<std::vector<std::string>> hist;
  for (const auto& h : t.history()) {
    hist.push_back({Time(h.at()), h.action(),
                    h.from_status()
                        ? StatusText(h.from_status()) + " -> " + StatusText(h.to_status())
                        : StatusText(h.to_status()),
                    h.actor(), h.note()});
  }
  PrintTable({"AT", "ACTION", "STATUS", "BY", "NOTE"}, hist);
  if (t.comments_size()) {
    std::cout << "\n";
    std::vector<std::vector<std::string>> cs;
    for (const auto& c : t.comments())
      cs.push_back({Time(c.at()), c.author(), c.internal() ? "internal" : "to resident", c.text()});
    PrintTable({"AT", "BY", "VISIBLE", "COMMENT"}, cs);
  }
}

void PrintTickets(Ctl& ctl, const std::vector<v1::Ticket>& list, const std::string& next) {
  if (!list.empty()) ctl.UseSite(list[0].site_id());
  if (ctl.json()) {
    std::cout << JsonItems(list, next) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : list) {
    rows.push_back({t.id(), StatusText(t.status()), PriorityText(t.priority()), t.category(),
                    LocationText(t.location()), t.team(), t.assignee(), Time(t.created_at()),
                    Short(t.description(), 40)});
  }
  PrintTable(
      {"ID", "STATUS", "PRI", "CATEGORY", "LOCATION", "TEAM", "ASSIGNEE", "CREATED", "DESCRIPTION"},
      rows);
  if (!next.empty()) std::cout << "(more: --page-token " << next << ", or --all)\n";
}

// The commands repairs and complaints share. Returns -1 when `cmd` is not one of them.
template <typename Stub, typename Get, typename List>
int TicketCommand(Ctl& ctl, Args& a, Stub& stub, const std::string& cmd, Get get_method,
                  List list_method) {
  static const std::map<std::string, v1::TicketAction> kActions = {
      {"ack", v1::TICKET_ACTION_ACKNOWLEDGE}, {"on-the-way", v1::TICKET_ACTION_ON_THE_WAY},
      {"arrive", v1::TICKET_ACTION_ARRIVE},   {"hold", v1::TICKET_ACTION_HOLD},
      {"resume", v1::TICKET_ACTION_RESUME},   {"resolve", v1::TICKET_ACTION_RESOLVE},
      {"close", v1::TICKET_ACTION_CLOSE},     {"reopen", v1::TICKET_ACTION_REOPEN},
      {"cancel", v1::TICKET_ACTION_CANCEL},   {"submit-review", v1::TICKET_ACTION_SUBMIT_REVIEW},
      {"approve", v1::TICKET_ACTION_APPROVE}, {"reject", v1::TICKET_ACTION_REJECT}};
  if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetTicketRequest req;
    req.set_id(a.positional[0]);
    PrintTicket(ctl, ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, get_method, req));
  } else if (cmd == "list") {
    a.Allow({"site", "status", "team", "assignee", "category", "building", "resident", "priority",
             "page-size", "page-token", "all"},
            0);
    v1::ListTicketsRequest req;
    req.set_site_id(ctl.Site(a));
    if (a.Has("status")) {
      v1::TicketStatus st;
      if (!v1::TicketStatus_Parse("TICKET_STATUS_" + absl::AsciiStrToUpper(a.Get("status")), &st))
        throw UsageError{"unknown --status"};
      req.set_status(st);
    }
    if (a.Has("priority")) {
      v1::Priority p;
      if (!v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p))
        throw UsageError{"--priority is P1..P4"};
      req.set_priority(p);
    }
    req.set_team(a.Get("team"));
    req.set_assignee(a.Get("assignee"));
    req.set_category(a.Get("category"));
    req.set_building(a.Get("building"));
    req.set_reporter_resident_id(a.Get("resident"));
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    std::vector<v1::Ticket> all;
    std::string next;
    do {
      auto resp =
          ctl.CallOn<v1::ListTicketsRequest, v1::ListTicketsResponse>(stub, list_method, req);
      for (auto& t : *resp.mutable_tickets()) all.push_back(std::move(t));
      next = resp.next_page_token();
      req.set_page_token(next);
    } while (a.Has("all") && !next.empty());
    PrintTickets(ctl, all, next);
  } else if (cmd == "assign") {
    a.Allow({"team", "assignee", "note", "expected-version"}, 1);
    v1::AssignRequest req;
    req.set_id(a.positional[0]);
    req.set_team(a.Require("team"));
    req.set_assignee(a.Get("assignee"));
    req.set_note(a.Get("note"));
    int64_t v = 0;
    if (a.Has("expected-version") && !absl::SimpleAtoi(a.Get("expected-version"), &v))
      throw UsageError{"--expected-version is a number"};
    req.set_expected_version(v);
    PrintTicket(ctl, ctl.CallOn<v1::AssignRequest, v1::Ticket>(stub, &Stub::Assign, req));
  } else if (kActions.count(cmd)) {
    a.Allow({"note", "reason", "expected-version"}, 1);
    v1::TransitionRequest req;
    req.set_id(a.positional[0]);
    req.set_action(kActions.at(cmd));
    req.set_note(a.Get("note"));
    if (a.Has("reason")) {
      v1::HoldReason r;
      if (!v1::HoldReason_Parse("HOLD_REASON_" + absl::AsciiStrToUpper(a.Get("reason")), &r)) {
        throw UsageError{"--reason is resident_absent, waiting_parts or no_access"};
      }
      req.set_hold_reason(r);
    }
    int64_t v = 0;
    if (a.Has("expected-version") && !absl::SimpleAtoi(a.Get("expected-version"), &v))
      throw UsageError{"--expected-version is a number"};
    req.set_expected_version(v);
    PrintTicket(ctl, ctl.CallOn<v1::TransitionRequest, v1::Ticket>(stub, &Stub::Transition, req));
  } else if (cmd == "comment") {
    a.Allow({"text", "internal"}, 1);
    v1::AddCommentRequest req;
    req.set_id(a.positional[0]);
    req.set_text(a.Require("text"));
    req.set_internal(a.Has("internal"));
    PrintTicket(ctl, ctl.CallOn<v1::AddCommentRequest, v1::Ticket>(stub, &Stub::AddComment, req));
  } else if (cmd == "counts") {
    a.Allow({"site", "team"}, 0);
    v1::CountByStatusRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Require("team"));
    auto resp = ctl.CallOn<v1::CountByStatusRequest, v1::CountByStatusResponse>(
        stub, &Stub::CountByStatus, req);
    if (ctl.json()) {  // a list like every other: {"items": [{"status": "new", "count": 2}, ...]}
      std::vector<std::string> items;
      for (const auto& [k, v] :
           std::map<std::string, int64_t>(resp.counts().begin(), resp.counts().end())) {
        items.push_back(absl::StrCat("{\"status\":\"", k, "\",\"count\":", v, "}"));
      }
      std::cout << "{\"items\":[" << absl::StrJoin(items, ",") << "]}\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [k, v] :
           std::map<std::string, int64_t>(resp.counts().begin(), resp.counts().end())) {
        rows.push_back({k, std::to_string(v)});
      }
      PrintTable({"STATUS", "TICKETS"}, rows);
    }
  } else {
    return -1;
  }
  return 0;
}

// Location and the fields every new ticket has, from the flags.
void FillNewTicket(Args& a, v1::Ticket* t) {
  t->set_site_id(a.Require("site"));
  if (a.Has("room")) {
    auto* u = t->mutable_location()->mutable_unit();
    u->set_site_id(t->site_id());
    u->set_building(a.Require("building"));
    u->set_floor(a.Require("floor"));
    u->set_room(a.Get("room"));
  } else {
    t->mutable_location()->set_building(a.Require("building"));
    t->mutable_location()->set_floor(a.Get("floor"));
    t->mutable_location()->set_area(a.Get("area"));
  }
  t->set_channel(ParseChannel(a.Require("channel")));
  t->mutable_reporter()->set_resident_id(a.Get("resident"));
  if (a.Has("priority")) {
    v1::Priority p;
    if (!v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p))
      throw UsageError{"--priority is P1..P4"};
    t->set_priority(p);
  }
}

int Repairs(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"repairs needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::RepairService::Stub;
  auto& stub = *ctl.repairs;
  if (int r = TicketCommand(ctl, a, stub, cmd, &S::GetRepair, &S::ListRepairs); r >= 0) return r;
  if (cmd == "create") {
    a.Allow(
        {"site", "building", "floor", "room", "area", "category", "text", "description", "channel",
         "resident", "priority", "photo", "idempotency-key", "entry-permission", "key-note"},
        0);
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    FillNewTicket(a, t);
    std::string category = a.Get("category");
    if (category.empty()) {
      v1::ClassifyRequest c;
      c.set_site_id(t->site_id());
      c.set_text(a.Require("text"));
      auto guess = ctl.CallOn<v1::ClassifyRequest, v1::Classification>(stub, &S::Classify, c);
      if (guess.category().empty() || guess.kind() != "repair")
        throw UsageError{"could not tell the category from --text; give --category"};
      std::cerr << "category: " << guess.category() << " (confidence " << guess.confidence()
                << ")\n";
      category = guess.category();
    }
    t->set_category(category);
    t->set_description(a.Has("description") ? a.Get("description") : a.Require("text"));
    for (const auto& url : a.All("photo")) {
      auto* ph = t->add_photos();
      ph->set_url(url);
      ph->set_content_type(absl::EndsWith(url, ".mp4")   ? "video/mp4"
                           : absl::EndsWith(url, ".png") ? "image/png"
                                                         : "image/jpeg");
    }
    if (a.Has("entry-permission")) t->mutable_repair()->set_entry_permission(true);
    if (a.Has("key-note")) t->mutable_repair()->set_key_note(a.Get("key-note"));
    req.set_idempotency_key(a.Get("idempotency-key"));
    PrintTicket(ctl, ctl.CallOn<v1::CreateTicketRequest, v1::Ticket>(stub, &S::CreateRepair, req));
  } else if (cmd == "visit") {
    a.Allow({"start", "end", "entry-permission", "key-note"}, 1);
    v1::ProposeVisitRequest req;
    req.set_id(a.positional[0]);
    if (!HasOffset(a.Require("start")) ||
        !HasOffset(a.Require("end"))) {  // then they are the estate's
      v1::GetTicketRequest get;
      get.set_id(req.id());
      ctl.UseSite(ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, &S::GetRepair, get).site_id());
    }
    *req.mutable_start() = ParseTime("start", a.Require("start"));
    *req.mutable_end() = ParseTime("end", a.Require("end"));
    req.set_entry_permission(a.Has("entry-permission"));
    req.set_key_note(a.Get("key-note"));
    PrintTicket(ctl, ctl.CallOn<v1::ProposeVisitRequest, v1::Ticket>(stub, &S::ProposeVisit, req));
  } else if (cmd == "confirm-visit") {
    a.Allow({}, 1);
    v1::GetTicketRequest req;
    req.set_id(a.positional[0]);
    PrintTicket(ctl, ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, &S::ConfirmVisit, req));
  } else if (cmd == "classify") {
    a.Allow({"site", "text"}, 0);
    v1::ClassifyRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_text(a.Require("text"));
    auto c = ctl.CallOn<v1::ClassifyRequest, v1::Classification>(stub, &S::Classify, req);
    if (ctl.json()) {
      std::cout << Json(c) << "\n";
    } else {
      std::cout << (c.category().empty() ? "(no category)" : c.category() + " (" + c.kind() + ")")
                << " confidence " << c.confidence() << (c.emergency() ? " EMERGENCY" : "")
                << (c.matched_size() ? " matched: " + absl::StrJoin(c.matched(), ", ") : "")
                << "\n";
    }
  } else {
    throw UsageError{"unknown command 'repairs " + cmd + "'"};
  }
  return 0;
}

int Complaints(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"complaints needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::ComplaintService::Stub;
  auto& stub = *ctl.complaints;
  if (int r = TicketCommand(ctl, a, stub, cmd, &S::GetComplaint, &S::ListComplaints); r >= 0)
    return r;
  if (cmd == "create") {
    a.Allow({"site", "building", "floor", "room", "area", "category", "subject", "description",
             "channel", "resident", "priority", "anonymous", "idempotency-key"},
            0);
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    FillNewTicket(a, t);
    t->set_category(a.Require("category"));
    t->set_description(a.Require("description"));
    v1::ComplaintSubject subject;
    if (!v1::ComplaintSubject_Parse(
            "COMPLAINT_SUBJECT_" + absl::AsciiStrToUpper(a.Require("subject")), &subject)) {
      throw UsageError{
          "--subject is neighbour, staff, service, noise, environment, billing or other"};
    }
    t->mutable_complaint()->set_subject(subject);
    t->mutable_complaint()->set_anonymous(a.Has("anonymous"));
    req.set_idempotency_key(a.Get("idempotency-key"));
    PrintTicket(ctl,
                ctl.CallOn<v1::CreateTicketRequest, v1::Ticket>(stub, &S::CreateComplaint, req));
  } else if (cmd == "follow-up") {
    a.Allow({"outcome"}, 1);
    v1::RecordFollowUpRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    PrintTicket(ctl,
                ctl.CallOn<v1::RecordFollowUpRequest, v1::Ticket>(stub, &S::RecordFollowUp, req));
  } else {
    throw UsageError{"unknown command 'complaints " + cmd + "'"};
  }
  return 0;
}

void PrintIncidents(Ctl& ctl, const std::vector<v1::Incident>& list) {
  if (!list.empty()) ctl.UseSite(list[0].site_id());
  if (ctl.json()) {
    std::cout << JsonItems(list) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : list) {
    rows.push_back({i.id(), Lower(v1::IncidentStatus_Name(i.status()), "INCIDENT_STATUS_"),
                    i.category(),
                    i.buildings().empty() ? "(all)" : absl::StrJoin(i.buildings(), ","),
                    std::to_string(i.ticket_ids_size()), Time(i.expected_at()), i.title()});
  }
  PrintTable({"ID", "STATUS", "CATEGORY", "BUILDINGS", "TICKETS", "EXPECTED", "TITLE"}, rows);
}

int Incidents(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"incidents needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::RepairService::Stub;
  auto& stub = *ctl.repairs;
  if (cmd == "create") {
    a.Allow({"site", "building", "category", "title", "description", "expected", "auto-attach"}, 0);
    v1::CreateIncidentRequest req;
    v1::Incident* i = req.mutable_incident();
    i->set_site_id(ctl.Site(a));
    for (const auto& b : a.All("building")) i->add_buildings(b);
    i->set_category(a.Get("category"));
    i->set_title(a.Require("title"));
    i->set_description(a.Get("description"));
    if (a.Has("expected")) *i->mutable_expected_at() = ParseTime("expected", a.Get("expected"));
    i->set_auto_attach(a.Has("auto-attach"));
    PrintIncidents(
        ctl, {ctl.CallOn<v1::CreateIncidentRequest, v1::Incident>(stub, &S::CreateIncident, req)});
  } else if (cmd == "attach") {
    a.Allow({}, a.positional.size() < 2 ? 2 : a.positional.size());
    v1::AttachToIncidentRequest req;
    req.set_incident_id(a.positional[0]);
    for (size_t k = 1; k < a.positional.size(); ++k) req.add_ticket_ids(a.positional[k]);
    PrintIncidents(ctl, {ctl.CallOn<v1::AttachToIncidentRequest, v1::Incident>(
                            stub, &S::AttachToIncident, req)});
  } else if (cmd == "resolve") {
    a.Allow({"resolution"}, 1);
    v1::ResolveIncidentRequest req;
    req.set_id(a.positional[0]);
    req.set_resolution(a.Require("resolution"));
    PrintIncidents(ctl, {ctl.CallOn<v1::ResolveIncidentRequest, v1::Incident>(
                            stub, &S::ResolveIncident, req)});
  } else if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetIncidentRequest req;
    req.set_id(a.positional[0]);
    auto i = ctl.CallOn<v1::GetIncidentRequest, v1::Incident>(stub, &S::GetIncident, req);
    PrintIncidents(ctl, {i});
    if (!ctl.json()) std::cout << "tickets: " << absl::StrJoin(i.ticket_ids(), ", ") << "\n";
  } else if (cmd == "list") {
    a.Allow({"site", "all"}, 0);
    v1::ListIncidentsRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_include_resolved(a.Has("all"));
    auto resp = ctl.CallOn<v1::ListIncidentsRequest, v1::ListIncidentsResponse>(
        stub, &S::ListIncidents, req);
    PrintIncidents(ctl, {resp.incidents().begin(), resp.incidents().end()});
  } else {
    throw UsageError{"unknown command 'incidents " + cmd + "'"};
  }
  return 0;
}

/// dispatch watch: one line per event, as it comes; on a dropped stream it reconnects (with
/// backoff) from the last cursor it printed, so nothing is missed and nothing repeated.

}  // namespace lobbyctl
