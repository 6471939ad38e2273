#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/dispatch/dispatch_logic.h"
#include "services/dispatch/dispatch_service.h"
#include "services/dispatch/redis_dispatch_store.h"
#include "services/tickets/client.h"

namespace lobby::dispatch {

/// The dispatch service as lobbyd hosts it, with its `dispatch` consumer of lobby:q:tickets, the
/// loop that fires SLA timers (every --dispatch-tick) and the shift sweep (every
/// --dispatch-sweep).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

 private:
  explicit Component(Runtime& runtime);
  RedisDispatchStore store_;
  tickets::Client tickets_;
  DispatchLogic logic_;
  Feed feed_;
  DispatchServiceImpl service_;
};

}  // namespace lobby::dispatch
