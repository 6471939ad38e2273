#pragma once

#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/common/write_queue.h"
#include "services/dispatch/dispatch_logic.h"
#include "services/dispatch/feed.h"

namespace lobby::dispatch {

/// DispatchService over gRPC: token and role check, proto in, DispatchLogic, status out.
class DispatchServiceImpl final : public v1::DispatchService::CallbackService {
 public:
  /// `feed` and `redis` serve WatchAssignments.
  DispatchServiceImpl(DispatchLogic& logic, RpcEnv env, Feed& feed, redis::Client& redis);
  ~DispatchServiceImpl() override;
  /// Ends every open WatchAssignments stream (UNAVAILABLE: the client reconnects elsewhere
  /// with its cursor). Called as the server shuts down.
  void EndStreams();

  // v1::DispatchService::CallbackService
  grpc::ServerUnaryReactor* ApplyEstate(grpc::CallbackServerContext* ctx,
                                        const v1::ApplyEstateRequest* req,
                                        v1::ApplyEstateResponse* resp) override;
  grpc::ServerUnaryReactor* GetEstate(grpc::CallbackServerContext* ctx,
                                      const v1::GetEstateRequest* req, v1::Estate* resp) override;
  grpc::ServerUnaryReactor* GetRegister(grpc::CallbackServerContext* ctx,
                                        const v1::GetEstateRequest* req,
                                        v1::EstateRegister* resp) override;
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* ctx, const v1::ExplainRequest* req,
                                    v1::Decision* resp) override;
  grpc::ServerUnaryReactor* Claim(grpc::CallbackServerContext* ctx,
                                  const v1::MemberActionRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Decline(grpc::CallbackServerContext* ctx,
                                    const v1::MemberActionRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Transfer(grpc::CallbackServerContext* ctx,
                                     const v1::MemberActionRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* ctx,
                                        const v1::MemberActionRequest* req,
                                        v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* GetBoard(grpc::CallbackServerContext* ctx,
                                     const v1::GetBoardRequest* req, v1::Board* resp) override;
  grpc::ServerUnaryReactor* SetDuty(grpc::CallbackServerContext* ctx, const v1::SetDutyRequest* req,
                                    v1::BoardMember* resp) override;
  grpc::ServerWriteReactor<v1::AssignmentEvent>* WatchAssignments(
      grpc::CallbackServerContext* ctx, const v1::WatchAssignmentsRequest* req) override;

 private:
  friend class WatchReactor;
  DispatchLogic& logic_;
  RpcEnv env_;
  Feed& feed_;
  redis::Client& redis_;
  RpcMethod apply_, get_, register_, explain_, claim_, decline_, transfer_, acknowledge_, board_,
      duty_, watch_;
  OpenStreams<class WatchReactor> streams_;
};

}  // namespace lobby::dispatch
