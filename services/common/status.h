#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lobby {

/// The one mapping from absl::Status to a gRPC status at the RPC edge.
grpc::Status ToGrpcStatus(const absl::Status& status);

/// The reverse, for gRPC clients that return absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lobby
