#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/queue.h"
#include "services/surveys/counters.h"

namespace lobby::surveys {

/// What SurveyLogic needs of storage (RedisSurveyStore keeps it in Redis). Thread-safe.
class SurveyStore {
 public:
  virtual ~SurveyStore() = default;

  virtual absl::StatusOr<std::optional<v1::SurveySettings>> GetSettings(absl::string_view site) = 0;
  virtual absl::Status PutSettings(const v1::SurveySettings& s) = 0;

  virtual absl::StatusOr<std::string> SiteOf(absl::string_view id) = 0;
  virtual absl::StatusOr<std::optional<v1::Survey>> GetSurvey(absl::string_view site,
                                                              absl::string_view id) = 0;
  virtual absl::StatusOr<std::optional<v1::FollowUpTask>> GetFollowUp(absl::string_view site,
                                                                      absl::string_view id) = 0;

  /// One atomic change: the survey and/or follow-up at their expected versions (the stored one
  /// must be `version - 1`), due-index changes, counter increments and an event on
  /// lobby:q:surveys. ABORTED when someone changed the record first.
  struct Change {
    std::string site;
    std::optional<v1::Survey> survey;
    std::optional<v1::FollowUpTask> follow_up;
    std::vector<std::pair<std::string, int64_t>> due;  // member -> Unix ms
    std::vector<std::string> undue;                    // members to drop
    std::vector<Increment> counts;
    queue::Fields event;                                          // empty: none
    std::vector<std::pair<std::string, queue::Fields>> messages;  // stream -> entry (outbound)
  };
  virtual absl::Status Apply(const Change& change) = 0;

  /// Counts a ticket event once (by its stream entry id): the facts to remember and the counter
  /// increments. Returns false when it was counted before.
  virtual absl::StatusOr<bool> CountEvent(
      absl::string_view site, absl::string_view entry_id, absl::string_view ticket,
      const std::vector<std::pair<std::string, std::string>>& facts,
      const std::vector<Increment>& counts) = 0;
  virtual absl::StatusOr<std::map<std::string, std::string>> TicketFacts(
      absl::string_view site, absl::string_view ticket) = 0;

  /// Remembers a ticket of `unit_category` at `at_ms`; the tickets of the last 90 days.
  virtual absl::Status NoteUnitFault(absl::string_view site, absl::string_view unit_category,
                                     absl::string_view ticket, int64_t at_ms) = 0;
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>>
  RepeatFaults(absl::string_view site, int64_t since_ms) = 0;

  virtual absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, int64_t now_ms,
                                                            int64_t lease_ms, int limit) = 0;
  virtual absl::StatusOr<std::vector<std::string>> Sites() = 0;
  /// The site's open follow-ups, oldest first, then (with `include_done`) the newest
  /// `done_limit` done ones, newest first.
  virtual absl::StatusOr<std::vector<v1::FollowUpTask>> ListFollowUps(absl::string_view site,
                                                                      bool include_done,
                                                                      int done_limit) = 0;
  virtual absl::StatusOr<std::vector<v1::FollowUpTask>> FollowUps(
      absl::string_view site, const std::vector<std::string>& ids) = 0;

  /// Reads the counter hashes `keys` (after ...:agg:) in one round trip.
  virtual absl::StatusOr<std::vector<std::vector<std::pair<std::string, std::string>>>>
  ReadCounters(absl::string_view site, const std::vector<std::string>& keys) = 0;

  /// NPS: residents not asked since `since_ms` get `now_ms`; returns those newly marked.
  virtual absl::StatusOr<std::vector<std::string>> MarkAsked(
      absl::string_view site, const std::vector<std::string>& residents, int64_t since_ms,
      int64_t now_ms) = 0;
};

}  // namespace lobby::surveys
