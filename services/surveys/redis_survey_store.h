#pragma once

#include <string>

#include "services/common/redis.h"
#include "services/surveys/survey_store.h"

namespace lobby::surveys {

/// SurveyStore in Redis (site in a hash tag where a key belongs to one site):
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
class RedisSurveyStore final : public SurveyStore {
 public:
  explicit RedisSurveyStore(redis::Client& redis) : redis_(redis) {}

  static std::string Key(absl::string_view site, absl::string_view suffix);

  absl::StatusOr<std::optional<v1::SurveySettings>> GetSettings(absl::string_view site) override;
  absl::Status PutSettings(const v1::SurveySettings& s) override;
  absl::StatusOr<std::string> SiteOf(absl::string_view id) override;
  absl::StatusOr<std::optional<v1::Survey>> GetSurvey(absl::string_view site,
                                                      absl::string_view id) override;
  absl::StatusOr<std::optional<v1::FollowUpTask>> GetFollowUp(absl::string_view site,
                                                              absl::string_view id) override;
  absl::Status Apply(const Change& change) override;
  absl::StatusOr<bool> CountEvent(absl::string_view site, absl::string_view entry_id,
                                  absl::string_view ticket,
                                  const std::vector<std::pair<std::string, std::string>>& facts,
                                  const std::vector<Increment>& counts) override;
  absl::StatusOr<std::map<std::string, std::string>> TicketFacts(absl::string_view site,
                                                                 absl::string_view ticket) override;
  absl::Status NoteUnitFault(absl::string_view site, absl::string_view unit_category,
                             absl::string_view ticket, int64_t at_ms) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> RepeatFaults(
      absl::string_view site, int64_t since_ms) override;
  absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, int64_t now_ms,
                                                    int64_t lease_ms, int limit) override;
  absl::StatusOr<std::vector<std::string>> Sites() override;
  absl::StatusOr<std::vector<v1::FollowUpTask>> ListFollowUps(absl::string_view site,
                                                              bool include_done,
                                                              int done_limit) override;
  absl::StatusOr<std::vector<v1::FollowUpTask>> FollowUps(
      absl::string_view site, const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<std::vector<std::pair<std::string, std::string>>>> ReadCounters(
      absl::string_view site, const std::vector<std::string>& keys) override;
  absl::StatusOr<std::vector<std::string>> MarkAsked(absl::string_view site,
                                                     const std::vector<std::string>& residents,
                                                     int64_t since_ms, int64_t now_ms) override;

 private:
  redis::Client& redis_;
};

}  // namespace lobby::surveys
