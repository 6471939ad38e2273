#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/common/queue.h"
#include "services/dispatch/router.h"

namespace lobby::dispatch {

/// What DispatchLogic needs from storage. Workload updates are idempotent (set and delete by
/// ticket), so a re-delivered event changes nothing. Thread-safe.
class DispatchStore {
 public:
  virtual ~DispatchStore() = default;
  virtual absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site) = 0;
  virtual absl::Status PutEstate(const v1::Estate& estate) = 0;
  /// The workloads of `members`, in one round trip.
  virtual absl::StatusOr<Workloads> Loads(absl::string_view site, const std::vector<std::string>& members) = 0;
  /// `ticket` is now held by `member` ("" : by nobody) in `building`, since `at_ms`.
  virtual absl::Status SetHolder(absl::string_view site, absl::string_view ticket, absl::string_view member,
                                 absl::string_view building, int64_t at_ms) = 0;
  /// Queues a message on lobby:q:outbound:CHANNEL for the adapter of that channel.
  virtual absl::Status Push(absl::string_view channel, const queue::Fields& message) = 0;
};

}  // namespace lobby::dispatch
