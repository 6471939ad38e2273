#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::telegram {

/// The Telegram adapter as lobbyd hosts it (--adapters=telegram): the webhook /v1/telegram/<bot>
/// and the delivery worker of lobby:q:outbound:telegram (the Bot API takes about 30 messages a
/// second; 25 keeps within).
struct Component {
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<lobby::Component>> Create(const config::Settings& settings,
                                                                  Runtime& runtime);
};

}  // namespace lobby::telegram
