#pragma once

#include "services/common/redis.h"
#include "services/residents/notify_store.h"
#include "services/residents/redis_resident_store.h"

namespace lobby::residents {

/// NotifyStore on Redis, next to the residents' own keys:
///   lobby:notify:{SITE}:held:RID   hash ENTRYID -> the notice held for the resident
///   lobby:notify:{SITE}:due        zset RID by when their notices are due (Unix ms)
///   lobby:notify:seen:ENTRYID      a ticket event already held (7 days: redeliveries)
///   lobby:notify:sites             set of estates with notices held
///   lobby:notify:{SITE}:templates  the estate's own words (NoticeTemplates protobuf)
///   lobby:notify:{SITE}:unread     zset "RID|TICKET" by when an urgent notice to an assisted
///                                  resident is due to have been read (Unix ms)
///   lobby:notify:{SITE}:unread_sent hash "RID|TICKET" -> when that notice was sent (Unix ms)
/// Timeline entries and their idempotency keys are the residents store's.
class RedisNotifyStore final : public NotifyStore {
 public:
  RedisNotifyStore(redis::Client& redis, RedisResidentStore& residents)
      : redis_(redis), residents_(residents) {}

  // NotifyStore
  absl::StatusOr<v1::Resident> Resident(absl::string_view id) override;
  absl::Status Hold(const std::string& site, const std::string& resident_id,
                    const std::string& entry_id, const Notice& notice, absl::Time due) override;
  absl::StatusOr<std::vector<std::string>> Sites() override;
  absl::StatusOr<std::vector<std::string>> ClaimDue(const std::string& site, absl::Time now,
                                                    absl::Time lease_until, int limit) override;
  absl::StatusOr<std::vector<Held>> HeldFor(const std::string& site,
                                            const std::string& resident_id) override;
  absl::Status Tell(const v1::Resident& resident, const v1::TimelineEntry& entry,
                    const std::string& key, const std::string& stream, const queue::Fields& message,
                    const std::vector<std::string>& told) override;
  absl::Status Forget(const std::string& site, const std::string& resident_id,
                      const std::vector<std::string>& entry_ids) override;
  absl::StatusOr<std::optional<v1::NoticeTemplates>> LoadTemplates(
      const std::string& site) override;
  absl::Status SaveTemplates(const v1::NoticeTemplates& templates) override;
  absl::Status WatchUnread(const std::string& site, const std::string& resident_id,
                           const std::string& ticket_id, absl::Time sent_at,
                           absl::Time due) override;
  absl::StatusOr<std::vector<Unread>> ClaimUnread(const std::string& site, absl::Time now,
                                                  absl::Time lease_until, int limit) override;
  absl::Status EndUnread(const std::string& site, const Unread& watch) override;
  absl::StatusOr<absl::Time> SeenAt(const std::string& site,
                                    const std::string& resident_id) override;

 private:
  redis::Client& redis_;
  RedisResidentStore& residents_;
};

}  // namespace lobby::residents
