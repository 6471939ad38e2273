#include "services/repairs/repair_logic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/tickets/catalog.h"

namespace lobby::repairs {

using tickets::CheckName;
using tickets::CheckText;
using tickets::CodePoints;
using tickets::FindCategory;
using tickets::IncidentEvent;
using tickets::IsOpen;
using tickets::ParseCatalog;
using tickets::StatusName;
using tickets::TicketLogic;

// ------------------------------------------------------------------ visits

absl::StatusOr<v1::Ticket> RepairLogic::ProposeVisit(const v1::ProposeVisitRequest& req,
                                                     const auth::Principal& actor) {
  if (!IsValidTimestamp(req.start()) || !IsValidTimestamp(req.end())) {
    return absl::InvalidArgumentError("start and end must be times between the years 1 and 9999");
  }
  absl::Time start = FromTimestamp(req.start()), end = FromTimestamp(req.end());
  if (!req.has_start() || !req.has_end() || end <= start || end - start > absl::Hours(12)) {
    return absl::InvalidArgumentError(
        "a visit window is a start and an end, at most 12 hours apart");
  }
  if (end <= clock_.Now()) return absl::InvalidArgumentError("the visit window is in the past");
  if (end - clock_.Now() > absl::Hours(24 * 366))
    return absl::InvalidArgumentError("the visit window is more than a year ahead");
  LOBBY_RETURN_IF_ERROR(CheckText("key_note", req.key_note(), 500, false));
  return tickets_.Mutate(
      req.id(), 0, actor, [&](v1::Ticket& t, std::string& type, std::string& note) {
        LOBBY_RETURN_IF_ERROR(tickets_.MayChange(t, actor, false));
        if (!IsOpen(t.status()) || t.status() == v1::TICKET_STATUS_ON_SITE) {
          return absl::FailedPreconditionError(
              absl::StrCat("cannot plan a visit for a ticket that is ", StatusName(t.status())));
        }
        v1::RepairDetails& r = *t.mutable_repair();
        *r.mutable_visit_window()->mutable_start() = req.start();
        *r.mutable_visit_window()->mutable_end() = req.end();
        r.mutable_visit_window()->set_confirmed(false);
        r.set_entry_permission(req.entry_permission());
        r.set_key_note(req.key_note());
        type = "ticket.visit_proposed";
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Ticket> RepairLogic::ConfirmVisit(absl::string_view id,
                                                     const auth::Principal& actor) {
  return tickets_.Mutate(id, 0, actor, [&](v1::Ticket& t, std::string& type, std::string& note) {
    LOBBY_RETURN_IF_ERROR(tickets_.MayChange(t, actor, false));
    if (!t.has_repair() || !t.repair().has_visit_window())
      return absl::FailedPreconditionError("no visit window was proposed");
    if (t.repair().visit_window().confirmed())
      return absl::FailedPreconditionError("the visit window is confirmed already");
    t.mutable_repair()->mutable_visit_window()->set_confirmed(true);
    type = "ticket.visit_confirmed";
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------ incidents

absl::StatusOr<v1::Incident> RepairLogic::CreateIncident(const v1::CreateIncidentRequest& req,
                                                         const auth::Principal& actor) {
  v1::Incident inc = req.incident();
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(inc.site_id()));
  LOBBY_RETURN_IF_ERROR(CheckText("title", inc.title(), 200, true));
  LOBBY_RETURN_IF_ERROR(CheckText("description", inc.description(), 4000, false));
  if (!inc.id().empty() || inc.ticket_ids_size() ||
      inc.status() != v1::INCIDENT_STATUS_UNSPECIFIED) {
    return absl::InvalidArgumentError("id, status and ticket_ids are set by Lobby");
  }
  if (inc.buildings_size() > 50) return absl::InvalidArgumentError("at most 50 buildings");
  for (const auto& b : inc.buildings()) {
    if (b.empty() || b.find(',') != std::string::npos || b.find('|') != std::string::npos) {
      return absl::InvalidArgumentError("a building name is not empty and has no ',' or '|'");
    }
    LOBBY_RETURN_IF_ERROR(CheckName("building", b));
  }
  if (registers_ != nullptr) {
    if (absl::Status s = registers_->CheckBuildings(inc.site_id(), *inc.mutable_buildings());
        !s.ok())
      return s;
  }
  LOBBY_ASSIGN_OR_RETURN(auto cached, tickets_.CatalogFor(inc.site_id()));
  const v1::Catalog& catalog = cached->catalog();
  const v1::Category* cat = FindCategory(catalog, inc.category());
  if (inc.auto_attach() && (cat == nullptr || cat->kind() != "repair")) {
    return absl::InvalidArgumentError(
        "auto_attach needs the repair category the reports will have");
  }
  if (!inc.category().empty() && cat == nullptr)
    return absl::InvalidArgumentError("unknown category");
  LOBBY_ASSIGN_OR_RETURN(auto id, store_.NextIncidentId());
  absl::Time now = clock_.Now();
  inc.set_id(id);
  inc.set_status(v1::INCIDENT_STATUS_OPEN);
  *inc.mutable_created_at() = ToTimestamp(now);
  inc.set_created_by(actor.name);
  inc.set_version(1);
  if (absl::Status s =
          store_.InsertIncident(inc, IncidentEvent(inc, "incident.created", actor.name, now));
      !s.ok())
    return s;
  return inc;
}

absl::StatusOr<v1::Incident> RepairLogic::AttachToIncident(const v1::AttachToIncidentRequest& req,
                                                           const auth::Principal& actor) {
  if (req.ticket_ids().empty() || req.ticket_ids_size() > 500)
    return absl::InvalidArgumentError("1 to 500 ticket_ids");
  LOBBY_ASSIGN_OR_RETURN(auto inc, store_.GetIncident(req.incident_id()));
  if (inc.status() != v1::INCIDENT_STATUS_OPEN)
    return absl::FailedPreconditionError(absl::StrCat(inc.id(), " is resolved"));
  // Check them all first, so a bad id attaches nothing.
  for (const auto& id : req.ticket_ids()) {
    LOBBY_ASSIGN_OR_RETURN(auto t, store_.Get(id));
    if (t.site_id() != inc.site_id())
      return absl::InvalidArgumentError(absl::StrCat(id, " belongs to another estate"));
    if (!IsOpen(t.status()))
      return absl::FailedPreconditionError(absl::StrCat(id, " is ", StatusName(t.status())));
  }
  // Its reporters are told it is a known fault, and when service should be back.
  queue::Fields known = {
      {"incident_title", inc.title()},
      {"incident_expected_at",
       inc.has_expected_at() ? std::to_string(absl::ToUnixMillis(FromTimestamp(inc.expected_at())))
                             : ""}};
  for (const auto& id : req.ticket_ids()) {
    auto r = tickets_.Mutate(
        id, 0, actor,
        [&](v1::Ticket& t, std::string& type, std::string& note) {
          if (t.repair().incident_id() == inc.id()) return absl::OkStatus();
          t.mutable_repair()->set_incident_id(inc.id());
          type = "ticket.incident_attached";
          note = inc.title();
          return absl::OkStatus();
        },
        &known);
    if (!r.ok()) return r.status();
  }
  return store_.GetIncident(inc.id());
}

absl::StatusOr<v1::Incident> RepairLogic::ResolveIncident(const v1::ResolveIncidentRequest& req,
                                                          const auth::Principal& actor) {
  LOBBY_RETURN_IF_ERROR(CheckText("resolution", req.resolution(), 2000, true));
  LOBBY_ASSIGN_OR_RETURN(auto inc, store_.GetIncident(req.id()));
  if (inc.status() != v1::INCIDENT_STATUS_OPEN)
    return absl::FailedPreconditionError(absl::StrCat(inc.id(), " is resolved already"));
  // Tickets first: if this stops half way, the incident is still open and resolving it again
  // finishes the rest.
  // The residents read it too (notify tells them the resolution): the fault's name, not its id.
  std::string note = absl::StrCat(inc.title(), ": ", req.resolution(), " (", inc.id(), ")");
  for (const auto& id : inc.ticket_ids()) {
    auto r = tickets_.Mutate(id, 0, actor, [&](v1::Ticket& t, std::string& type, std::string& n) {
      if (!IsOpen(t.status())) return absl::FailedPreconditionError("done already");
      t.set_status(v1::TICKET_STATUS_RESOLVED);
      *t.mutable_resolved_at() = ToTimestamp(clock_.Now());
      if (t.has_repair()) t.mutable_repair()->clear_hold_reason();
      type = "ticket.resolved";
      n = note;
      return absl::OkStatus();
    });
    if (!r.ok() && !absl::IsFailedPrecondition(r.status())) return r.status();
  }
  absl::Time now = clock_.Now();
  v1::Incident next = inc;
  next.set_status(v1::INCIDENT_STATUS_RESOLVED);
  *next.mutable_resolved_at() = ToTimestamp(now);
  next.set_resolution(req.resolution());
  next.set_version(inc.version() + 1);
  if (absl::Status s = store_.ReplaceIncident(
          inc, next, IncidentEvent(next, "incident.resolved", actor.name, now));
      !s.ok()) {
    return s;
  }
  return next;
}

absl::StatusOr<v1::Incident> RepairLogic::GetIncident(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("id is required");
  return store_.GetIncident(id);
}

absl::StatusOr<v1::ListIncidentsResponse> RepairLogic::ListIncidents(
    const v1::ListIncidentsRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  LOBBY_ASSIGN_OR_RETURN(auto list, store_.ListIncidents(req.site_id(), req.include_resolved()));
  v1::ListIncidentsResponse out;
  for (auto& i : list) *out.add_incidents() = std::move(i);
  return out;
}

// ------------------------------------------------------------------ catalog

absl::StatusOr<v1::Catalog> RepairLogic::GetCatalog(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto c, tickets_.CatalogFor(site));
  return c->catalog();
}

absl::StatusOr<v1::ApplyCatalogResponse> RepairLogic::ApplyCatalog(
    const v1::ApplyCatalogRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  LOBBY_ASSIGN_OR_RETURN(auto parsed, ParseCatalog(req.yaml(), req.site_id()));
  LOBBY_ASSIGN_OR_RETURN(auto current, GetCatalog(req.site_id()));
  v1::ApplyCatalogResponse out;
  for (const auto& c : parsed.categories()) {
    const v1::Category* old = FindCategory(current, c.id());
    if (old == nullptr)
      out.add_added(c.id());
    else if (auto changes = FieldChanges(*old, c); !changes.empty()) {
      out.add_changed(c.id());
      for (const auto& change : changes) out.add_changes(absl::StrCat(c.id(), ": ", change));
    }
  }
  for (const auto& c : current.categories()) {
    if (FindCategory(parsed, c.id()) == nullptr) out.add_removed(c.id());
  }
  auto tags = [](const v1::Catalog& c) {
    return absl::StrCat("[", absl::StrJoin(c.raise_priority_for(), ", "), "]");
  };
  if (tags(current) != tags(parsed))
    out.add_changes(absl::StrCat("raise_priority_for: ", tags(current), " -> ", tags(parsed)));
  *out.mutable_catalog() = parsed;
  if (req.dry_run()) return out;
  LOBBY_RETURN_IF_ERROR(store_.PutCatalog(parsed));
  tickets_.ForgetCatalog(req.site_id());
  return out;
}

absl::StatusOr<v1::Classification> RepairLogic::Classify(const v1::ClassifyRequest& req) {
  if (CodePoints(req.text()) > TicketLogic::kMaxDescriptionChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("text is at most ", TicketLogic::kMaxDescriptionChars, " characters"));
  }
  if (absl::Status s = CheckText("text", req.text(), 4 * TicketLogic::kMaxDescriptionChars, true);
      !s.ok())
    return s;
  LOBBY_ASSIGN_OR_RETURN(auto c, tickets_.CatalogFor(req.site_id()));
  return c->Classify(req.text());
}

}  // namespace lobby::repairs
