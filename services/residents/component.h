#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/residents/redis_resident_store.h"
#include "services/residents/resident_logic.h"
#include "services/residents/resident_service.h"

namespace lobby::residents {

/// The residents service as lobbyd hosts it: store, logic and gRPC service built from the
/// settings, registered on the runtime's gRPC server, plus the `timeline` consumer of
/// lobby:q:tickets that records ticket events on residents' timelines.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings) { ResidentsConfig::Declare(settings); }
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

  ResidentLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, ResidentsConfig config);
  RedisResidentStore store_;
  RegisterCache& registers_;  // the process's
  ResidentLogic logic_;
  ResidentServiceImpl service_;
};

}  // namespace lobby::residents
