#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/hotline.pb.h"

namespace lobby::calls {

/// What CallLogic needs of storage (RedisCallStore keeps it in Redis). Thread-safe.
class CallStore {
 public:
  virtual ~CallStore() = default;
  /// The call, or nothing for an id never reported.
  virtual absl::StatusOr<std::optional<v1::Call>> Load(const std::string& id) = 0;
  /// Stores `call` (its version one more than the stored one's; 1 for a new call) and publishes
  /// it as an event of `type` for WatchCalls, together. ABORTED when the call changed meanwhile.
  virtual absl::Status Save(const v1::Call& call, const std::string& type) = 0;
};

}  // namespace lobby::calls
