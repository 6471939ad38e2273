#pragma once

#include "services/common/redis.h"
#include "services/dispatch/dispatch_store.h"

namespace lobby::dispatch {

/// DispatchStore on Redis (site in a hash tag):
///   lobby:dispatch:{SITE}:estate         the Estate protobuf
///   lobby:dispatch:{SITE}:open:MEMBER    hash ticket -> building: the member's open tickets
///   lobby:dispatch:{SITE}:holder         hash ticket -> member holding it now
///   lobby:dispatch:{SITE}:last           hash member -> Unix ms of their last assignment
class RedisDispatchStore final : public DispatchStore {
 public:
  explicit RedisDispatchStore(redis::Client& redis) : redis_(redis) {}

  // DispatchStore
  absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site) override;
  absl::Status PutEstate(const v1::Estate& estate) override;
  absl::StatusOr<Workloads> Loads(absl::string_view site, const std::vector<std::string>& members) override;
  absl::Status SetHolder(absl::string_view site, absl::string_view ticket, absl::string_view member,
                         absl::string_view building, int64_t at_ms) override;
  absl::Status Push(absl::string_view channel, const queue::Fields& message) override;

 private:
  std::string Key(absl::string_view site, absl::string_view suffix) const;
  redis::Client& redis_;
};

}  // namespace lobby::dispatch
