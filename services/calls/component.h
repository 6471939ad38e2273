#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/calls/call_logic.h"
#include "services/calls/calls_service.h"
#include "services/calls/grpc_call_peers.h"
#include "services/calls/redis_call_store.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::calls {

/// The calls service as lobbyd hosts it (--services=calls): HotlineService, the hotline's call
/// records, screen-pops, call log and missed-call callbacks. The hotline adapter reports to it.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

 private:
  explicit Component(Runtime& runtime);
  RedisCallStore store_;
  GrpcCallPeers peers_;
  CallLogic logic_;
  HotlineServiceImpl service_;
};

}  // namespace lobby::calls
