#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/service_client.h"

namespace lobby::dispatch {

/// DispatchService over gRPC, for the adapters. Thread-safe.
class Client {
 public:
  explicit Client(ClientEnv env) : service_(std::move(env), "dispatch") {}
  /// The estate's register (buildings, floors, flats, common areas); NOT_FOUND for no estate.
  absl::StatusOr<v1::EstateRegister> GetRegister(const std::string& site);

 private:
  ServiceClient<v1::DispatchService> service_;
};

}  // namespace lobby::dispatch
