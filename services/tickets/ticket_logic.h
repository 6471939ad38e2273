#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/repairs.pb.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/estate_register.h"
#include "services/common/roles.h"
#include "services/tickets/classifier.h"
#include "services/tickets/state_machine.h"
#include "services/tickets/ticket_store.h"

namespace lobby::tickets {

/// What a ticket needs of its reporter.
struct ReporterFacts {
  std::string site;               // the estate they live in
  std::vector<std::string> tags;  // "elderly", "needs_assistance", ...
};

struct TicketsConfig {
  int reopen_days = 14;  // a resolved ticket may be reopened this long after resolution
  /// Estates whose technicians see the reporter's phone number on their own tickets ("*": all).
  absl::flat_hash_set<std::string> technicians_see_phone;

  static void Declare(config::Settings& s);
  static absl::StatusOr<TicketsConfig> From(const config::Settings& s);
};

/// The ticket rules shared by repairs and complaints: validation, numbering, idempotent create,
/// the state machine, history, comments, queries, and the site catalogs (with their classifiers)
/// that every create reads. The rules of one kind are its service's: visits, incidents and the
/// catalog's upkeep in repairs::RepairLogic, follow-ups in complaints::ComplaintLogic, both on
/// Mutate below. No gRPC and no Redis here. Every change is written with its event in one atomic
/// step; two concurrent changes to one ticket never both apply (the loser re-reads and re-checks).
/// Thread-safe.
class TicketLogic {
 public:
  /// Where a site's category catalog comes from. Repairs own the catalogs (their own store);
  /// complaints ask RepairService.
  using CatalogSource = std::function<absl::StatusOr<v1::Catalog>(absl::string_view site)>;
  /// The estate a resident lives in and their tags (ResidentService); NOT_FOUND for no such
  /// resident.
  using ResidentSite = std::function<absl::StatusOr<ReporterFacts>(absl::string_view resident_id)>;

  /// The longest description taken, in characters: the longest message any channel carries.
  static constexpr size_t kMaxDescriptionChars = 5000;

  TicketLogic(TicketStore& store, const Clock& clock, Kind kind, TicketsConfig config,
              CatalogSource catalog_source = nullptr, ResidentSite resident_site = nullptr,
              RegisterCache* registers = nullptr);

  absl::StatusOr<v1::Ticket> Create(const v1::CreateTicketRequest& request,
                                    const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> Get(absl::string_view id, const auth::Principal& viewer);
  absl::StatusOr<v1::ListTicketsResponse> List(const v1::ListTicketsRequest& request,
                                               const auth::Principal& viewer);
  absl::StatusOr<v1::Ticket> Assign(const v1::AssignRequest& request, const auth::Principal& actor);
  /// Dispatch's SLA record: new deadlines, or one more SLA event with its ticket event.
  absl::StatusOr<v1::Ticket> Annotate(const v1::AnnotateRequest& request,
                                      const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> Transition(const v1::TransitionRequest& request,
                                        const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> AddComment(const v1::AddCommentRequest& request,
                                        const auth::Principal& actor);
  absl::StatusOr<v1::CountByStatusResponse> CountByStatus(const v1::CountByStatusRequest& request);

  Kind kind() const { return kind_; }

  // What the services' own rules build on.
  using Change =
      std::function<absl::Status(v1::Ticket& next, std::string& event_type, std::string& note)>;
  /// Reads, applies `change` (which sets the event type; none: nothing changes), writes with the
  /// event and a history entry; retries on a concurrent write unless the caller named the
  /// version it expects. `extra`, filled by `change`, is added to the event.
  absl::StatusOr<v1::Ticket> Mutate(absl::string_view id, int64_t expected_version,
                                    const auth::Principal& actor, const Change& change,
                                    const queue::Fields* extra = nullptr);
  /// PERMISSION_DENIED unless `actor` may change `t`: a technician only their own tickets, an
  /// adapter only for the ticket's reporter (staff:NAME only for an internal comment).
  absl::Status MayChange(const v1::Ticket& t, const auth::Principal& actor,
                         bool internal_comment) const;
  /// The site's catalog, with the classifier built from it, cached for kCatalogTtl.
  absl::StatusOr<std::shared_ptr<const Classifier>> CatalogFor(absl::string_view site);
  /// Drops the cached catalog of `site` (a new one was applied here).
  void ForgetCatalog(absl::string_view site);

 private:
  absl::Status ValidateNew(v1::Ticket& t, const v1::Catalog& catalog,
                           const auth::Principal& actor) const;
  v1::Ticket Redact(v1::Ticket t, const auth::Principal& viewer) const;
  /// A create with a key used before: that ticket when the request is the same, else
  /// ALREADY_EXISTS.
  absl::StatusOr<v1::Ticket> Retried(const IdempotencyRecord& earlier, absl::string_view key,
                                     absl::string_view fingerprint, const auth::Principal& actor);
  /// INVALID_ARGUMENT unless the reporter named by resident id lives in the ticket's estate.
  /// The reporter lives in the ticket's estate; a resident with a tag of the catalog's
  /// raise_priority_for gets one step more urgent (the reason in `raised`).
  absl::Status CheckReporter(v1::Ticket& t, const v1::Catalog& catalog, std::string* raised) const;

  TicketStore& store_;
  const Clock& clock_;
  Kind kind_;
  TicketsConfig config_;
  CatalogSource catalog_source_;
  ResidentSite resident_site_;
  RegisterCache* registers_;  // the estates' registers; nullptr: locations are not checked
  std::mutex mu_;
  // Catalogs (and their classifiers) are read on every create: kept here for kCatalogTtl.
  // ApplyCatalog refreshes this process at once; other processes see a new catalog within
  // kCatalogTtl.
  static constexpr absl::Duration kCatalogTtl = absl::Seconds(10);
  absl::flat_hash_map<std::string, std::pair<std::shared_ptr<const Classifier>, absl::Time>>
      catalogs_;
};

/// INVALID_ARGUMENT unless `id` reads as a ticket number (R-10042, C-10007).
absl::Status CheckTicketId(absl::string_view id);
/// INVALID_ARGUMENT unless `s` is at most `max` bytes of text without control characters (and,
/// when `required`, not blank); the message names `what`.
absl::Status CheckText(absl::string_view what, absl::string_view s, size_t max, bool required);
/// INVALID_ARGUMENT unless `s` is a name: at most 64 characters on one line.
absl::Status CheckName(absl::string_view what, absl::string_view s);
/// The number of UTF-8 code points in `s`.
size_t CodePoints(absl::string_view s);

/// The event fields for an incident (docs/events.md, version 1).
queue::Fields IncidentEvent(const v1::Incident& i, absl::string_view type, absl::string_view actor,
                            absl::Time at);

/// The event fields for `t` (docs/events.md, version 1).
queue::Fields TicketEvent(const v1::Ticket& t, absl::string_view type, v1::TicketStatus from,
                          absl::string_view actor, absl::string_view note, absl::Time at);

}  // namespace lobby::tickets
