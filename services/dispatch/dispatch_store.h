#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/common/queue.h"
#include "services/dispatch/router.h"

namespace lobby::dispatch {

/// A member on or off duty for one day, over their shifts in the estate YAML.
struct DutyDay {
  std::string member;
  std::string date;  // "2026-12-03", in the estate's time zone
  bool on = false;
};

/// What DispatchLogic needs from storage. Workload updates are idempotent (set and delete by
/// ticket), so a re-delivered event changes nothing. Thread-safe.
class DispatchStore {
 public:
  virtual ~DispatchStore() = default;
  virtual absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site) = 0;
  virtual absl::Status PutEstate(const v1::Estate& estate) = 0;
  /// The workloads of `members`, in one round trip.
  virtual absl::StatusOr<Workloads> Loads(absl::string_view site,
                                          const std::vector<std::string>& members) = 0;
  /// `ticket` is now held by `member` ("" : by nobody) in `building`, since `at_ms`.
  virtual absl::Status SetHolder(absl::string_view site, absl::string_view ticket,
                                 absl::string_view member, absl::string_view building,
                                 int64_t at_ms) = 0;
  /// Dispatch's view of an open ticket at `version`: its board entry (none: no longer open) and
  /// when its clocks next need a look (InfiniteFuture: never). An older version than the one
  /// stored changes nothing. Also records the site for the timer loop.
  virtual absl::Status Track(absl::string_view site, absl::string_view ticket, int64_t version,
                             const std::optional<v1::BoardTicket>& entry, absl::Time next) = 0;
  /// Tickets whose time has come, at most `limit`; each is held back until `lease_until` so
  /// that a crash mid-way brings it round again, and no other process takes it meanwhile.
  virtual absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, absl::Time now,
                                                            absl::Time lease_until, int limit) = 0;
  /// The sites with an estate.
  virtual absl::StatusOr<std::vector<std::string>> Sites() = 0;
  /// Every open ticket of the site, as dispatch tracks it.
  virtual absl::StatusOr<std::vector<v1::BoardTicket>> Board(absl::string_view site) = 0;
  /// A member's duty for one day ("2026-12-03", estate-local) over the estate YAML, on or off;
  /// `forget`: (member, date) entries to drop in the same step (past ones).
  virtual absl::Status SetDuty(absl::string_view site, const DutyDay& day,
                               const std::vector<DutyDay>& forget) = 0;
  /// Every duty day set for the site.
  virtual absl::StatusOr<std::vector<DutyDay>> Duties(absl::string_view site) = 0;
  /// Queues a message on lobby:q:outbound:CHANNEL for the adapter of that channel.
  virtual absl::Status Push(absl::string_view channel, const queue::Fields& message) = 0;
};

}  // namespace lobby::dispatch
