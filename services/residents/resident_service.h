#pragma once

#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/residents/notify_logic.h"
#include "services/residents/resident_logic.h"

namespace lobby::residents {

/// ResidentService over gRPC: token and role check, proto in, ResidentLogic (the notices'
/// words: NotifyLogic), status out.
/// Handlers run on the runtime's executor, never on a gRPC reactor thread.
class ResidentServiceImpl final : public v1::ResidentService::CallbackService {
 public:
  ResidentServiceImpl(ResidentLogic& logic, NotifyLogic& notify, RpcEnv env);

  // v1::ResidentService::CallbackService
  grpc::ServerUnaryReactor* CreateResident(grpc::CallbackServerContext* ctx,
                                           const v1::CreateResidentRequest* req,
                                           v1::Resident* resp) override;
  grpc::ServerUnaryReactor* GetResident(grpc::CallbackServerContext* ctx,
                                        const v1::GetResidentRequest* req,
                                        v1::Resident* resp) override;
  grpc::ServerUnaryReactor* UpdateResident(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateResidentRequest* req,
                                           v1::Resident* resp) override;
  grpc::ServerUnaryReactor* ListResidents(grpc::CallbackServerContext* ctx,
                                          const v1::ListResidentsRequest* req,
                                          v1::ListResidentsResponse* resp) override;
  grpc::ServerUnaryReactor* ImportResidents(grpc::CallbackServerContext* ctx,
                                            const v1::ImportResidentsRequest* req,
                                            v1::ImportResidentsResponse* resp) override;
  grpc::ServerUnaryReactor* LinkIdentity(grpc::CallbackServerContext* ctx,
                                         const v1::LinkIdentityRequest* req,
                                         v1::Resident* resp) override;
  grpc::ServerUnaryReactor* ResolveIdentity(grpc::CallbackServerContext* ctx,
                                            const v1::ResolveIdentityRequest* req,
                                            v1::ResolveIdentityResponse* resp) override;
  grpc::ServerUnaryReactor* ResolvePhone(grpc::CallbackServerContext* ctx,
                                         const v1::ResolvePhoneRequest* req,
                                         v1::ResolvePhoneResponse* resp) override;
  grpc::ServerUnaryReactor* UnlinkIdentity(grpc::CallbackServerContext* ctx,
                                           const v1::UnlinkIdentityRequest* req,
                                           v1::Resident* resp) override;
  grpc::ServerUnaryReactor* StartVerification(grpc::CallbackServerContext* ctx,
                                              const v1::StartVerificationRequest* req,
                                              v1::StartVerificationResponse* resp) override;
  grpc::ServerUnaryReactor* ConfirmVerification(grpc::CallbackServerContext* ctx,
                                                const v1::ConfirmVerificationRequest* req,
                                                v1::ResolveIdentityResponse* resp) override;
  grpc::ServerUnaryReactor* MergeResidents(grpc::CallbackServerContext* ctx,
                                           const v1::MergeResidentsRequest* req,
                                           v1::Resident* resp) override;
  grpc::ServerUnaryReactor* ListTimeline(grpc::CallbackServerContext* ctx,
                                         const v1::ListTimelineRequest* req,
                                         v1::ListTimelineResponse* resp) override;
  grpc::ServerUnaryReactor* AppendTimeline(grpc::CallbackServerContext* ctx,
                                           const v1::AppendTimelineRequest* req,
                                           v1::TimelineEntry* resp) override;
  grpc::ServerUnaryReactor* RequestCallback(grpc::CallbackServerContext* ctx,
                                            const v1::RequestCallbackRequest* req,
                                            v1::CallbackTask* resp) override;
  grpc::ServerUnaryReactor* ListCallbacks(grpc::CallbackServerContext* ctx,
                                          const v1::ListCallbacksRequest* req,
                                          v1::ListCallbacksResponse* resp) override;
  grpc::ServerUnaryReactor* CompleteCallback(grpc::CallbackServerContext* ctx,
                                             const v1::CompleteCallbackRequest* req,
                                             v1::CallbackTask* resp) override;
  grpc::ServerUnaryReactor* ApplyNotices(grpc::CallbackServerContext* ctx,
                                         const v1::ApplyNoticesRequest* req,
                                         v1::NoticeTemplates* resp) override;
  grpc::ServerUnaryReactor* GetNotices(grpc::CallbackServerContext* ctx,
                                       const v1::GetNoticesRequest* req,
                                       v1::NoticeTemplates* resp) override;

 private:
  ResidentLogic& logic_;
  NotifyLogic& notify_;
  RpcEnv env_;
  RpcMethod create_, get_, update_, list_, import_, link_, resolve_, resolve_phone_, unlink_,
      start_verification_, confirm_verification_, merge_, list_timeline_, append_timeline_,
      request_callback_, list_callbacks_, complete_callback_, apply_notices_, get_notices_;
};

}  // namespace lobby::residents
