#include "services/common/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace lobby {

void GrpcServer::Register(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

bool GrpcServer::Hosts(absl::string_view full_name) const {
  for (const auto& s : services_) {
    if (s.second == full_name) return true;
  }
  return false;
}

absl::Status GrpcServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen_, grpc::InsecureServerCredentials(), &port_);
  for (auto& [svc, name] : services_) builder.RegisterService(svc);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", listen_));
  }
  address_ = absl::StrCat(listen_.substr(0, listen_.rfind(':')), ":", port_);
  log::Get("grpc")->info("event=grpc_listening address={}", address_);
  return absl::OkStatus();
}

void GrpcServer::SetServing(bool serving) {
  if (!server_) return;
  auto* health = server_->GetHealthCheckService();
  if (!health) return;
  health->SetServingStatus(serving);
  for (auto& [svc, name] : services_) health->SetServingStatus(name, serving);
  health->SetServingStatus(kLivenessService, true);  // alive whatever Redis does
}

void GrpcServer::Shutdown(absl::Duration grace) {
  if (!server_) return;
  SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_.reset();
}

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  // Rides through a peer's rolling restart: a draining server refuses new calls (UNAVAILABLE),
  // and gRPC answers calls it had received but not yet handed to a handler with CANCELLED when
  // it shuts down (grpc/grpc#41785). Neither ran the handler, and Lobby's writes carry
  // idempotency keys or versions, so they are retried, a few times, within the call's deadline.
  args.SetServiceConfigJSON(R"({"methodConfig": [{"name": [{}], "retryPolicy": {
      "maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "1s", "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"]}}]})");
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

void PrepareClientContext(grpc::ClientContext& ctx, const std::string& token,
                          absl::Duration timeout) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

}  // namespace lobby
