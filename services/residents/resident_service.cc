#include "services/residents/resident_service.h"

namespace lobby::residents {
namespace {

using auth::Role;
constexpr char kPrefix[] = "lobby.v1.ResidentService/";

}  // namespace

namespace {

/// PERMISSION_DENIED when the residents named live in an estate `p` may not act in (principals
/// of every estate read nothing for it).
absl::Status InCallersEstates(ResidentLogic& logic, const auth::Principal& p,
                              std::initializer_list<const std::string*> ids) {
  if (p.all_estates) return absl::OkStatus();
  for (const std::string* id : ids) {
    if (id->empty()) continue;
    auto r = logic.Get(*id);
    if (!r.ok()) return r.status();
    LOBBY_RETURN_IF_ERROR(auth::CheckEstate(p, r->unit().site_id()));
  }
  return absl::OkStatus();
}

}  // namespace

ResidentServiceImpl::ResidentServiceImpl(ResidentLogic& logic, NotifyLogic& notify, RpcEnv env)
    : logic_(logic),
      notify_(notify),
      env_(env),
      create_(env.Method(std::string(kPrefix) + "CreateResident")),
      // Tickets ask it for the reporter's estate while holding a worker: the internal pool.
      get_(env.InternalMethod(std::string(kPrefix) + "GetResident")),
      update_(env.Method(std::string(kPrefix) + "UpdateResident")),
      list_(env.Method(std::string(kPrefix) + "ListResidents")),
      import_(env.Method(std::string(kPrefix) + "ImportResidents")),
      link_(env.Method(std::string(kPrefix) + "LinkIdentity")),
      resolve_(env.Method(std::string(kPrefix) + "ResolveIdentity")),
      resolve_phone_(env.Method(std::string(kPrefix) + "ResolvePhone")),
      unlink_(env.Method(std::string(kPrefix) + "UnlinkIdentity")),
      start_verification_(env.Method(std::string(kPrefix) + "StartVerification")),
      confirm_verification_(env.Method(std::string(kPrefix) + "ConfirmVerification")),
      merge_(env.Method(std::string(kPrefix) + "MergeResidents")),
      list_timeline_(env.Method(std::string(kPrefix) + "ListTimeline")),
      append_timeline_(env.Method(std::string(kPrefix) + "AppendTimeline")),
      request_callback_(env.Method(std::string(kPrefix) + "RequestCallback")),
      list_callbacks_(env.Method(std::string(kPrefix) + "ListCallbacks")),
      complete_callback_(env.Method(std::string(kPrefix) + "CompleteCallback")),
      apply_notices_(env.Method(std::string(kPrefix) + "ApplyNotices")),
      get_notices_(env.Method(std::string(kPrefix) + "GetNotices")) {}

grpc::ServerUnaryReactor* ResidentServiceImpl::CreateResident(grpc::CallbackServerContext* ctx,
                                                              const v1::CreateResidentRequest* req,
                                                              v1::Resident* resp) {
  return ServeUnary(env_, create_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Create(req->resident());
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::GetResident(grpc::CallbackServerContext* ctx,
                                                           const v1::GetResidentRequest* req,
                                                           v1::Resident* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Get(req->id());
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::UpdateResident(grpc::CallbackServerContext* ctx,
                                                              const v1::UpdateResidentRequest* req,
                                                              v1::Resident* resp) {
  return ServeUnary(
      env_, update_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) -> absl::StatusOr<v1::Resident> {
        LOBBY_RETURN_IF_ERROR(InCallersEstates(logic_, p, {&req->resident().id()}));
        return logic_.Update(*req);
      }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ListResidents(grpc::CallbackServerContext* ctx,
                                                             const v1::ListResidentsRequest* req,
                                                             v1::ListResidentsResponse* resp) {
  return ServeUnary(env_, list_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal&) { return logic_.List(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ImportResidents(
    grpc::CallbackServerContext* ctx, const v1::ImportResidentsRequest* req,
    v1::ImportResidentsResponse* resp) {
  return ServeUnary(env_, import_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Import(*req);
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::LinkIdentity(grpc::CallbackServerContext* ctx,
                                                            const v1::LinkIdentityRequest* req,
                                                            v1::Resident* resp) {
  return ServeUnary(
      env_, link_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) -> absl::StatusOr<v1::Resident> {
        LOBBY_RETURN_IF_ERROR(InCallersEstates(logic_, p, {&req->resident_id()}));
        return logic_.Link(*req);
      }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ResolveIdentity(
    grpc::CallbackServerContext* ctx, const v1::ResolveIdentityRequest* req,
    v1::ResolveIdentityResponse* resp) {
  return ServeUnary(env_, resolve_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Resolve(*req);
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ResolvePhone(grpc::CallbackServerContext* ctx,
                                                            const v1::ResolvePhoneRequest* req,
                                                            v1::ResolvePhoneResponse* resp) {
  return ServeUnary(
      env_, resolve_phone_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return logic_.ResolvePhone(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::UnlinkIdentity(grpc::CallbackServerContext* ctx,
                                                              const v1::UnlinkIdentityRequest* req,
                                                              v1::Resident* resp) {
  return ServeUnary(env_, unlink_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Unlink(*req);
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::StartVerification(
    grpc::CallbackServerContext* ctx, const v1::StartVerificationRequest* req,
    v1::StartVerificationResponse* resp) {
  return ServeUnary(
      env_, start_verification_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return logic_.StartVerification(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ConfirmVerification(
    grpc::CallbackServerContext* ctx, const v1::ConfirmVerificationRequest* req,
    v1::ResolveIdentityResponse* resp) {
  return ServeUnary(
      env_, confirm_verification_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return logic_.ConfirmVerification(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::MergeResidents(grpc::CallbackServerContext* ctx,
                                                              const v1::MergeResidentsRequest* req,
                                                              v1::Resident* resp) {
  return ServeUnary(
      env_, merge_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) -> absl::StatusOr<v1::Resident> {
        LOBBY_RETURN_IF_ERROR(
            InCallersEstates(logic_, p, {&req->survivor_id(), &req->merged_id()}));
        return logic_.Merge(*req);
      }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ListTimeline(grpc::CallbackServerContext* ctx,
                                                            const v1::ListTimelineRequest* req,
                                                            v1::ListTimelineResponse* resp) {
  return ServeUnary(
      env_, list_timeline_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) -> absl::StatusOr<v1::ListTimelineResponse> {
        LOBBY_RETURN_IF_ERROR(InCallersEstates(logic_, p, {&req->resident_id()}));
        return logic_.ListTimeline(*req, auth::IsManagement(p.role));
      }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::AppendTimeline(grpc::CallbackServerContext* ctx,
                                                              const v1::AppendTimelineRequest* req,
                                                              v1::TimelineEntry* resp) {
  return ServeUnary(
      env_, append_timeline_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) -> absl::StatusOr<v1::TimelineEntry> {
        LOBBY_RETURN_IF_ERROR(InCallersEstates(logic_, p, {&req->resident_id()}));
        return logic_.AppendTimeline(*req);
      }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::RequestCallback(
    grpc::CallbackServerContext* ctx, const v1::RequestCallbackRequest* req,
    v1::CallbackTask* resp) {
  return ServeUnary(
      env_, request_callback_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return logic_.RequestCallback(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ListCallbacks(grpc::CallbackServerContext* ctx,
                                                             const v1::ListCallbacksRequest* req,
                                                             v1::ListCallbacksResponse* resp) {
  return ServeUnary(
      env_, list_callbacks_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return logic_.ListCallbacks(*req); }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::CompleteCallback(
    grpc::CallbackServerContext* ctx, const v1::CompleteCallbackRequest* req,
    v1::CallbackTask* resp) {
  return ServeUnary(env_, complete_callback_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.CompleteCallback(*req, p);
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::ApplyNotices(grpc::CallbackServerContext* ctx,
                                                            const v1::ApplyNoticesRequest* req,
                                                            v1::NoticeTemplates* resp) {
  return ServeUnary(env_, apply_notices_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal&) {
                      return notify_.ApplyTemplates(req->yaml(), req->dry_run());
                    }));
}

grpc::ServerUnaryReactor* ResidentServiceImpl::GetNotices(grpc::CallbackServerContext* ctx,
                                                          const v1::GetNoticesRequest* req,
                                                          v1::NoticeTemplates* resp) {
  return ServeUnary(env_, get_notices_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal&) {
                      return notify_.Templates(req->site_id());
                    }));
}

}  // namespace lobby::residents
