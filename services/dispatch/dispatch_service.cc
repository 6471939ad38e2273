#include "services/dispatch/dispatch_service.h"

namespace lobby::dispatch {

using auth::Role;

DispatchServiceImpl::DispatchServiceImpl(DispatchLogic& logic, RpcEnv env)
    : logic_(logic),
      env_(env),
      apply_(env.Method("lobby.v1.DispatchService/ApplyEstate", {Role::kManager, Role::kAdmin})),
      get_(env.Method("lobby.v1.DispatchService/GetEstate", {Role::kAgent, Role::kTechnician, Role::kManager, Role::kAdmin})),
      explain_(env.Method("lobby.v1.DispatchService/Explain", {Role::kAgent, Role::kManager, Role::kAdmin})),
      claim_(env.Method("lobby.v1.DispatchService/Claim", {Role::kTechnician, Role::kAgent, Role::kManager, Role::kAdmin})),
      decline_(env.Method("lobby.v1.DispatchService/Decline", {Role::kTechnician, Role::kAgent, Role::kManager, Role::kAdmin})),
      transfer_(env.Method("lobby.v1.DispatchService/Transfer", {Role::kTechnician, Role::kAgent, Role::kManager, Role::kAdmin})) {}

grpc::ServerUnaryReactor* DispatchServiceImpl::Claim(grpc::CallbackServerContext* ctx, const v1::MemberActionRequest* req,
                                                     v1::Ticket* resp) {
  return ServeUnary(env_, claim_, ctx, Into(resp, [this, req](const auth::Principal& p) { return logic_.Claim(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Decline(grpc::CallbackServerContext* ctx,
                                                       const v1::MemberActionRequest* req, v1::Ticket* resp) {
  return ServeUnary(env_, decline_, ctx, Into(resp, [this, req](const auth::Principal& p) { return logic_.Decline(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Transfer(grpc::CallbackServerContext* ctx,
                                                        const v1::MemberActionRequest* req, v1::Ticket* resp) {
  return ServeUnary(env_, transfer_, ctx, Into(resp, [this, req](const auth::Principal& p) { return logic_.Transfer(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ApplyEstate(grpc::CallbackServerContext* ctx,
                                                           const v1::ApplyEstateRequest* req,
                                                           v1::ApplyEstateResponse* resp) {
  return ServeUnary(env_, apply_, ctx, Into(resp, [this, req](const auth::Principal&) { return logic_.ApplyEstate(*req); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::GetEstate(grpc::CallbackServerContext* ctx,
                                                         const v1::GetEstateRequest* req, v1::Estate* resp) {
  return ServeUnary(env_, get_, ctx, Into(resp, [this, req](const auth::Principal&) { return logic_.GetEstate(req->site_id()); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Explain(grpc::CallbackServerContext* ctx, const v1::ExplainRequest* req,
                                                       v1::Decision* resp) {
  return ServeUnary(env_, explain_, ctx, Into(resp, [this, req](const auth::Principal&) { return logic_.Explain(*req); }));
}

}  // namespace lobby::dispatch
