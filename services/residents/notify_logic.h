#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/queue.h"
#include "services/residents/notify_store.h"

namespace lobby::residents {

struct NotifyConfig {
  /// Changes to a resident's tickets within this time are told in one message (0: each at once).
  absl::Duration coalesce = absl::Seconds(60);
  std::string default_language = "zh-Hant";
  /// A resident tagged elderly or needs_assistance who has not read an urgent notice about a
  /// repair (P1/P2) within this time gets a callback task (0: never).
  absl::Duration unread_callback = absl::Minutes(30);

  static void Declare(config::Settings& s);
  static absl::StatusOr<NotifyConfig> From(const config::Settings& s);
};

/// What notify needs of an estate: its time zone and what its teams are called.
struct EstateFacts {
  absl::TimeZone zone = absl::UTCTimeZone();
  std::map<std::string, std::string, std::less<>> team_names;  // id -> name
};
/// The estate's facts, by site id (from its register; UTC and team ids when it is unknown).
using EstateOf = std::function<EstateFacts(absl::string_view site)>;

/// Ticket events older than this are not told: a consumer group made on a stream with history
/// (a new install over old data) must not tell residents about last month.
inline constexpr absl::Duration kNoticeMaxAge = absl::Hours(24);

/// The notify consumer (group `notify` on lobby:q:tickets): tells residents what happens to
/// their tickets, in their language, on the channel they can be reached on, and records each
/// message on their timeline. A notice is held until it is due: the coalescing window after the
/// first of a burst, and the end of the resident's quiet hours; P1 and emergencies go at once.
/// Each stream entry is told once, however often it is delivered. Thread-safe.
class NotifyLogic {
 public:
  NotifyLogic(NotifyStore& store, const Clock& clock, NotifyConfig config, EstateOf estate_of);

  /// One ticket event: held for its resident (urgent ones told at once). Transient errors are
  /// returned, so the consumer retries the entry.
  absl::Status HandleEvent(const queue::Entry& e);
  /// Tells every resident whose notices are due; returns how many were told.
  absl::StatusOr<int> Tick();

  /// ResidentService.ApplyNotices: an estate's own words (ParseNoticeTemplates), stored unless
  /// `dry_run`; they replace the estate's previous ones whole.
  absl::StatusOr<v1::NoticeTemplates> ApplyTemplates(absl::string_view yaml, bool dry_run);
  /// ResidentService.GetNotices: the estate's own words (none: Lobby's are used).
  absl::StatusOr<v1::NoticeTemplates> Templates(absl::string_view site);
  /// How long the words read are kept before they are read again (other replicas' applies).
  static constexpr absl::Duration kTemplatesTtl = absl::Seconds(5);

  /// Where `resident` is told about a ticket that came in on `ticket_channel`: their preferred
  /// channel, else the ticket's, else SMS — the first they have not opted out of and can be
  /// reached on (a verified identity; for SMS a phone number). Nothing when there is none.
  static std::optional<v1::Channel> ChannelFor(const v1::Resident& resident,
                                               v1::Channel ticket_channel);

  /// Opens a callback task for the desk (ResidentService.RequestCallback); the same key opens
  /// one task however often it is asked.
  using OpenCallback =
      std::function<absl::Status(const v1::CallbackTask& task, const std::string& key)>;
  void SetOpenCallback(OpenCallback open) { open_callback_ = std::move(open); }

  uint64_t told() const { return told_.load(std::memory_order_relaxed); }
  uint64_t unread_callbacks() const { return unread_callbacks_.load(std::memory_order_relaxed); }
  uint64_t undeliverable() const { return undeliverable_.load(std::memory_order_relaxed); }

 private:
  absl::Status Tell(const std::string& site, const std::string& resident_id);
  absl::Status TellTicket(const v1::Resident& resident, const std::string& site,
                          const EstateFacts& estate, const v1::NoticeTemplates& own,
                          const std::string& ticket,
                          const std::vector<const NotifyStore::Held*>& held);
  /// An assisted resident (tagged elderly or needs_assistance) told something urgent about a
  /// repair: watched until they read it.
  bool NeedsWatching(const v1::Resident& r, const std::string& ticket,
                     const std::vector<Notice>& notices) const;
  /// A watch that came due: a callback task unless they have been seen since the notice.
  absl::Status CheckRead(const std::string& site, const NotifyStore::Unread& watch);

  NotifyStore& store_;
  const Clock& clock_;
  NotifyConfig config_;
  EstateOf estate_of_;
  struct CachedTemplates {
    v1::NoticeTemplates templates;
    absl::Time at;
  };
  std::mutex mu_;
  std::map<std::string, CachedTemplates, std::less<>> templates_;  // by site
  OpenCallback open_callback_;
  std::atomic<uint64_t> told_{0}, undeliverable_{0}, unread_callbacks_{0};
};

}  // namespace lobby::residents
