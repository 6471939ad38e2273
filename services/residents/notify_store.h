#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/queue.h"
#include "services/residents/notices.h"

namespace lobby::residents {

/// What NotifyLogic needs from storage: the residents, the notices held for each until they are
/// due (quiet hours, coalescing), and telling. Every method is one atomic step; thread-safe.
class NotifyStore {
 public:
  struct Held {
    std::string entry_id;  // the ticket event's stream entry
    Notice notice;
  };

  /// An urgent notice to an assisted resident, watched until it is read.
  struct Unread {
    std::string resident_id;
    std::string ticket_id;
    absl::Time sent_at;
  };

  virtual ~NotifyStore() = default;

  /// The resident, following merges. NOT_FOUND.
  virtual absl::StatusOr<v1::Resident> Resident(absl::string_view id) = 0;
  /// Holds `notice`, of stream entry `entry_id`, for the resident until `due` at the latest (an
  /// earlier due already set stands). ALREADY_EXISTS, holding nothing, when that entry was held
  /// before: a redelivered event is told once.
  virtual absl::Status Hold(const std::string& site, const std::string& resident_id,
                            const std::string& entry_id, const Notice& notice, absl::Time due) = 0;
  /// The estates with notices held.
  virtual absl::StatusOr<std::vector<std::string>> Sites() = 0;
  /// The residents whose notices are due by `now`, each leased until `lease_until`.
  virtual absl::StatusOr<std::vector<std::string>> ClaimDue(const std::string& site, absl::Time now,
                                                            absl::Time lease_until, int limit) = 0;
  /// The notices held for the resident, oldest first.
  virtual absl::StatusOr<std::vector<Held>> HeldFor(const std::string& site,
                                                    const std::string& resident_id) = 0;
  /// In one step: `entry` on the resident's timeline, `message` queued on `stream` (nothing
  /// queued when `stream` is empty) and the held notices `told` dropped. ALREADY_EXISTS, writing
  /// nothing, when `key` was used before.
  virtual absl::Status Tell(const v1::Resident& resident, const v1::TimelineEntry& entry,
                            const std::string& key, const std::string& stream,
                            const queue::Fields& message, const std::vector<std::string>& told) = 0;
  /// The estate's own words for its notices, if it has any.
  virtual absl::StatusOr<std::optional<v1::NoticeTemplates>> LoadTemplates(
      const std::string& site) = 0;
  virtual absl::Status SaveTemplates(const v1::NoticeTemplates& templates) = 0;
  /// Watches the notice on `ticket` sent to the resident at `sent_at` until `due`; a watch of
  /// the same ticket's earlier notice that is still open stands.
  virtual absl::Status WatchUnread(const std::string& site, const std::string& resident_id,
                                   const std::string& ticket_id, absl::Time sent_at,
                                   absl::Time due) = 0;
  /// The watches due by `now`, each leased until `lease_until`.
  virtual absl::StatusOr<std::vector<Unread>> ClaimUnread(const std::string& site, absl::Time now,
                                                          absl::Time lease_until, int limit) = 0;
  virtual absl::Status EndUnread(const std::string& site, const Unread& watch) = 0;
  /// When the resident last wrote, or read a message (ResolveIdentity with `seen`);
  /// InfinitePast when not within a week.
  virtual absl::StatusOr<absl::Time> SeenAt(const std::string& site,
                                            const std::string& resident_id) = 0;
  /// Drops the held notices `entry_ids`; the resident is no longer due once none is left.
  virtual absl::Status Forget(const std::string& site, const std::string& resident_id,
                              const std::vector<std::string>& entry_ids) = 0;
};

}  // namespace lobby::residents
