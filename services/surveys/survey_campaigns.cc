// SurveyLogic: estate NPS campaigns.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/surveys/survey_logic.h"
#include "services/surveys/survey_logic_parts.h"

namespace lobby::surveys {

using namespace detail;  // NOLINT: the parts of one class

// ------------------------------------------------------------------ campaigns

absl::StatusOr<v1::Campaign> SurveyLogic::StartCampaign(const v1::StartCampaignRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto settings, GetSettings(req.site_id()));
  std::vector<std::string> buildings(req.buildings().begin(), req.buildings().end());
  if (buildings.empty()) {
    for (const auto& [b, n] : settings.units()) buildings.push_back(b);
  }
  if (buildings.empty())
    return absl::FailedPreconditionError(
        "name the buildings, or list them under units in the survey settings");
  absl::Time now = clock_.Now();
  v1::Campaign c;
  c.set_id(absl::StrCat("NPS", absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone())));
  c.set_site_id(req.site_id());
  c.set_title(req.title());
  *c.mutable_started_at() = ToTimestamp(now);
  // Sampling reads the residents service: the timer loop does it, at once.
  v1::Survey record;  // the campaign rides in a survey record with kind "campaign"
  record.set_id(c.id());
  record.set_kind("campaign");
  record.set_site_id(req.site_id());
  record.set_campaign_id(absl::StrJoin(buildings, "\x1f"));
  record.set_status(v1::SURVEY_STATUS_SCHEDULED);
  record.set_version(1);
  SurveyStore::Change ch{
      .site = req.site_id(), .survey = record, .due = {{"campaign:" + c.id(), Ms(now)}}};
  LOBBY_RETURN_IF_ERROR(store_.Apply(ch));
  return c;
}

absl::Status SurveyLogic::RunCampaign(const std::string& site, const std::string& id,
                                      const v1::SurveySettings& settings) {
  LOBBY_ASSIGN_OR_RETURN(auto rec, store_.GetSurvey(site, id));
  if (!rec.has_value() || rec->status() != v1::SURVEY_STATUS_SCHEDULED) {
    return store_.Apply({.site = site, .undue = {"campaign:" + id}});
  }
  absl::Time now = clock_.Now();
  // At most once a quarter per resident.
  int64_t since = Ms(now - absl::Hours(24 * 91));
  std::mt19937 rng(static_cast<uint32_t>(Ms(now)));
  int asked = 0;
  for (absl::string_view b : absl::StrSplit(rec->campaign_id(), '\x1f')) {
    LOBBY_ASSIGN_OR_RETURN(auto residents, residents_.InBuilding(site, b));
    std::shuffle(residents.begin(), residents.end(), rng);
    std::vector<std::string> ids;
    for (const auto& r : residents) ids.push_back(r.id());
    // Mark more than needed only as they are taken: walk the shuffled list in slices.
    std::vector<std::string> chosen;
    for (size_t i = 0; i < ids.size() && static_cast<int>(chosen.size()) < settings.nps_sample();
         i += 50) {
      std::vector<std::string> slice(ids.begin() + i, ids.begin() + std::min(ids.size(), i + 50));
      slice.resize(std::min<size_t>(slice.size(), settings.nps_sample() - chosen.size()));
      LOBBY_ASSIGN_OR_RETURN(auto fresh, store_.MarkAsked(site, slice, since, Ms(now)));
      chosen.insert(chosen.end(), fresh.begin(), fresh.end());
    }
    for (const auto& rid : chosen) {
      const v1::Resident* r = nullptr;
      for (const auto& x : residents) {
        if (x.id() == rid) r = &x;
      }
      v1::Survey s;
      s.set_id(absl::StrCat("NPS-", id, "-", rid));
      s.set_kind("nps");
      s.set_site_id(site);
      s.set_resident_id(rid);
      s.set_channel(r != nullptr ? r->preferred_channel() : v1::CHANNEL_SMS);
      s.set_building(std::string(b));
      s.set_campaign_id(id);
      s.set_status(v1::SURVEY_STATUS_SCHEDULED);
      *s.mutable_send_at() = ToTimestamp(now);
      s.set_version(1);
      absl::Status st =
          store_.Apply({.site = site, .survey = s, .due = {{"s:" + s.id(), Ms(now)}}});
      if (!st.ok() && !absl::IsAborted(st)) return st;  // aborted: made on an earlier try
      ++asked;
    }
  }
  v1::Survey done = *rec;
  done.set_status(v1::SURVEY_STATUS_SENT);
  *done.mutable_sent_at() = ToTimestamp(now);
  done.set_version(done.version() + 1);
  log::Get("surveys")->info("event=campaign_started site={} campaign={} asked={}", site, id, asked);
  return store_.Apply({.site = site, .survey = done, .undue = {"campaign:" + id}});
}

}  // namespace lobby::surveys
