#pragma once

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/dispatch/dispatch_store.h"

namespace lobby::dispatch {

/// How dispatch assigns: the owning service's Assign (RepairService or ComplaintService).
class TicketAssigner {
 public:
  virtual ~TicketAssigner() = default;
  /// ABORTED when the ticket moved past `expected_version`, FAILED_PRECONDITION when it can no
  /// longer be assigned: both mean someone else acted first.
  virtual absl::Status Assign(absl::string_view kind, absl::string_view ticket, const v1::Decision& decision,
                              int64_t expected_version) = 0;
};

/// Dispatch: estates, and the `dispatch` consumer of lobby:q:tickets that routes every new
/// ticket and keeps each member's workload from the events. Thread-safe.
class DispatchLogic {
 public:
  DispatchLogic(DispatchStore& store, const Clock& clock, TicketAssigner& assigner)
      : store_(store), clock_(clock), assigner_(assigner) {}

  absl::StatusOr<v1::ApplyEstateResponse> ApplyEstate(const v1::ApplyEstateRequest& request);
  absl::StatusOr<v1::Estate> GetEstate(absl::string_view site);
  absl::StatusOr<v1::Decision> Explain(const v1::ExplainRequest& request);

  /// ticket.created: decide and assign (a ticket that already has a team is left alone);
  /// ticket.assigned: the new holder's workload; resolved, closed, cancelled: work done.
  /// Idempotent: a re-delivered event changes nothing.
  absl::Status HandleEvent(const queue::Entry& event);

 private:
  absl::StatusOr<std::optional<v1::Estate>> Estate(absl::string_view site);
  absl::StatusOr<v1::Decision> DecideNow(const v1::Estate& estate, const TicketFacts& facts);

  DispatchStore& store_;
  const Clock& clock_;
  TicketAssigner& assigner_;
  std::mutex mu_;
  // Estates are read for every new ticket: kept for 10 seconds (ApplyEstate refreshes at once).
  absl::flat_hash_map<std::string, std::pair<std::optional<v1::Estate>, absl::Time>> estates_;
};

}  // namespace lobby::dispatch
