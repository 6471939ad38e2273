#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/executor.h"
#include "services/common/metrics.h"
#include "services/common/permissions.h"
#include "services/common/scope.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"

namespace lobby {

/// One RPC method's policy and stats, built once when a service is constructed.
struct RpcMethod {
  std::string name;  // "lobby.v1.ResidentService/CreateResident"
  auth::RoleSet roles;
  bool read;  // changes nothing: not on the audit trail
  RpcStats* stats;
  Executor* executor;  // where its handler runs
};

/// What the thin service classes need to serve a call.
struct RpcEnv {
  const auth::Authenticator* auth;
  AuditLog* audit;  // null: no audit trail (unit tests of a service alone)
  Executor* executor;
  Metrics* metrics;
  /// A small pool of its own for the methods other services call while they hold a worker
  /// (a complaint reading the catalog, dispatch assigning from a member's request). Were those
  /// served by the same workers, a burst of such requests could take every worker and wait for
  /// ever on calls no worker is free to serve. Their handlers must never call another service.
  Executor* internal_executor;

  /// A method with the roles services/common/permissions.cc gives it.
  RpcMethod Method(std::string name) const {
    return RpcMethod{name, auth::RolesFor(name), auth::IsRead(name), metrics->Rpc(name), executor};
  }
  /// The same, run on the executor for calls between Lobby's own services.
  RpcMethod InternalMethod(std::string name) const {
    return RpcMethod{name, auth::RolesFor(name), auth::IsRead(name), metrics->Rpc(name),
                     internal_executor};
  }
};

/// Serves a unary callback RPC on the executor: checks the caller's credentials (a session may
/// need a Redis lookup, so never on the reactor thread) and that `req` names none of another
/// estate, runs `handler(principal)` -> absl::Status, keeps `resp` within the caller's estates,
/// writes the audit entry of a state-changing call, records the metrics and finishes.
template <typename Req, typename Resp, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(const RpcEnv& env, const RpcMethod& method,
                                     grpc::CallbackServerContext* ctx, const Req* req, Resp* resp,
                                     Handler handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Time start = absl::Now();
  bool queued = method.executor->Submit(
      [reactor, ctx, &env, &method, start, req, resp, h = std::move(handler)]() mutable {
        absl::Status s;
        auto principal = env.auth->Authorize(*ctx, method.roles, method.name);
        if (!principal.ok()) {
          s = principal.status();
        } else if (ctx->IsCancelled()) {
          s = absl::CancelledError("call cancelled");
        } else {
          s = CheckRequestEstate(*principal, *req);
          if (s.ok()) s = h(*principal);
          if (s.ok()) s = ScopeResponse(*principal, *resp);
          if (!method.read && env.audit != nullptr)
            env.audit->Record(*principal, method.name, *req, *resp, s);
        }
        method.stats->Record(s.code(), absl::Now() - start);
        reactor->Finish(ToGrpcStatus(s));
      });
  if (!queued) reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  return reactor;
}

/// A ServeUnary handler from `call(principal)` returning absl::StatusOr<T>: the value is
/// copied into `resp`.
template <typename Resp, typename Call>
auto Into(Resp* resp, Call call) {
  return [resp, call = std::move(call)](const auth::Principal& p) mutable -> absl::Status {
    LOBBY_ASSIGN_OR_RETURN(auto r, call(p));
    *resp = std::move(r);
    return absl::OkStatus();
  };
}

/// A gRPC server with health checking and reflection. The health status of "" and of every
/// registered service follows SetServing().
class GrpcServer {
 public:
  /// The health-check service name that is SERVING for as long as the process answers at all,
  /// whatever Redis does: for liveness probes ("" and each service name follow Redis, for
  /// readiness).
  static constexpr char kLivenessService[] = "liveness";

  explicit GrpcServer(std::string listen) : listen_(std::move(listen)) {}
  void Register(grpc::Service* service, std::string full_name);
  /// Whether a service of this name ("lobby.v1.RepairService") is registered here.
  bool Hosts(absl::string_view full_name) const;
  /// Binds (port 0 picks a free port) and starts serving.
  absl::Status Start();
  /// The bound "host:port".
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  /// Sets "" and every registered service (readiness); "liveness" stays SERVING.
  void SetServing(bool serving);
  /// Stops accepting, lets in-flight calls finish until `grace`, then cancels the rest.
  void Shutdown(absl::Duration grace);

 private:
  std::string listen_;
  std::string address_;
  int port_ = 0;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<grpc::Server> server_;
};

/// A channel to a Lobby server (plaintext; put TLS at the ingress or a mesh).
std::shared_ptr<grpc::Channel> Dial(const std::string& address);
/// Every client call carries a deadline and, when given, the bearer token.
void PrepareClientContext(grpc::ClientContext& ctx, const std::string& token,
                          absl::Duration timeout);

}  // namespace lobby
