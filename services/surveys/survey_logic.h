#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lobby/v1/residents.pb.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/common/roles.h"
#include "services/surveys/survey_store.h"

namespace lobby::surveys {

/// What surveys need of the residents service.
class ResidentDirectory {
 public:
  virtual ~ResidentDirectory() = default;
  virtual absl::StatusOr<v1::Resident> Get(absl::string_view id) = 0;
  /// Every resident of a building (for NPS samples).
  virtual absl::StatusOr<std::vector<v1::Resident>> InBuilding(absl::string_view site,
                                                               absl::string_view building) = 0;
};

/// Reopens a ticket through its owning service; FAILED_PRECONDITION when it cannot be.
class TicketReopener {
 public:
  virtual ~TicketReopener() = default;
  virtual absl::Status Reopen(absl::string_view ticket, absl::string_view note) = 0;
};

/// Surveys, follow-ups, campaigns and the KPI counters. The `surveys` consumer of
/// lobby:q:tickets counts every ticket event once and schedules a survey on each resolution;
/// Tick() (every --surveys-tick) sends, reminds, expires, escalates overdue follow-ups, reopens
/// tickets residents say are not fixed and samples campaigns, from the due index in Redis.
/// Thread-safe.
class SurveyLogic {
 public:
  SurveyLogic(SurveyStore& store, const Clock& clock, ResidentDirectory& residents,
              TicketReopener& tickets)
      : store_(store), clock_(clock), residents_(residents), tickets_(tickets) {}

  absl::Status HandleEvent(const queue::Entry& event);
  absl::StatusOr<int> Tick();

  absl::StatusOr<v1::Survey> GetSurvey(const v1::GetSurveyRequest& request,
                                       const auth::Principal& viewer);
  absl::StatusOr<v1::Survey> SubmitResponse(const v1::SubmitResponseRequest& request,
                                            const auth::Principal& actor);
  absl::StatusOr<v1::ListFollowUpsResponse> ListFollowUps(const v1::ListFollowUpsRequest& request);
  absl::StatusOr<v1::FollowUpTask> CompleteFollowUp(const v1::CompleteFollowUpRequest& request,
                                                    const auth::Principal& actor);
  absl::StatusOr<v1::SurveySettings> ApplySettings(const v1::ApplySurveySettingsRequest& request);
  absl::StatusOr<v1::SurveySettings> GetSettings(absl::string_view site);
  absl::StatusOr<v1::Campaign> StartCampaign(const v1::StartCampaignRequest& request);

  absl::StatusOr<v1::Trends> GetTrends(const v1::GetTrendsRequest& request);
  absl::StatusOr<v1::Scorecard> GetScorecard(const v1::GetScorecardRequest& request);
  absl::StatusOr<v1::Heatmap> GetBuildingHeatmap(const v1::GetBuildingHeatmapRequest& request);
  absl::StatusOr<v1::RepeatFaultsResponse> RepeatFaults(const v1::RepeatFaultsRequest& request);

  /// The settings in effect for `site` (defaults where none were applied).
  absl::StatusOr<v1::SurveySettings> Settings(absl::string_view site);

 private:
  absl::Status CountTicketEvent(const queue::Entry& e, const v1::SurveySettings& settings);
  absl::Status ScheduleSurvey(const queue::Entry& e, const v1::SurveySettings& settings);
  absl::Status CancelSurvey(const queue::Entry& e);
  absl::Status Due(const std::string& site, const std::string& member,
                   const v1::SurveySettings& settings);
  /// The link to last month's report to the estate's managers (an event dispatch delivers),
  /// and the next sending a month on.
  absl::Status SendMonthlyReport(const std::string& site, const v1::SurveySettings& settings);
  absl::Status SendOrRemind(v1::Survey s, const v1::SurveySettings& settings);
  absl::Status RunCampaign(const std::string& site, const std::string& id,
                           const v1::SurveySettings& settings);
  /// Sums counters over [from, to) in `period` buckets, per group.
  absl::StatusOr<std::vector<std::pair<absl::Time, std::map<std::string, Totals>>>> Read(
      const std::string& site, const absl::TimeZone& tz, v1::Period period, absl::Time from,
      absl::Time to, const std::string& filter_dim, const std::string& filter_value,
      const std::string& group_by);

  SurveyStore& store_;
  const Clock& clock_;
  // Every ticket event reads its estate's settings: kept for kSettingsTtl. ApplySettings here
  // refreshes this process at once; other processes see new settings within kSettingsTtl.
  static constexpr absl::Duration kSettingsTtl = absl::Seconds(10);
  std::mutex settings_mu_;
  absl::flat_hash_map<std::string, std::pair<v1::SurveySettings, absl::Time>> settings_;
  ResidentDirectory& residents_;
  TicketReopener& tickets_;
};

/// Parses a site's survey settings (the `surveys:` document) as a whole.
absl::StatusOr<v1::SurveySettings> ParseSettings(absl::string_view yaml);

/// The questions of a survey of `kind` ("ticket" or "nps") in `language`.
std::vector<v1::Question> Questions(absl::string_view kind, absl::string_view language);

}  // namespace lobby::surveys
