#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "services/common/service_client.h"

namespace lobby::calls {

/// INVALID_ARGUMENT unless `id` is a call id: 1 to 128 letters, digits and . - _ :
absl::Status ValidCallId(const std::string& id);

/// HotlineService over gRPC, for the hotline adapter. Thread-safe.
class Client {
 public:
  explicit Client(ClientEnv env) : service_(std::move(env), "calls") {}
  /// What the phone system said happened to a call.
  absl::StatusOr<v1::ReportCallResponse> Report(const v1::ReportCallRequest& request);

 private:
  ServiceClient<v1::HotlineService> service_;
};

}  // namespace lobby::calls
