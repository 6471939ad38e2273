#pragma once

#include "services/common/redis.h"
#include "services/dispatch/dispatch_store.h"

namespace lobby::dispatch {

/// DispatchStore on Redis (site in a hash tag):
///   lobby:dispatch:{SITE}:estate         the Estate protobuf
///   lobby:dispatch:{SITE}:open:MEMBER    hash ticket -> building: the member's open tickets
///   lobby:dispatch:{SITE}:holder         hash ticket -> member holding it now
///   lobby:dispatch:{SITE}:last           hash member -> Unix ms of their last assignment
///   lobby:dispatch:{SITE}:board          hash ticket -> BoardTicket protobuf, open tickets only
///   lobby:dispatch:{SITE}:version        hash ticket -> the ticket version tracked last
///   lobby:dispatch:{SITE}:timers         sorted set ticket by Unix ms: when its clocks need a look
///   lobby:dispatch:sites                 set of sites with an estate
class RedisDispatchStore final : public DispatchStore {
 public:
  explicit RedisDispatchStore(redis::Client& redis) : redis_(redis) {}

  // DispatchStore
  absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site) override;
  absl::Status PutEstate(const v1::Estate& estate) override;
  absl::StatusOr<Workloads> Loads(absl::string_view site,
                                  const std::vector<std::string>& members) override;
  absl::Status SetHolder(absl::string_view site, absl::string_view ticket, absl::string_view member,
                         absl::string_view building, int64_t at_ms) override;
  absl::Status Track(absl::string_view site, absl::string_view ticket, int64_t version,
                     const std::optional<v1::BoardTicket>& entry, absl::Time next) override;
  absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, absl::Time now,
                                                    absl::Time lease_until, int limit) override;
  absl::StatusOr<std::vector<std::string>> Sites() override;
  absl::StatusOr<std::vector<v1::BoardTicket>> Board(absl::string_view site) override;
  absl::Status SetDuty(absl::string_view site, const DutyDay& day,
                       const std::vector<DutyDay>& forget) override;
  absl::StatusOr<std::vector<DutyDay>> Duties(absl::string_view site) override;
  absl::Status Push(absl::string_view channel, const queue::Fields& message) override;

 private:
  std::string Key(absl::string_view site, absl::string_view suffix) const;
  redis::Client& redis_;
};

}  // namespace lobby::dispatch
