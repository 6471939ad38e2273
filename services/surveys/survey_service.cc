#include "services/surveys/survey_service.h"

namespace lobby::surveys {

using auth::Role;

namespace {
constexpr char kPrefix[] = "lobby.v1.SurveyService/";
}  // namespace

SurveyServiceImpl::SurveyServiceImpl(SurveyLogic& logic, RpcEnv env)
    : logic_(logic),
      env_(env),
      get_(env.Method(std::string(kPrefix) + "GetSurvey")),
      submit_(env.Method(std::string(kPrefix) + "SubmitResponse")),
      list_follow_ups_(env.Method(std::string(kPrefix) + "ListFollowUps")),
      complete_follow_up_(env.Method(std::string(kPrefix) + "CompleteFollowUp")),
      apply_(env.Method(std::string(kPrefix) + "ApplySettings")),
      settings_(env.Method(std::string(kPrefix) + "GetSettings")),
      campaign_(env.Method(std::string(kPrefix) + "StartCampaign")),
      trends_(env.Method(std::string(kPrefix) + "GetTrends")),
      scorecard_(env.Method(std::string(kPrefix) + "GetScorecard")),
      heatmap_(env.Method(std::string(kPrefix) + "GetBuildingHeatmap")),
      repeat_(env.Method(std::string(kPrefix) + "RepeatFaults")) {}

#define LOBBY_UNARY(Name, Req, Resp, method, call)                                         \
  grpc::ServerUnaryReactor* SurveyServiceImpl::Name(grpc::CallbackServerContext* ctx,      \
                                                    const Req* req, Resp* resp) {          \
    return ServeUnary(env_, method, ctx, req, resp,                                        \
                      Into(resp, [this, req](const auth::Principal& p) { return call; })); \
  }

LOBBY_UNARY(GetSurvey, v1::GetSurveyRequest, v1::Survey, get_, logic_.GetSurvey(*req, p))
LOBBY_UNARY(SubmitResponse, v1::SubmitResponseRequest, v1::Survey, submit_,
            logic_.SubmitResponse(*req, p))
LOBBY_UNARY(ListFollowUps, v1::ListFollowUpsRequest, v1::ListFollowUpsResponse, list_follow_ups_,
            (void(p), logic_.ListFollowUps(*req)))
LOBBY_UNARY(CompleteFollowUp, v1::CompleteFollowUpRequest, v1::FollowUpTask, complete_follow_up_,
            logic_.CompleteFollowUp(*req, p))
LOBBY_UNARY(ApplySettings, v1::ApplySurveySettingsRequest, v1::SurveySettings, apply_,
            (void(p), logic_.ApplySettings(*req)))
LOBBY_UNARY(GetSettings, v1::GetSurveySettingsRequest, v1::SurveySettings, settings_,
            (void(p), logic_.GetSettings(req->site_id())))
LOBBY_UNARY(StartCampaign, v1::StartCampaignRequest, v1::Campaign, campaign_,
            (void(p), logic_.StartCampaign(*req)))
LOBBY_UNARY(GetTrends, v1::GetTrendsRequest, v1::Trends, trends_, (void(p), logic_.GetTrends(*req)))
LOBBY_UNARY(GetScorecard, v1::GetScorecardRequest, v1::Scorecard, scorecard_,
            (void(p), logic_.GetScorecard(*req)))
LOBBY_UNARY(GetBuildingHeatmap, v1::GetBuildingHeatmapRequest, v1::Heatmap, heatmap_,
            (void(p), logic_.GetBuildingHeatmap(*req)))
LOBBY_UNARY(RepeatFaults, v1::RepeatFaultsRequest, v1::RepeatFaultsResponse, repeat_,
            (void(p), logic_.RepeatFaults(*req)))

#undef LOBBY_UNARY

}  // namespace lobby::surveys
