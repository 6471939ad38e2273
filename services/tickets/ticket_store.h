#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/repairs.pb.h"
#include "services/common/queue.h"

namespace lobby::tickets {

/// What auto-attach needs to know of an open incident.
struct OpenIncident {
  std::string id;
  std::string category;
  std::vector<std::string> buildings;  // empty: the whole estate
  std::string title;                   // told to the reporters who join it
  std::string expected_at;             // Unix ms when service should be back; empty: not said
};

/// A ticket made with an idempotency key, and the fingerprint of the request that made it.
struct IdempotencyRecord {
  std::string ticket_id;
  std::string fingerprint;
};

/// Everything Create reads before it writes, fetched in one round trip.
struct CreatePrelude {
  std::optional<IdempotencyRecord> existing;  // a ticket made earlier with the same key
  std::string next_id;                        // a fresh number (unused when existing_id is set)
  std::vector<OpenIncident> auto_attach;      // the site's open auto-attach incidents
};

struct TicketPage {
  std::vector<v1::Ticket> tickets;  // newest first
  std::string next_page_token;
};

/// What TicketLogic needs from storage, for one kind of ticket. Every write is one atomic step
/// that also appends its event to lobby:q:tickets: the record and the event land together or
/// not at all. Thread-safe.
class TicketStore {
 public:
  virtual ~TicketStore() = default;

  /// The ticket created earlier in `site` with this idempotency key, if any. Keys are per
  /// estate: two estates' "r1" are two tickets.
  virtual absl::StatusOr<std::optional<IdempotencyRecord>> FindByIdempotencyKey(
      absl::string_view site, absl::string_view key) = 0;
  /// The idempotency lookup, a fresh id and the open incidents, in one round trip. Numbers taken
  /// by a request that turns out to be a retry are skipped: ids are unique, not gapless.
  virtual absl::StatusOr<CreatePrelude> PrepareCreate(absl::string_view site,
                                                      absl::string_view idempotency_key) = 0;
  /// Stores a new ticket, its indexes, the idempotency key (if any) with the request's
  /// fingerprint, and its event. ALREADY_EXISTS when the key was taken meanwhile.
  virtual absl::Status Insert(const v1::Ticket& ticket, absl::string_view idempotency_key,
                              absl::string_view fingerprint, const queue::Fields& event) = 0;
  /// NOT_FOUND.
  virtual absl::StatusOr<v1::Ticket> Get(absl::string_view id) = 0;
  /// Replaces `before` (with its version) by `after`, moving indexes and team counts, and
  /// appends `event`. ABORTED when someone else wrote in between.
  virtual absl::Status Replace(const v1::Ticket& before, const v1::Ticket& after,
                               const queue::Fields& event) = 0;
  virtual absl::StatusOr<TicketPage> List(const v1::ListTicketsRequest& query, int page_size) = 0;
  /// Tickets per status of a team ("new", "assigned", ...), kept as counters.
  virtual absl::StatusOr<std::map<std::string, int64_t>> CountByStatus(absl::string_view site,
                                                                       absl::string_view team) = 0;

  // Incidents (repairs). A ticket belongs to the incident named in its repair.incident_id;
  // Insert and Replace keep each incident's list of tickets in step with that field.
  virtual absl::StatusOr<std::string> NextIncidentId() = 0;
  virtual absl::Status InsertIncident(const v1::Incident& incident, const queue::Fields& event) = 0;
  /// With ticket_ids filled in. NOT_FOUND.
  virtual absl::StatusOr<v1::Incident> GetIncident(absl::string_view id) = 0;
  /// ABORTED when the stored version moved on.
  virtual absl::Status ReplaceIncident(const v1::Incident& before, const v1::Incident& after,
                                       const queue::Fields& event) = 0;
  virtual absl::StatusOr<std::vector<v1::Incident>> ListIncidents(absl::string_view site,
                                                                  bool include_resolved) = 0;

  /// The site's catalog, if one was applied.
  virtual absl::StatusOr<std::optional<v1::Catalog>> GetCatalog(absl::string_view site) = 0;
  virtual absl::Status PutCatalog(const v1::Catalog& catalog) = 0;
};

}  // namespace lobby::tickets
