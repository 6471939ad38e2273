#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/common/redis.h"
#include "services/dispatch/router.h"

namespace lobby::dispatch {

/// Dispatch's own keys (site in a hash tag):
///   lobby:dispatch:{SITE}:estate         the Estate protobuf
///   lobby:dispatch:{SITE}:open:MEMBER    hash ticket -> building: the member's open tickets
///   lobby:dispatch:{SITE}:holder         hash ticket -> member holding it now
///   lobby:dispatch:{SITE}:last           hash member -> Unix ms of their last assignment
/// Workload updates are idempotent (set and delete by ticket), so a re-delivered event changes
/// nothing. Thread-safe.
class DispatchStore {
 public:
  explicit DispatchStore(redis::Client& redis) : redis_(redis) {}

  absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site);
  absl::Status PutEstate(const v1::Estate& estate);
  /// The workloads of `members`, in one round trip.
  absl::StatusOr<Workloads> Loads(absl::string_view site, const std::vector<std::string>& members);
  /// `ticket` is now held by `member` ("" : by nobody) in `building`, since `at_ms`.
  absl::Status SetHolder(absl::string_view site, absl::string_view ticket, absl::string_view member,
                         absl::string_view building, int64_t at_ms);

 private:
  std::string Key(absl::string_view site, absl::string_view suffix) const;
  redis::Client& redis_;
};

}  // namespace lobby::dispatch
