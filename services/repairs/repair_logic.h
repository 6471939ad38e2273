#pragma once

#include "absl/status/statusor.h"
#include "lobby/v1/repairs.pb.h"
#include "services/common/clock.h"
#include "services/common/estate_register.h"
#include "services/common/roles.h"
#include "services/tickets/ticket_logic.h"
#include "services/tickets/ticket_store.h"

namespace lobby::repairs {

/// The rules only repairs have, on the ticket core: visits, incidents (one fault, many reports)
/// and the upkeep of the site catalogs the repairs service owns. Thread-safe.
class RepairLogic {
 public:
  /// `tickets` is the repairs' ticket core over `store`; `registers` (may be null: unchecked)
  /// checks incidents' buildings.
  RepairLogic(tickets::TicketLogic& tickets, tickets::TicketStore& store, const Clock& clock,
              RegisterCache* registers)
      : tickets_(tickets), store_(store), clock_(clock), registers_(registers) {}

  // Visits: a window proposed by the desk or the technician, confirmed by the resident.
  absl::StatusOr<v1::Ticket> ProposeVisit(const v1::ProposeVisitRequest& request,
                                          const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> ConfirmVisit(absl::string_view id, const auth::Principal& actor);

  // Incidents. Resolving an incident resolves every open ticket attached to it, each with its
  // own ticket.resolved event (so each resident is told).
  absl::StatusOr<v1::Incident> CreateIncident(const v1::CreateIncidentRequest& request,
                                              const auth::Principal& actor);
  absl::StatusOr<v1::Incident> AttachToIncident(const v1::AttachToIncidentRequest& request,
                                                const auth::Principal& actor);
  absl::StatusOr<v1::Incident> ResolveIncident(const v1::ResolveIncidentRequest& request,
                                               const auth::Principal& actor);
  absl::StatusOr<v1::Incident> GetIncident(absl::string_view id);
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(const v1::ListIncidentsRequest& request);

  // The catalog: applied (with a dry run that shows what changes), read, and the classifier.
  absl::StatusOr<v1::ApplyCatalogResponse> ApplyCatalog(const v1::ApplyCatalogRequest& request);
  absl::StatusOr<v1::Catalog> GetCatalog(absl::string_view site);
  absl::StatusOr<v1::Classification> Classify(const v1::ClassifyRequest& request);

 private:
  tickets::TicketLogic& tickets_;
  tickets::TicketStore& store_;
  const Clock& clock_;
  RegisterCache* registers_;
};

}  // namespace lobby::repairs
