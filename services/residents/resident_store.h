#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/queue.h"

namespace lobby::residents {

struct ResidentQuery {
  std::string site_id, building, floor, room;  // a prefix: site, or site+building, ...
  int page_size = 50;
  std::string page_token;
};

struct ResidentPage {
  std::vector<v1::Resident> residents;
  std::string next_page_token;
};

/// The timeline attribute of a complaint's ticket events: "1" when it was filed anonymously.
inline constexpr char kComplaintAnonymous[] = "complaint_anonymous";

/// A timeline entry's id: "<13-digit Unix ms>-<8 hex>", so entries sort by time.
std::string TimelineEntryId(absl::Time at);

struct TimelinePage {
  std::vector<v1::TimelineEntry> entries;  // newest first
  /// The resident's complaints as the ticket events told: id -> filed anonymously. A complaint
  /// missing here is not known to be open about its reporter yet.
  absl::flat_hash_map<std::string, bool> complaints_anonymous;
  std::string next_page_token;
};

struct Verification {
  std::string id;
  std::string resident_id;  // a resident's link; empty for a staff member's
  std::string member;       // a staff member's link: their member id (site_id is their estate)
  std::string member_name;
  std::string site_id;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string external_id;
  std::string phone;
  std::string code_hash;  // sha256(id + code), hex
  int64_t attempts = 0;
  absl::Time expires_at;
};

/// What ResidentLogic needs from storage. Every method is one atomic step; implementations are
/// thread-safe. Records carry a version: writes name the version they read and fail with
/// ABORTED when someone else wrote in between.
class ResidentStore {
 public:
  virtual ~ResidentStore() = default;

  /// A fresh resident id ("RS-10001"), never reused, taken only when the resident's phone+unit
  /// entries and identities are free: otherwise ALREADY_EXISTS naming the owner, nothing taken.
  virtual absl::StatusOr<std::string> ReserveId(const v1::Resident& resident) = 0;
  /// Stores a new resident with version 1 and its indexes. ALREADY_EXISTS (naming the other
  /// resident) when its phone+unit or an identity belongs to someone else.
  virtual absl::Status Insert(const v1::Resident& resident) = 0;
  /// The resident, following merges to the survivor. NOT_FOUND.
  virtual absl::StatusOr<v1::Resident> Get(absl::string_view id) = 0;
  /// The resident an identity is linked to, in one step (every inbound message asks this).
  /// NOT_FOUND when it is linked to no one.
  virtual absl::StatusOr<v1::Resident> GetByIdentity(v1::Channel channel,
                                                     absl::string_view external_id) = 0;
  /// Replaces `before` (as read, with its version) by `after` (version before+1), moving every
  /// index entry that changed. ABORTED when the stored version moved on; ALREADY_EXISTS when a
  /// new phone+unit or identity belongs to someone else.
  virtual absl::Status Replace(const v1::Resident& before, const v1::Resident& after) = 0;
  /// Folds `merged` into the survivor: `survivor_after` replaces `survivor_before`, `merged`
  /// leaves every index and resolves to the survivor, timelines are joined.
  virtual absl::Status Merge(const v1::Resident& survivor_before,
                             const v1::Resident& survivor_after, const v1::Resident& merged) = 0;
  virtual absl::StatusOr<ResidentPage> List(const ResidentQuery& query) = 0;
  virtual absl::StatusOr<std::vector<v1::Resident>> FindByPhone(absl::string_view e164) = 0;
  virtual absl::StatusOr<std::optional<std::string>> FindByPhoneUnit(absl::string_view e164,
                                                                     const v1::Unit& unit) = 0;
  /// The id of the resident an identity belongs to, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindIdentity(
      v1::Channel channel, absl::string_view external_id) = 0;

  /// Staff members' chat identities (lobby:residents:staff_ident), apart from residents'.
  virtual absl::StatusOr<std::optional<v1::StaffIdentity>> FindStaff(
      v1::Channel channel, absl::string_view external_id) = 0;
  virtual absl::Status LinkStaff(const v1::StaffIdentity& staff) = 0;
  /// NOT_FOUND when the identity is no staff member's.
  virtual absl::Status UnlinkStaff(v1::Channel channel, absl::string_view external_id) = 0;

  /// The resident wrote, or read a message, at `at` (notify's unread watches look at it).
  virtual absl::Status MarkSeen(const v1::Resident& resident, absl::Time at) = 0;

  /// Appends to the resident's timeline. With an idempotency key seen before, appends nothing
  /// and returns ALREADY_EXISTS. An entry with the attribute kComplaintAnonymous ("1" or "0")
  /// also records whether that complaint (ticket_id) was filed anonymously.
  virtual absl::Status AppendTimeline(const v1::Resident& resident, const v1::TimelineEntry& entry,
                                      absl::string_view idempotency_key) = 0;
  virtual absl::StatusOr<TimelinePage> ListTimeline(const v1::Resident& resident, int page_size,
                                                    absl::string_view page_token) = 0;

  /// Stores a verification (expiring at its expires_at) and queues `message` on `stream`, together.
  virtual absl::Status SaveVerification(const Verification& v, absl::string_view stream,
                                        const queue::Fields& message) = 0;
  /// NOT_FOUND when unknown or expired.
  virtual absl::StatusOr<Verification> GetVerification(absl::string_view id) = 0;
  /// Counts one attempt; returns the attempts made so far.
  virtual absl::StatusOr<int64_t> CountAttempt(absl::string_view id) = 0;
  virtual absl::Status DeleteVerification(absl::string_view id) = 0;
  /// Counts one event under `key` in a window that starts with the first event; returns the
  /// count in the current window.
  virtual absl::StatusOr<int64_t> CountInWindow(absl::string_view key, absl::Duration window) = 0;

  /// Stores `task` as open under a fresh id ("CB-10001"), unless the idempotency key was seen or
  /// `person` (on its site) has an open task already: then that one is counted as asked again.
  /// Returns the id stored and whether it is new.
  virtual absl::StatusOr<std::pair<std::string, bool>> SaveCallback(
      const v1::CallbackTask& task, absl::string_view person,
      absl::string_view idempotency_key) = 0;
  /// NOT_FOUND when unknown (done tasks are kept 30 days).
  virtual absl::StatusOr<v1::CallbackTask> GetCallback(absl::string_view id) = 0;
  /// The site's open tasks, oldest first, then (with `include_done`) done ones, newest first.
  virtual absl::StatusOr<std::vector<v1::CallbackTask>> ListCallbacks(absl::string_view site,
                                                                      bool include_done,
                                                                      int limit) = 0;
  /// Replaces the open task by `done`; FAILED_PRECONDITION when it is done already.
  virtual absl::Status FinishCallback(const v1::CallbackTask& done, absl::string_view person) = 0;
};

}  // namespace lobby::residents
