#pragma once

#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/dispatch/dispatch_logic.h"

namespace lobby::dispatch {

/// DispatchService over gRPC: token and role check, proto in, DispatchLogic, status out.
class DispatchServiceImpl final : public v1::DispatchService::CallbackService {
 public:
  DispatchServiceImpl(DispatchLogic& logic, RpcEnv env);

  // v1::DispatchService::CallbackService
  grpc::ServerUnaryReactor* ApplyEstate(grpc::CallbackServerContext* ctx, const v1::ApplyEstateRequest* req,
                                        v1::ApplyEstateResponse* resp) override;
  grpc::ServerUnaryReactor* GetEstate(grpc::CallbackServerContext* ctx, const v1::GetEstateRequest* req,
                                      v1::Estate* resp) override;
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* ctx, const v1::ExplainRequest* req,
                                    v1::Decision* resp) override;
  grpc::ServerUnaryReactor* Claim(grpc::CallbackServerContext* ctx, const v1::MemberActionRequest* req,
                                  v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Decline(grpc::CallbackServerContext* ctx, const v1::MemberActionRequest* req,
                                    v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Transfer(grpc::CallbackServerContext* ctx, const v1::MemberActionRequest* req,
                                     v1::Ticket* resp) override;

 private:
  DispatchLogic& logic_;
  RpcEnv env_;
  RpcMethod apply_, get_, explain_, claim_, decline_, transfer_;
};

}  // namespace lobby::dispatch
