#pragma once

#include "services/common/clock.h"
#include "services/common/redis.h"
#include "services/residents/resident_store.h"

namespace lobby::residents {

/// ResidentStore on Redis. Keys (site in a hash tag where a key belongs to one estate):
///   lobby:residents:{SITE}:r:ID         hash: pb (the Resident), v (version), merged_into
///   lobby:residents:{SITE}:units        zset, lexicographic "building␟floor␟room␟ID" (numbers
///                                       zero-padded), one index for site/building/floor/unit
///   lobby:residents:{SITE}:phone_unit   hash "PHONE|building|floor|room" -> ID (uniqueness)
///   lobby:residents:{SITE}:tl:ID        zset, lexicographic "ENTRYID␟pb": the timeline
///   lobby:residents:dir                 hash ID -> SITE (where a record lives)
///   lobby:residents:phone:E164          set of IDs with that number
///   lobby:residents:ident               hash "CHANNEL:EXTERNAL_ID" -> ID
///   lobby:residents:seq                 counter behind the ids
///   lobby:residents:verify:VID          hash, expires with the code
///   lobby:residents:tl_idem:KEY         timeline idempotency keys (30 days)
///   lobby:residents:{SITE}:cb:ID        hash: pb (the CallbackTask), n (times asked)
///   lobby:residents:{SITE}:cb_open      zset ID by creation time; cb_done: by completion (30 days)
///   lobby:residents:cb_person:SITE:WHO  the open task of a person (resident, phone or identity)
///   lobby:residents:cb_idem:KEY         callback idempotency keys (30 days)
///   lobby:residents:cb_seq              counter behind the callback ids (dir maps them to sites)
class RedisResidentStore final : public ResidentStore {
 public:
  RedisResidentStore(redis::Client& redis, const Clock& clock) : redis_(redis), clock_(clock) {}

  /// lobby:residents:{SITE}:seen:RID: when the resident last wrote or read a message (Unix ms,
  /// a week); notify reads it for its unread watches.
  static std::string SeenKey(absl::string_view site, absl::string_view resident_id);

  // ResidentStore
  absl::StatusOr<std::string> ReserveId(const v1::Resident& resident) override;
  absl::Status Insert(const v1::Resident& resident) override;
  absl::StatusOr<v1::Resident> Get(absl::string_view id) override;
  absl::StatusOr<v1::Resident> GetByIdentity(v1::Channel channel,
                                             absl::string_view external_id) override;
  absl::Status Replace(const v1::Resident& before, const v1::Resident& after) override;
  absl::Status Merge(const v1::Resident& survivor_before, const v1::Resident& survivor_after,
                     const v1::Resident& merged) override;
  absl::StatusOr<ResidentPage> List(const ResidentQuery& query) override;
  absl::StatusOr<std::vector<v1::Resident>> FindByPhone(absl::string_view e164) override;
  absl::StatusOr<std::optional<std::string>> FindByPhoneUnit(absl::string_view e164,
                                                             const v1::Unit& unit) override;
  absl::StatusOr<std::optional<std::string>> FindIdentity(v1::Channel channel,
                                                          absl::string_view external_id) override;
  absl::Status AppendTimeline(const v1::Resident& resident, const v1::TimelineEntry& entry,
                              absl::string_view idempotency_key) override;
  absl::StatusOr<TimelinePage> ListTimeline(const v1::Resident& resident, int page_size,
                                            absl::string_view page_token) override;
  /// AppendTimeline with the writes `also` (their key at position 1) in the same step: a message
  /// told to a resident is on their timeline exactly when it is queued (the notify consumer).
  absl::Status AppendTimelineWith(const v1::Resident& resident, const v1::TimelineEntry& entry,
                                  absl::string_view idempotency_key,
                                  const std::vector<redis::Args>& also);
  absl::StatusOr<std::optional<v1::StaffIdentity>> FindStaff(
      v1::Channel channel, absl::string_view external_id) override;
  absl::Status LinkStaff(const v1::StaffIdentity& staff) override;
  absl::Status MarkSeen(const v1::Resident& resident, absl::Time at) override;
  absl::Status UnlinkStaff(v1::Channel channel, absl::string_view external_id) override;
  absl::Status SaveVerification(const Verification& v, absl::string_view stream,
                                const queue::Fields& message) override;
  absl::StatusOr<Verification> GetVerification(absl::string_view id) override;
  absl::StatusOr<int64_t> CountAttempt(absl::string_view id) override;
  absl::Status DeleteVerification(absl::string_view id) override;
  absl::StatusOr<int64_t> CountInWindow(absl::string_view key, absl::Duration window) override;
  absl::StatusOr<std::pair<std::string, bool>> SaveCallback(
      const v1::CallbackTask& task, absl::string_view person,
      absl::string_view idempotency_key) override;
  absl::StatusOr<v1::CallbackTask> GetCallback(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::CallbackTask>> ListCallbacks(absl::string_view site,
                                                              bool include_done,
                                                              int limit) override;
  absl::Status FinishCallback(const v1::CallbackTask& done, absl::string_view person) override;

 private:
  absl::StatusOr<std::vector<v1::Resident>> GetMany(const std::vector<std::string>& ids);
  redis::Client& redis_;
  const Clock& clock_;
};

}  // namespace lobby::residents
