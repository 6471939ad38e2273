#pragma once

#include "lobby/v1/hotline.grpc.pb.h"
#include "services/calls/call_logic.h"
#include "services/common/executor.h"
#include "services/common/feed.h"
#include "services/common/grpc_server.h"
#include "services/common/redis.h"
#include "services/common/write_queue.h"

namespace lobby::calls {

class WatchReactor;

/// HotlineService: WatchCalls (every call event of an estate, from now on), GetCall, LogCall and
/// ReportCall (the hotline adapter's events).
class HotlineServiceImpl final : public v1::HotlineService::CallbackService {
 public:
  /// `events`: the stream the store publishes call events on (WatchCalls follows it).
  HotlineServiceImpl(const RpcEnv& env, CallLogic& logic, redis::Options redis_options,
                     const char* events);
  ~HotlineServiceImpl() override;
  grpc::ServerWriteReactor<v1::CallEvent>* WatchCalls(grpc::CallbackServerContext* ctx,
                                                      const v1::WatchCallsRequest* req) override;
  grpc::ServerUnaryReactor* GetCall(grpc::CallbackServerContext* ctx, const v1::GetCallRequest* req,
                                    v1::Call* resp) override;
  grpc::ServerUnaryReactor* LogCall(grpc::CallbackServerContext* ctx, const v1::LogCallRequest* req,
                                    v1::LogCallResponse* resp) override;
  grpc::ServerUnaryReactor* ReportCall(grpc::CallbackServerContext* ctx,
                                       const v1::ReportCallRequest* req,
                                       v1::ReportCallResponse* resp) override;
  /// Ends every stream (UNAVAILABLE): shutdown.
  void EndStreams();

 private:
  friend class WatchReactor;
  RpcEnv env_;
  CallLogic& logic_;
  Executor executor_;  // these calls ask other services: never on the pool they serve on
  RpcMethod watch_, get_, log_, report_;
  Feed feed_;
  OpenStreams<WatchReactor> streams_;
};

}  // namespace lobby::calls
