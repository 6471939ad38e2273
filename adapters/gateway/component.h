#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/gateway/console.h"
#include "adapters/gateway/gateway.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::gateway {

/// The HTTP API as lobbyd hosts it (--adapters=gateway): every method of every service on the
/// HTTP port, by the Connect protocol (docs/http-api.md), and the web console at / when
/// --console-dir names its files (docs/console.md).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

 private:
  Component(Runtime& runtime, GatewayOptions options, std::unique_ptr<Console> console);
  Gateway gateway_;
  std::unique_ptr<Console> console_;  // null without --console-dir
};

}  // namespace lobby::gateway
