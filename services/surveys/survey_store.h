#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/queue.h"
#include "services/common/redis.h"
#include "services/common/redis_txn.h"
#include "services/surveys/counters.h"

namespace lobby::surveys {

/// SurveyService's records in Redis (site in a hash tag where a key belongs to one site):
///   lobby:surveys:{SITE}:settings         the SurveySettings protobuf
///   lobby:surveys:{SITE}:s:ID             hash pb, v: a survey
///   lobby:surveys:{SITE}:fu:ID            hash pb, v: a follow-up task
///   lobby:surveys:{SITE}:fu_open          sorted set of open follow-ups by creation
///   lobby:surveys:{SITE}:due              sorted set by Unix ms: s:ID (send, remind, expire),
///                                         fu:ID (overdue), reopen:ID, campaign:ID
///   lobby:surveys:{SITE}:t:TICKET         hash: what the KPIs need of a ticket's past
///   lobby:surveys:{SITE}:done:ENTRY       an event already counted (30 days)
///   lobby:surveys:{SITE}:agg:...          the counters (counters.h)
///   lobby:surveys:{SITE}:uc:UNIT|CAT      sorted set of tickets by creation (repeat faults)
///   lobby:surveys:{SITE}:repeat           set of UNIT|CAT seen three times in 90 days
///   lobby:surveys:{SITE}:asked            hash resident -> Unix ms of their last NPS survey
///   lobby:surveys:dir                     hash survey or follow-up id -> SITE
///   lobby:surveys:sites                   set of sites with surveys
class SurveyStore {
 public:
  explicit SurveyStore(redis::Client& redis) : redis_(redis) {}

  static std::string Key(absl::string_view site, absl::string_view suffix);

  absl::StatusOr<std::optional<v1::SurveySettings>> GetSettings(absl::string_view site);
  absl::Status PutSettings(const v1::SurveySettings& s);

  absl::StatusOr<std::string> SiteOf(absl::string_view id);
  absl::StatusOr<std::optional<v1::Survey>> GetSurvey(absl::string_view site, absl::string_view id);
  absl::StatusOr<std::optional<v1::FollowUpTask>> GetFollowUp(absl::string_view site, absl::string_view id);

  /// One atomic change: the survey and/or follow-up at their expected versions (the stored one
  /// must be `version - 1`), due-index changes, counter increments and an event on
  /// lobby:q:surveys. ABORTED when someone changed the record first.
  struct Change {
    std::string site;
    std::optional<v1::Survey> survey;
    std::optional<v1::FollowUpTask> follow_up;
    std::vector<std::pair<std::string, int64_t>> due;   // member -> Unix ms
    std::vector<std::string> undue;                     // members to drop
    std::vector<Increment> counts;
    queue::Fields event;                                 // empty: none
    std::vector<std::pair<std::string, queue::Fields>> messages;  // stream -> entry (outbound)
  };
  absl::Status Apply(const Change& change);

  /// Counts a ticket event once (by its stream entry id): the facts to remember and the counter
  /// increments. Returns false when it was counted before.
  absl::StatusOr<bool> CountEvent(absl::string_view site, absl::string_view entry_id, absl::string_view ticket,
                                  const std::vector<std::pair<std::string, std::string>>& facts,
                                  const std::vector<Increment>& counts);
  absl::StatusOr<std::map<std::string, std::string>> TicketFacts(absl::string_view site, absl::string_view ticket);

  /// Remembers a ticket of `unit_category` at `at_ms`; the tickets of the last 90 days.
  absl::Status NoteUnitFault(absl::string_view site, absl::string_view unit_category, absl::string_view ticket,
                             int64_t at_ms);
  absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> RepeatFaults(absl::string_view site,
                                                                                             int64_t since_ms);

  absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, int64_t now_ms, int64_t lease_ms, int limit);
  absl::StatusOr<std::vector<std::string>> Sites();
  absl::StatusOr<std::vector<v1::FollowUpTask>> OpenFollowUps(absl::string_view site);
  absl::StatusOr<std::vector<v1::FollowUpTask>> FollowUps(absl::string_view site, const std::vector<std::string>& ids);

  /// Reads the counter hashes `keys` (after ...:agg:) in one round trip.
  absl::StatusOr<std::vector<std::vector<std::pair<std::string, std::string>>>> ReadCounters(
      absl::string_view site, const std::vector<std::string>& keys);

  /// NPS: residents not asked since `since_ms` get `now_ms`; returns those newly marked.
  absl::StatusOr<std::vector<std::string>> MarkAsked(absl::string_view site, const std::vector<std::string>& residents,
                                                     int64_t since_ms, int64_t now_ms);

  redis::Client& redis() { return redis_; }

 private:
  redis::Client& redis_;
};

}  // namespace lobby::surveys
