#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/grpc_server.h"
#include "services/common/roles.h"
#include "services/common/status.h"

namespace lobby {

/// How a client reaches Lobby's services: where each one is (by short name: "residents",
/// "repairs", "complaints", "surveys", "dispatch"), the bearer token it calls with and the
/// deadline of one call (--rpc-deadline).
struct ClientEnv {
  std::function<std::string(const std::string& service)> address;
  std::string token;
  absl::Duration deadline = absl::Seconds(5);
};

/// One Lobby service's stub as the typed clients (services/<name>/client.h) use it. The address
/// is asked for on the first call, so it may be this process's own gRPC address, known only once
/// the server listens. Thread-safe.
template <typename Service>
class ServiceClient {
 public:
  using Stub = typename Service::Stub;
  /// `name`: the service's short name, as ClientEnv::address takes it.
  ServiceClient(ClientEnv env, std::string name) : env_(std::move(env)), name_(std::move(name)) {}

  /// One unary call with the token and the deadline (times `deadline_factor`); `acting_for` goes
  /// in the acting-for header when given.
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const Req& req, const std::string& acting_for = "",
                            int deadline_factor = 1) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, env_.token, env_.deadline * deadline_factor);
    if (!acting_for.empty()) ctx.AddMetadata(auth::kActingForHeader, acting_for);
    Resp resp;
    grpc::Status s = (stub().*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

 private:
  Stub& stub() {
    std::lock_guard lock(mu_);
    if (!stub_) stub_ = Service::NewStub(Dial(env_.address(name_)));
    return *stub_;
  }

  ClientEnv env_;
  std::string name_;
  std::mutex mu_;
  std::unique_ptr<Stub> stub_;
};

/// `status` with its message prefixed by `what` (NOT_FOUND is left as it is: callers test it).
inline absl::Status Explained(absl::Status status, absl::string_view what) {
  if (status.ok() || absl::IsNotFound(status)) return status;
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

}  // namespace lobby
