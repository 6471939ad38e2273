#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/common/service_client.h"
#include "services/residents/notify_logic.h"
#include "services/residents/redis_notify_store.h"
#include "services/residents/redis_resident_store.h"
#include "services/residents/resident_logic.h"
#include "services/residents/resident_service.h"

namespace lobby::residents {

/// The residents service as lobbyd hosts it: store, logic and gRPC service built from the
/// settings, registered on the runtime's gRPC server, plus two consumers of lobby:q:tickets:
/// `timeline` records ticket events on residents' timelines and `notify` tells residents about
/// them (with its loop, which tells what was held: docs/notifications.md).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

  ResidentLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, ResidentsConfig config, NotifyConfig notify);
  RedisResidentStore store_;
  RegisterCache& registers_;  // the process's
  ResidentLogic logic_;
  RedisNotifyStore notify_store_;
  NotifyLogic notify_;
  ServiceClient<v1::DispatchService> dispatch_;  // the estates' staff, for staff linking
  ResidentServiceImpl service_;
};

}  // namespace lobby::residents
