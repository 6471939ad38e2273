#pragma once

#include "services/calls/call_store.h"
#include "services/common/redis.h"

namespace lobby::calls {

/// Calls in Redis: lobby:calls:call:<id> (a hash {pb, v}, kept 90 days after its last change),
/// each change published on lobby:calls:events (the newest 10,000, for live screens) in the same
/// atomic round trip.
class RedisCallStore final : public CallStore {
 public:
  static constexpr const char* kEventsStream = "lobby:calls:events";

  explicit RedisCallStore(redis::Client& redis) : redis_(redis) {}
  absl::StatusOr<std::optional<v1::Call>> Load(const std::string& id) override;
  absl::Status Save(const v1::Call& call, const std::string& type) override;

 private:
  redis::Client& redis_;
};

}  // namespace lobby::calls
