// SurveyLogic: answers, and the follow-ups low scores open.
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

// ------------------------------------------------------------------ answers

absl::StatusOr<v1::Survey> SurveyLogic::GetSurvey(const v1::GetSurveyRequest& req,
                                                  const auth::Principal& viewer) {
  std::string id =
      req.id().empty() ? (req.ticket_id().empty() ? "" : "SV-" + req.ticket_id()) : req.id();
  if (id.empty()) return absl::InvalidArgumentError("id or ticket_id is required");
  LOBBY_ASSIGN_OR_RETURN(auto site, store_.SiteOf(id));
  LOBBY_ASSIGN_OR_RETURN(auto s, store_.GetSurvey(site, id));
  if (!s.has_value()) return absl::NotFoundError(absl::StrCat("no survey '", id, "'"));
  v1::Survey out = *s;
  if (out.anonymous() && Staff(viewer.role)) out.clear_resident_id();  // an anonymous complaint
  return out;
}

absl::StatusOr<v1::Survey> SurveyLogic::SubmitResponse(const v1::SubmitResponseRequest& req,
                                                       const auth::Principal& actor) {
  const v1::SurveyAnswer& a = req.answer();
  if (a.comment().size() > 1000)
    return absl::InvalidArgumentError("the comment is up to 1000 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto site, store_.SiteOf(req.survey_id()));
  LOBBY_ASSIGN_OR_RETURN(auto settings, Settings(site));
  for (int attempt = 0; attempt < 5; ++attempt) {
    LOBBY_ASSIGN_OR_RETURN(auto cur, store_.GetSurvey(site, req.survey_id()));
    if (!cur.has_value())
      return absl::NotFoundError(absl::StrCat("no survey '", req.survey_id(), "'"));
    v1::Survey s = *cur;
    bool nps = s.kind() == "nps";
    if (nps ? (a.nps() < 0 || a.nps() > 10)
            : (a.overall() < 1 || a.overall() > 5 || a.speed() < 0 || a.speed() > 5 ||
               a.attitude() < 0 || a.attitude() > 5)) {
      return absl::InvalidArgumentError(
          nps ? "nps is 0 to 10" : "overall is 1 to 5; speed and attitude 1 to 5 when given");
    }
    if (s.status() == v1::SURVEY_STATUS_ANSWERED) {
      if (s.answer().SerializeAsString() ==
          a.SerializeAsString()) {  // the same answer again: nothing changes
        if (s.anonymous() && Staff(actor.role)) s.clear_resident_id();
        return s;
      }
      return absl::FailedPreconditionError(absl::StrCat(s.id(), " was answered already"));
    }
    if (s.status() == v1::SURVEY_STATUS_EXPIRED || s.status() == v1::SURVEY_STATUS_CANCELLED) {
      return absl::FailedPreconditionError(
          absl::StrCat(s.id(), " is closed (",
                       absl::AsciiStrToLower(v1::SurveyStatus_Name(s.status()).substr(14)), ")"));
    }
    absl::Time now = clock_.Now();
    s.set_status(v1::SURVEY_STATUS_ANSWERED);
    *s.mutable_answered_at() = ToTimestamp(now);
    *s.mutable_answer() = a;
    s.set_version(s.version() + 1);
    SurveyStore::Change c{.site = site, .survey = s, .undue = {"s:" + s.id()}};
    Metrics m;
    if (nps) {
      m = {{"nps_n", 1}};
      if (a.nps() >= 9) m.push_back({"nps_promoters", 1});
      if (a.nps() <= 6) m.push_back({"nps_detractors", 1});
    } else {
      m = {{"responses", 1},
           {"overall_sum", a.overall()},
           {"speed_sum", a.speed()},
           {"attitude_sum", a.attitude()},
           {absl::StrCat("overall_", a.overall()), 1}};
    }
    bool low = !nps && a.overall() <= settings.low_score();
    if (low || a.not_fixed()) {  // someone calls back
      v1::FollowUpTask f;
      f.set_id("FU-" + (s.ticket_id().empty() ? s.id() : s.ticket_id()));
      f.set_site_id(site);
      f.set_survey_id(s.id());
      f.set_ticket_id(s.ticket_id());
      f.set_team(s.team());
      *f.mutable_answer() = a;
      f.set_status(v1::FOLLOW_UP_STATUS_OPEN);
      *f.mutable_created_at() = ToTimestamp(now);
      *f.mutable_due_at() = ToTimestamp(now + absl::Minutes(settings.follow_up_minutes()));
      f.set_version(1);
      c.follow_up = f;
      c.due.push_back({"fu:" + f.id(), Ms(FromTimestamp(f.due_at()))});
      m.push_back({"follow_ups", 1});
    }
    // The reopening goes through the ticket's service from the timer loop, so that this call
    // never waits on another service; it is due at once and survives a restart.
    if (a.not_fixed() && !s.ticket_id().empty()) c.due.push_back({"reopen:" + s.id(), Ms(now)});
    c.counts = Expand(DimsOf(s), now, ZoneOf(settings), m);
    c.event = {{"v", "1"},
               {"type", "survey.answered"},
               {"survey_id", s.id()},
               {"ticket_id", s.ticket_id()},
               {"site_id", site},
               {"overall", std::to_string(a.overall())},
               {"low", low ? "1" : "0"},
               {"not_fixed", a.not_fixed() ? "1" : "0"}};
    absl::Status st = store_.Apply(c);
    if (absl::IsAborted(st)) continue;  // changed meanwhile (a reminder went out): again
    if (!st.ok()) return st;
    if (s.anonymous() && Staff(actor.role)) s.clear_resident_id();
    return s;
  }
  return absl::AbortedError("the survey kept changing; try again");
}

absl::StatusOr<v1::ListFollowUpsResponse> SurveyLogic::ListFollowUps(
    const v1::ListFollowUpsRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  LOBBY_ASSIGN_OR_RETURN(auto open, store_.ListFollowUps(req.site_id(), req.include_done(), 1000));
  v1::ListFollowUpsResponse out;
  for (auto& f : open) *out.add_follow_ups() = std::move(f);
  return out;
}

absl::StatusOr<v1::FollowUpTask> SurveyLogic::CompleteFollowUp(
    const v1::CompleteFollowUpRequest& req, const auth::Principal& actor) {
  if (req.outcome().empty() || req.outcome().size() > 2000)
    return absl::InvalidArgumentError("an outcome is required (up to 2000 bytes)");
  LOBBY_ASSIGN_OR_RETURN(auto site, store_.SiteOf(req.id()));
  LOBBY_RETURN_IF_ERROR(auth::CheckEstate(actor, site));
  LOBBY_ASSIGN_OR_RETURN(auto cur, store_.GetFollowUp(site, req.id()));
  if (!cur.has_value()) return absl::NotFoundError(absl::StrCat("no follow-up '", req.id(), "'"));
  v1::FollowUpTask f = *cur;
  if (f.status() == v1::FOLLOW_UP_STATUS_DONE)
    return absl::FailedPreconditionError(absl::StrCat(f.id(), " is done already"));
  f.set_status(v1::FOLLOW_UP_STATUS_DONE);
  f.set_outcome(req.outcome());
  f.set_done_by(actor.name);
  *f.mutable_done_at() = ToTimestamp(clock_.Now());
  f.set_version(f.version() + 1);
  SurveyStore::Change c{.site = site, .follow_up = f, .undue = {"fu:" + f.id()}};
  c.event = {{"v", "1"},
             {"type", "follow_up.done"},
             {"follow_up_id", f.id()},
             {"ticket_id", f.ticket_id()},
             {"site_id", site},
             {"note", f.outcome()}};
  LOBBY_RETURN_IF_ERROR(store_.Apply(c));
  return f;
}

}  // namespace lobby::surveys
