#pragma once

#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/surveys/survey_logic.h"

namespace lobby::surveys {

/// SurveyService over gRPC: token and role check, proto in, SurveyLogic, status out.
class SurveyServiceImpl final : public v1::SurveyService::CallbackService {
 public:
  SurveyServiceImpl(SurveyLogic& logic, RpcEnv env);

  // v1::SurveyService::CallbackService
  grpc::ServerUnaryReactor* GetSurvey(grpc::CallbackServerContext* ctx,
                                      const v1::GetSurveyRequest* req, v1::Survey* resp) override;
  grpc::ServerUnaryReactor* SubmitResponse(grpc::CallbackServerContext* ctx,
                                           const v1::SubmitResponseRequest* req,
                                           v1::Survey* resp) override;
  grpc::ServerUnaryReactor* ListFollowUps(grpc::CallbackServerContext* ctx,
                                          const v1::ListFollowUpsRequest* req,
                                          v1::ListFollowUpsResponse* resp) override;
  grpc::ServerUnaryReactor* CompleteFollowUp(grpc::CallbackServerContext* ctx,
                                             const v1::CompleteFollowUpRequest* req,
                                             v1::FollowUpTask* resp) override;
  grpc::ServerUnaryReactor* ApplySettings(grpc::CallbackServerContext* ctx,
                                          const v1::ApplySurveySettingsRequest* req,
                                          v1::SurveySettings* resp) override;
  grpc::ServerUnaryReactor* GetSettings(grpc::CallbackServerContext* ctx,
                                        const v1::GetSurveySettingsRequest* req,
                                        v1::SurveySettings* resp) override;
  grpc::ServerUnaryReactor* StartCampaign(grpc::CallbackServerContext* ctx,
                                          const v1::StartCampaignRequest* req,
                                          v1::Campaign* resp) override;
  grpc::ServerUnaryReactor* GetTrends(grpc::CallbackServerContext* ctx,
                                      const v1::GetTrendsRequest* req, v1::Trends* resp) override;
  grpc::ServerUnaryReactor* GetScorecard(grpc::CallbackServerContext* ctx,
                                         const v1::GetScorecardRequest* req,
                                         v1::Scorecard* resp) override;
  grpc::ServerUnaryReactor* GetBuildingHeatmap(grpc::CallbackServerContext* ctx,
                                               const v1::GetBuildingHeatmapRequest* req,
                                               v1::Heatmap* resp) override;
  grpc::ServerUnaryReactor* RepeatFaults(grpc::CallbackServerContext* ctx,
                                         const v1::RepeatFaultsRequest* req,
                                         v1::RepeatFaultsResponse* resp) override;

 private:
  SurveyLogic& logic_;
  RpcEnv env_;
  RpcMethod get_, submit_, list_follow_ups_, complete_follow_up_, apply_, settings_, campaign_,
      trends_, scorecard_, heatmap_, repeat_;
};

}  // namespace lobby::surveys
